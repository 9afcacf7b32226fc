import { FaucetError } from "faucet-core";
import type { ResolvedServer } from "./server-connection.js";

/** What a dialect knows about a failure to connect, for {@link serverConnectError}. */
export interface ConnectFailure {
  /** The driver's or server's error code (`ETIMEDOUT`, `ER_BAD_DB_ERROR`, `3D000`, …). */
  code: string | undefined;
  /** The server's or driver's message. */
  text: string;
  /** The server rejected the credentials. */
  auth: boolean;
  /** The database does not exist. */
  missingDatabase: boolean;
  /** What to check when the credentials were rejected. */
  authHint: string;
  /** The server's name in the hint of an unreachable server, e.g. `PostgreSQL`. */
  server: string;
  /** Whether an otherwise unexplained failure may be retried; default: as a `connection` error. */
  retryable?: boolean;
}

/**
 * Maps a failure to connect into a FaucetError naming the host, port, database and user (never
 * the password): `auth` for rejected credentials, `timeout` when the server did not answer in
 * time, `connection` when it could not be reached, `config` for a database that does not exist.
 *
 * @example
 * catch (err) { throw serverConnectError(err, target, describeTarget(target), "source-mysql", failure); }
 */
export function serverConnectError(
  error: unknown,
  target: Pick<ResolvedServer, "user" | "host" | "connectTimeoutMs"> & { database: string | undefined },
  where: string,
  connector: string,
  failure: ConnectFailure,
): FaucetError {
  if (FaucetError.is(error)) return error;
  const { code, text } = failure;
  const base = { cause: error, connector };
  if (failure.auth) {
    return new FaucetError("auth", `authentication failed for user "${target.user}" at ${where}: ${text}`, {
      ...base,
      retryable: false,
      hint: failure.authHint,
    });
  }
  if (failure.missingDatabase) {
    return new FaucetError("config", `database "${target.database}" does not exist at ${where}`, {
      ...base,
      hint: "check `database` (or the path of connection_url), or create the database",
    });
  }
  if (code === "ETIMEDOUT" || /timeout|timed out/i.test(text)) {
    return new FaucetError(
      "timeout",
      `could not connect to ${where}: no answer within ${target.connectTimeoutMs / 1000}s`,
      { ...base, hint: "check host and port, firewalls, and that the server is up; raise connect_timeout_secs" },
    );
  }
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return new FaucetError("connection", `could not connect to ${where}: host "${target.host}" not found`, {
      ...base,
      retryable: code === "EAI_AGAIN",
      hint: "check the host name in connection_url or host",
    });
  }
  return new FaucetError("connection", `could not connect to ${where}: ${text}`, {
    ...base,
    ...(failure.retryable === undefined ? {} : { retryable: failure.retryable }),
    hint: `check that ${failure.server} is running and accepts TCP connections there (\`npm run services\` starts it locally)`,
  });
}
