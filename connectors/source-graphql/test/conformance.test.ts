import { testSource } from "faucet-conformance";
import { silentLogger } from "faucet-core";
import { GraphqlSource, type GraphqlSourceConfigInput } from "faucet-source-graphql";
import { afterAll } from "vitest";
import { graphqlApi, ITEMS_QUERY, itemsConfig } from "./api.js";

// The dataset the battery seeds, served by a real graphql-js schema behind a bearer token; the
// source pages with Relay cursors (`first` = batch_size) and binds its bookmark to `$since`.
const api = await graphqlApi([], { token: "conformance-token", track: false });
afterAll(() => api.close());

const config: GraphqlSourceConfigInput = itemsConfig(`${api.url}/graphql`, {
  auth: { type: "bearer", config: { token: "conformance-token" } },
  replication_key: "id",
  replication_bind: { variable: "since", value_type: "number" },
  retry_backoff: 0.005,
});

testSource<GraphqlSourceConfigInput>({
  name: "faucet conformance: source-graphql",
  create: (c) => new GraphqlSource(c, { logger: silentLogger }),
  config,
  seed: (records) => {
    api.items = records as typeof api.items;
  },
  withBatchSize: (c, batchSize) => ({ ...c, batch_size: batchSize }),
  failing: [
    {
      title: "unreachable server",
      config: { ...config, endpoint: "http://127.0.0.1:9/graphql", max_retries: 1 },
      kind: "connection",
    },
    {
      title: "wrong credentials",
      config: { ...config, auth: { type: "bearer", config: { token: "wrong-token" } } },
      kind: "auth",
    },
    {
      title: "a query the schema refuses",
      config: { ...config, query: ITEMS_QUERY.replace("updatedAt", "updated_at") },
      kind: "config",
    },
  ],
});
