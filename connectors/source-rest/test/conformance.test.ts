import { testSource } from "faucet-conformance";
import type { ValueObject } from "faucet-core";
import { silentLogger } from "faucet-core";
import { RestSource, type RestSourceConfigInput } from "faucet-source-rest";
import { afterAll } from "vitest";
import { sendJson, startServer } from "../../common-http/test/server.js";

// The dataset the battery seeds, served as an offset/limit API that needs a bearer token and
// filters on `?after=<id>` when the source binds its bookmark.
let dataset: ValueObject[] = [];
const api = await startServer((req, res) => {
  if (req.headers.authorization !== "Bearer conformance-token") return sendJson(res, 401, { error: "bad token" });
  const after = Number(req.query.get("after") ?? 0);
  const rows = dataset.filter((r) => (r.id as number) > after);
  const offset = Number(req.query.get("offset") ?? 0);
  const limit = Number(req.query.get("limit") ?? rows.length);
  sendJson(res, 200, { data: rows.slice(offset, offset + limit), total: rows.length });
});
afterAll(() => api.close());

const config: RestSourceConfigInput = {
  base_url: api.url,
  path: "/records",
  records_path: "$.data",
  auth: { type: "bearer", config: { token: "conformance-token" } },
  pagination: { type: "offset", limit: 50, total_path: "$.total" },
  replication_key: "id",
  replication_bind: { name: "after" },
  retry_backoff: 0.005,
};

testSource<RestSourceConfigInput>({
  name: "faucet conformance: source-rest",
  create: (c) => new RestSource(c, { logger: silentLogger }),
  config,
  seed: (records) => {
    dataset = records;
  },
  // The server's page size is the source's batch size; 0 means one response with everything.
  withBatchSize: (c, batchSize) =>
    batchSize === 0
      ? { ...c, pagination: { type: "none" } }
      : { ...c, pagination: { type: "offset", limit: batchSize, total_path: "$.total" } },
  failing: [
    {
      title: "unreachable server",
      config: { ...config, base_url: "http://127.0.0.1:9", max_retries: 1 },
      kind: "connection",
    },
    {
      title: "wrong credentials",
      config: { ...config, auth: { type: "bearer", config: { token: "wrong-token" } } },
      kind: "auth",
    },
    { title: "a path that does not exist", config: { ...config, path: "/nope/{missing}" }, kind: "config" },
  ],
});
