/**
 * faucet-common-postgres: what faucet's PostgreSQL source, sink and state store share — the
 * connection config (`connection_url`, or host/port/user/password/database, TLS), a pool builder
 * with per-pool type parsers, identifier quoting, and the type mapping in both directions (int8
 * beyond ±2^53 and numeric as strings, timestamptz as RFC 3339 UTC, bytea as base64, json
 * native, arrays as arrays).
 *
 * @packageDocumentation
 *
 * @example
 * import { PostgresPool, quoteIdent } from "faucet-common-postgres";
 *
 * const pool = new PostgresPool({ connection_url: "postgres://postgres@127.0.0.1:5432/test" }, { connector: "my-tool" });
 * const { rows } = await pool.query(`SELECT count(*) AS n FROM ${quoteIdent("orders")}`, [], "source");
 * await pool.close();
 */

export { hasLongNumberRun, isLossy, LossyNumberError, parseJsonbExact, parseJsonExact } from "faucet-common-sql";
export type { ConnectionConfig, ResolvedConnection, SslMode } from "./config.js";
export {
  connectionFields,
  describeTarget,
  requireConnection,
  resolveConnection,
  SSL_MODES,
  withBaseDir,
} from "./config.js";
export type { PgErrorFields } from "./errors.js";
export { connectError, isCreateRace, queryError } from "./errors.js";
export type { PostgresPoolOptions } from "./pool.js";
export { PostgresPool } from "./pool.js";
export { qualifiedName, quoteIdent, quoteLiteral, splitQualifiedName } from "./quote.js";
export type { JsonBigNumbers, ReaderKind, TextParser, TypeRow } from "./read-types.js";
export {
  COPY_TEXT_ENCODING,
  jsonSchemaForType,
  OID,
  parseArray,
  SESSION_OPTIONS,
  TYPE_QUERY,
  TypeRegistry,
} from "./read-types.js";
export type { ColumnType, TextSerializer } from "./write-types.js";
export { arrayLiteral, copyEscape, serializerFor, ValueError } from "./write-types.js";
