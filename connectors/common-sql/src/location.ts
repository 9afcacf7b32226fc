import { isAbsolute, resolve as resolvePath } from "node:path";
import { FaucetError } from "faucet-core";

/** Where an embedded database (DuckDB, SQLite) lives. */
export interface DatabaseLocation {
  /** An absolute file path, or `:memory:`. */
  path: string;
  memory: boolean;
}

/** How {@link databaseLocation} reads a URL-like setting. */
export interface DatabaseLocationOptions {
  /** Match the schemes in any case (`SQLite:app.db`). */
  ignoreCase?: boolean;
  /** Drop a query string (`app.db?mode=rwc`), as SQLite URLs carry one for their driver. */
  dropQuery?: boolean;
}

/**
 * Resolves an embedded database's `database` setting: strips a `<scheme>://` or `<scheme>:`
 * prefix (`duckdb:///tmp/a.duckdb`, `duckdb::memory:`), keeps `:memory:` (and an empty path) as an
 * in-memory database, and resolves a relative path against `baseDir` (the config file's
 * directory; default the working directory).
 *
 * @example
 * databaseLocation("duckdb:out/app.duckdb", ["duckdb"], "/etc/faucet"); // { path: "/etc/faucet/out/app.duckdb", memory: false }
 */
export function databaseLocation(
  database: string,
  schemes: readonly string[],
  baseDir?: string,
  options: DatabaseLocationOptions = {},
): DatabaseLocation {
  let path = database.trim();
  const starts = (prefix: string) =>
    options.ignoreCase ? path.toLowerCase().startsWith(prefix.toLowerCase()) : path.startsWith(prefix);
  for (const scheme of schemes) {
    if (starts(`${scheme}://`)) path = path.slice(scheme.length + 3);
    else if (starts(`${scheme}:`)) path = path.slice(scheme.length + 1);
  }
  if (options.dropQuery) {
    const query = path.indexOf("?");
    if (query !== -1) path = path.slice(0, query);
  }
  if (path === "" || path === ":memory:") return { path: ":memory:", memory: true };
  return { path: isAbsolute(path) ? path : resolvePath(baseDir ?? process.cwd(), path), memory: false };
}

/** What {@link openDatabaseError} says about an embedded database that would not open. */
export interface OpenDatabaseTexts {
  /** The engine's name in the message, e.g. `DuckDB`. */
  engine: string;
  /** Names the connector in the error. */
  connector: string;
  /** The hint when another process holds the database's lock. */
  lockedHint: string;
  /** The hint for any other failure. */
  hint: string;
}

/**
 * The `connection` error of an embedded database that would not open:
 * `could not open <engine> database <path>: <why>`, retryable (with `lockedHint`) when the
 * engine says another process holds the file's lock.
 *
 * @example
 * catch (error) { throw openDatabaseError(error, location, { engine: "DuckDB", connector: "sink-duckdb", lockedHint: "stop the other process", hint: "check `database`" }); }
 */
export function openDatabaseError(error: unknown, location: DatabaseLocation, texts: OpenDatabaseTexts): FaucetError {
  const message = (error as Error).message;
  const locked = /lock/i.test(message);
  return new FaucetError("connection", `could not open ${texts.engine} database ${location.path}: ${message}`, {
    cause: error,
    connector: texts.connector,
    retryable: locked,
    hint: locked ? texts.lockedHint : texts.hint,
  });
}
