/**
 * faucet-source-graphql: reads any GraphQL API. Read it in this order:
 *
 * - `config.ts` — the zod schema (Rust faucet-stream keys), the one source of truth;
 * - `stream.ts` — {@link GraphqlSource}, the only file that performs I/O: request → GraphQL
 *   errors → records → next cursor, one page per response;
 * - `request.ts` — builds each request body (variables, cursor or offset, bound bookmark), pure;
 * - `response.ts` — GraphQL `errors` → FaucetError kinds, `records_path`, the paginators, pure.
 *
 * Auth, rate limits, timeouts, HTTP retries and error mapping come from `faucet-common-http`,
 * shared with the REST source and the HTTP sink.
 *
 * @example
 * import { Pipeline } from "faucet-core";
 * import { GraphqlSource } from "faucet-source-graphql";
 *
 * const source = new GraphqlSource({
 *   endpoint: "https://api.github.com/graphql",
 *   query: `query($first: Int, $after: String) {
 *     viewer { repositories(first: $first, after: $after) { nodes { name } pageInfo { hasNextPage endCursor } } }
 *   }`,
 *   auth: { type: "bearer", config: { token: process.env.GITHUB_TOKEN ?? "" } },
 *   records_path: "$.data.viewer.repositories.nodes",
 *   pagination: {
 *     has_next_page_path: "$.data.viewer.repositories.pageInfo.hasNextPage",
 *     cursor_path: "$.data.viewer.repositories.pageInfo.endCursor",
 *   },
 *   batch_size: 100,
 * });
 * await new Pipeline(source, sink).run();
 *
 * @packageDocumentation
 */
import { defineSource } from "faucet-core";
import { GraphqlSourceConfig } from "./config.js";
import { GraphqlSource } from "./stream.js";

export type { GraphqlSourceConfigInput } from "./config.js";
export { GraphqlSourceConfig, PaginationConfig, ReplicationBindConfig } from "./config.js";
export type { GraphqlRequestBody, PagePosition } from "./request.js";
export { planRequest } from "./request.js";
export type { NextPage, Paginator, RecordExtractor } from "./response.js";
export { createExtractor, createPaginator, graphqlError } from "./response.js";
export type { GraphqlSourceOptions } from "./stream.js";
export { GraphqlSource } from "./stream.js";

/** The CLI registry entry: YAML `type: graphql`. */
export const definition = defineSource({
  type: "graphql",
  description: "Reads records from a GraphQL API: cursor or offset pagination, GraphQL errors as failures, bookmarks",
  config: GraphqlSourceConfig,
  create: (config, context) => new GraphqlSource(config, { logger: context.logger, baseDir: context.baseDir }),
});
