/**
 * faucet-common-sqlite: what the SQLite source and sink share. Opens a database named by a
 * file path or a `sqlite:` URL (on `libsql`, the SQLite fork whose binaries ship in registry
 * packages), quotes identifiers, converts JSON values to SQLite parameters and back, and maps
 * SQLite failures (a locked file, a missing table, a constraint) to clear FaucetErrors.
 *
 * @example
 * import { openDatabase, parseDatabaseUrl } from "faucet-common-sqlite";
 *
 * const db = await openDatabase(parseDatabaseUrl("sqlite:./app.db", baseDir), {
 *   connector: "sink-sqlite",
 *   kind: "sink",
 *   create: true,
 *   busyTimeoutMs: 5000,
 * });
 *
 * @packageDocumentation
 */
export type { DatabaseLocation } from "faucet-common-sql";
export type { Database, OpenOptions } from "./database.js";
export { checkpoint, openDatabase, parseDatabaseUrl, quoteIdentifier } from "./database.js";
export type { SqliteErrorContext } from "./errors.js";
export { isBusy, sqliteError } from "./errors.js";
export type { SqliteParameter } from "./values.js";
export { fromSqlite, MAX_VARIABLES, needsIntegerBinding, toSqlite } from "./values.js";
