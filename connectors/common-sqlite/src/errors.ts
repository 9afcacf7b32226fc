import { FaucetError } from "faucet-core";

/** Where a SQLite failure happened. */
export interface SqliteErrorContext {
  connector: string;
  kind: "source" | "sink";
  /** The database file. */
  path: string;
  /** What was being done, e.g. `open`, `write a page to "orders"`. */
  action: string;
}

/** True for SQLITE_BUSY / SQLITE_LOCKED: another connection holds the lock. */
export function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"));
}

/**
 * One clear FaucetError for a SQLite failure: a locked database (retryable, with the hint to
 * stop the other writer or raise the timeout), a file that is not a database, a constraint, or
 * anything else with SQLite's own message.
 *
 * @example
 * catch (err) { throw sqliteError(err, { connector: "sink-sqlite", kind: "sink", path, action: "write" }); }
 */
export function sqliteError(error: unknown, context: SqliteErrorContext): FaucetError {
  if (error instanceof FaucetError) return error;
  const code = String((error as { code?: unknown })?.code ?? "");
  const message = error instanceof Error ? error.message : String(error);
  const { connector, kind, path, action } = context;
  if (isBusy(error)) {
    return new FaucetError(kind, `could not ${action}: ${path} is locked by another connection (${code}: ${message})`, {
      cause: error,
      connector,
      retryable: true,
      hint: "another process holds a write lock on the database; stop it or let it finish, or raise busy_timeout_ms",
    });
  }
  if (code === "SQLITE_NOTADB" || /file is not a database|file is encrypted/i.test(message)) {
    return new FaucetError(kind, `could not ${action}: ${path} is not a SQLite database`, {
      cause: error,
      connector,
      retryable: false,
      hint: "check database_url: it names a file that is not a SQLite database",
    });
  }
  if (/ConnectionFailed|unable to open/i.test(message) || code === "SQLITE_CANTOPEN") {
    return new FaucetError(kind, `could not ${action}: ${path} cannot be opened (${message})`, {
      cause: error,
      connector,
      retryable: false,
      hint: "check that the file and its directory exist and are writable",
    });
  }
  if (code === "SQLITE_READONLY" || code.startsWith("SQLITE_READONLY")) {
    return new FaucetError(kind, `could not ${action}: ${path} is read-only (${message})`, {
      cause: error,
      connector,
      retryable: false,
      hint: "make the database file and its directory writable",
    });
  }
  return new FaucetError(
    kind,
    `could not ${action} (${path}): ${message}${code && !message.includes(code) ? ` (${code})` : ""}`,
    {
      cause: error,
      connector,
      retryable: false,
    },
  );
}
