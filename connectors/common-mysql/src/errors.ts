import { serverConnectError } from "faucet-common-sql";
import { type ErrorKind, FaucetError } from "faucet-core";
import { describeTarget, type ResolvedConnection } from "./config.js";

/** The fields of a mysql2 error faucet reads. */
export interface MysqlErrorFields {
  code?: string;
  errno?: number;
  sqlState?: string;
  sqlMessage?: string;
  message?: string;
  fatal?: boolean;
}

const SOCKET_CODES = new Set([
  "ECONNRESET",
  "EPIPE",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "PROTOCOL_CONNECTION_LOST",
  "PROTOCOL_SEQUENCE_TIMEOUT",
  "ER_SERVER_SHUTDOWN",
  "ER_CON_COUNT_ERROR",
]);

/** Server errors that a retry may get past: deadlocks, lock waits, a full server. */
const RETRYABLE_ERRNOS = new Set([1205, 1213, 1040, 1614, 1317]);

function fieldsOf(error: unknown): MysqlErrorFields {
  return (error && typeof error === "object" ? error : {}) as MysqlErrorFields;
}

function messageOf(error: unknown): string {
  const fields = fieldsOf(error);
  return fields.sqlMessage ?? (error instanceof Error ? error.message : String(error));
}

/**
 * Maps a failure to connect into a FaucetError naming host, port, database and user (never the
 * password): `auth` for rejected credentials, `timeout` when the server did not answer in time,
 * `connection` when it could not be reached, `config` for a database that does not exist.
 *
 * @example
 * catch (err) { throw connectError(err, target, "source-mysql"); }
 */
export function connectError(error: unknown, target: ResolvedConnection, connector: string): FaucetError {
  if (FaucetError.is(error)) return error;
  const { code, errno } = fieldsOf(error);
  return serverConnectError(error, target, describeTarget(target), connector, {
    code,
    text: messageOf(error),
    auth: code === "ER_ACCESS_DENIED_ERROR" || code === "ER_DBACCESS_DENIED_ERROR" || errno === 1045 || errno === 1044,
    missingDatabase: code === "ER_BAD_DB_ERROR" || errno === 1049,
    authHint: "check user and password (connection_url or user/password) and the user's host grants",
    server: "MySQL/MariaDB",
    retryable: code !== "ECONNREFUSED",
  });
}

/**
 * Maps a failed statement into a FaucetError of `kind` (`source` or `sink`), keeping the
 * server's message: dropped connections, deadlocks and lock-wait timeouts are retryable, data
 * errors are not.
 *
 * @example
 * catch (err) { throw queryError(err, "sink", "sink-mysql", "INSERT into `test`.`orders` failed"); }
 */
export function queryError(error: unknown, kind: ErrorKind, connector: string, what: string): FaucetError {
  if (FaucetError.is(error)) return error;
  const { code = "", errno = 0, fatal } = fieldsOf(error);
  const text = `${what}: ${messageOf(error)}`;
  const base = { cause: error, connector };
  if (SOCKET_CODES.has(code) || errno === 2006 || errno === 2013 || errno === 1927 || fatal === true) {
    return new FaucetError("connection", text, { ...base, retryable: true, hint: "the connection dropped; retry" });
  }
  if (errno === 1969 || errno === 3024 || code === "PROTOCOL_SEQUENCE_TIMEOUT") {
    return new FaucetError("timeout", text, { ...base, hint: "the statement hit the server's max_statement_time" });
  }
  const hint =
    errno === 1146
      ? "check the table name and database (and create_table for a sink)"
      : errno === 1054
        ? "check the column names"
        : errno === 1142 || errno === 1143 || errno === 1044
          ? "grant the user the privileges it needs"
          : errno === 1064
            ? "check the SQL syntax"
            : undefined;
  return new FaucetError(kind, text, { ...base, retryable: RETRYABLE_ERRNOS.has(errno), ...(hint ? { hint } : {}) });
}
