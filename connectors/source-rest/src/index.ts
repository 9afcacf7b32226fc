/**
 * faucet-source-rest: reads any JSON, JSON Lines or CSV HTTP API — the reference faucet
 * connector. Read it in this order:
 *
 * - `config.ts` — the zod schema (Rust faucet-stream keys), the one source of truth;
 * - `stream.ts` — {@link RestSource}, the only file that performs I/O: per partition it loops
 *   request → records → next page, one page per response;
 * - `request.ts` — builds each request (placeholders, query, body, bound bookmark), pure;
 * - `pagination/` — one small state machine per strategy, each with a loop guard;
 * - `extract/` — turns a response into records (`records_path`, JSON Lines, CSV);
 * - `partitions.ts` — partition keys and bounded concurrent reading;
 * - `bind.ts` — renders the bookmark for `replication_bind`;
 * - `auth/` — where auth comes from (`faucet-common-http`, shared with the HTTP sink).
 *
 * @example
 * import { Pipeline } from "faucet-core";
 * import { RestSource } from "faucet-source-rest";
 *
 * const source = new RestSource({
 *   base_url: "https://api.example.com",
 *   path: "/v1/items",
 *   records_path: "$.data[*]",
 *   pagination: { type: "cursor", next_token_path: "$.next", param_name: "cursor" },
 * });
 * await new Pipeline(source, sink).run();
 *
 * @packageDocumentation
 */
import { defineSource } from "faucet-core";
import { RestSourceConfig } from "./config.js";
import { RestSource } from "./stream.js";

export { describeAuth } from "./auth/index.js";
export { formatBookmark, renderBind } from "./bind.js";
export type { PaginationConfig, RestSourceConfigInput } from "./config.js";
export { ReplicationBindConfig, RestSourceConfig } from "./config.js";
export { createExtractor, parseCsv } from "./extract/index.js";
export type { NextStep, PagePatch, PageSeen, Paginator } from "./pagination/index.js";
export { createPaginator, nextLink } from "./pagination/index.js";
export { mergeConcurrent, partitionKey } from "./partitions.js";
export { planRequest } from "./request.js";
export type { RestSourceOptions } from "./stream.js";
export { RestSource } from "./stream.js";

/** The CLI registry entry: YAML `type: rest`. */
export const definition = defineSource({
  type: "rest",
  description: "Reads records from any HTTP API: auth, pagination, retries, rate limits, bookmarks, partitions",
  config: RestSourceConfig,
  create: (config, context) => new RestSource(config, { logger: context.logger, baseDir: context.baseDir }),
});
