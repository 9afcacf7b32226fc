import { isAbsolute, resolve as resolvePath } from "node:path";

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
