import { serverConnectError } from "faucet-common-sql";
import { type ErrorKind, FaucetError } from "faucet-core";
import { describeTarget, type ResolvedConnection } from "./config.js";

/** The fields of a server error (pg's DatabaseError) faucet reads. */
export interface PgErrorFields {
  code?: string;
  message?: string;
  detail?: string;
  hint?: string;
  where?: string;
  column?: string;
  table?: string;
  constraint?: string;
}

const SOCKET_CODES = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH"]);

function fieldsOf(error: unknown): PgErrorFields & { errno?: unknown } {
  return (error && typeof error === "object" ? error : {}) as PgErrorFields;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Maps a failure to connect into a FaucetError naming the host, port, database and user (never
 * the password): `auth` for rejected credentials, `timeout` when the server did not answer in
 * time, `connection` when it could not be reached, `config` for a database that does not exist.
 *
 * @example
 * catch (err) { throw connectError(err, target, "source-postgres"); }
 */
export function connectError(error: unknown, target: ResolvedConnection, connector: string): FaucetError {
  if (FaucetError.is(error)) return error;
  const { code } = fieldsOf(error);
  return serverConnectError(error, target, describeTarget(target), connector, {
    code,
    text: messageOf(error),
    auth: code === "28P01" || code === "28000",
    missingDatabase: code === "3D000",
    authHint: "check user and password (connection_url or user/password) and the server's pg_hba.conf",
    server: "PostgreSQL",
  });
}

/**
 * Maps a failed statement into a FaucetError of `kind` (`source`, `sink` or `state`), keeping the
 * server's message, detail and hint; connection drops, serialization failures and deadlocks are
 * retryable, data errors are not.
 *
 * @example
 * catch (err) { throw queryError(err, "sink", "sink-postgres", "COPY into public.orders failed"); }
 */
export function queryError(error: unknown, kind: ErrorKind, connector: string, what: string): FaucetError {
  if (FaucetError.is(error)) return error;
  const fields = fieldsOf(error);
  const code = fields.code ?? "";
  let text = `${what}: ${messageOf(error)}`;
  if (fields.detail) text += ` (${fields.detail})`;
  const base = { cause: error, connector };
  if (code.startsWith("08") || code === "57P01" || code === "57P02" || code === "57P03" || SOCKET_CODES.has(code)) {
    return new FaucetError("connection", text, { ...base, retryable: true, hint: "the connection dropped; retry" });
  }
  if (!code && /Connection terminated|not queryable|ECONNRESET/i.test(messageOf(error))) {
    return new FaucetError("connection", text, { ...base, retryable: true, hint: "the connection dropped; retry" });
  }
  if (code === "57014") {
    return new FaucetError("timeout", text, { ...base, hint: "the statement was cancelled or hit statement_timeout" });
  }
  const retryable = code === "40001" || code === "40P01" || code.startsWith("53") || code === "55P03";
  const hint =
    fields.hint ??
    (code === "42P01"
      ? "check the table name and schema (and create_table for a sink)"
      : code === "42703"
        ? "check the column names"
        : code === "42501"
          ? "grant the user the privileges it needs"
          : undefined);
  return new FaucetError(kind, text, { ...base, retryable, ...(hint ? { hint } : {}) });
}

/**
 * Codes of a `CREATE … IF NOT EXISTS` that lost a race with another session creating the same
 * object: `IF NOT EXISTS` checks before it creates, so the loser fails on the catalog instead —
 * duplicate table (42P07), schema (42P06), the table's row type (42710, from TypeCreate) or a
 * catalog unique index (23505).
 */
const CREATE_RACE_CODES = new Set(["42P07", "42P06", "42710", "23505"]);

/**
 * True when `error` (a server error, or a FaucetError wrapping one) is a `CREATE … IF NOT EXISTS`
 * that another session won: the object exists, which is what was asked.
 *
 * @example
 * try { await client.query("CREATE TABLE IF NOT EXISTS t (id int)"); } catch (e) { if (!isCreateRace(e)) throw e; }
 */
export function isCreateRace(error: unknown): boolean {
  const direct = fieldsOf(error).code;
  const code = direct ?? (FaucetError.is(error) ? fieldsOf(error.cause).code : undefined);
  return code !== undefined && CREATE_RACE_CODES.has(code);
}
