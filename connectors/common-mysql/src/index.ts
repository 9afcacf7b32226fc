/**
 * faucet-common-mysql: what faucet's MySQL/MariaDB source and sink share — the connection config
 * (`connection_url`, or host/port/user/password/database, TLS, the session time zone), a pool
 * with lossless result options, identifier and string quoting, error mapping, and the type
 * mapping in both directions (BIGINT beyond ±2^53 and DECIMAL as strings, DATETIME/TIMESTAMP as
 * ISO 8601 UTC, BIT/BLOB as base64, zero dates as null, JSON parsed exactly).
 *
 * @packageDocumentation
 *
 * @example
 * import { MysqlPool, quoteIdent } from "faucet-common-mysql";
 *
 * const pool = new MysqlPool({ connection_url: "mysql://root@127.0.0.1:3306/test" }, { connector: "my-tool" });
 * const [rows] = await pool.query(`SELECT count(*) AS n FROM ${quoteIdent("orders")}`, [], "source");
 * await pool.close();
 */

export { CellError } from "faucet-common-sql";
export type { ConnectionConfig, ResolvedConnection, SslMode } from "./config.js";
export {
  connectionFields,
  describeTarget,
  requireConnection,
  resolveConnection,
  SSL_MODES,
  withBaseDir,
} from "./config.js";
export type { MysqlErrorFields } from "./errors.js";
export { connectError, queryError } from "./errors.js";
export type { MysqlPoolOptions } from "./pool.js";
export { MysqlPool } from "./pool.js";
export { qualifiedName, quoteIdent, quoteString, splitQualifiedName } from "./quote.js";
export type { ReadOptions } from "./read-types.js";
export { jsonSchemaForColumn, rowConverter, TYPE } from "./read-types.js";
export type { LiteralEncoder, MysqlColumn } from "./write-types.js";
export { COLUMNS_SQL, literalFor, ValueError } from "./write-types.js";
