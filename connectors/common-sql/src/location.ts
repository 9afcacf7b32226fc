import { isAbsolute, resolve as resolvePath } from "node:path";

/** Where an embedded database (DuckDB, SQLite) lives. */
export interface DatabaseLocation {
  /** An absolute file path, or `:memory:`. */
  path: string;
  memory: boolean;
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
export function databaseLocation(database: string, schemes: readonly string[], baseDir?: string): DatabaseLocation {
  let path = database.trim();
  for (const scheme of schemes) {
    if (path.startsWith(`${scheme}://`)) path = path.slice(scheme.length + 3);
    else if (path.startsWith(`${scheme}:`)) path = path.slice(scheme.length + 1);
  }
  if (path === "" || path === ":memory:") return { path: ":memory:", memory: true };
  return { path: isAbsolute(path) ? path : resolvePath(baseDir ?? process.cwd(), path), memory: false };
}
