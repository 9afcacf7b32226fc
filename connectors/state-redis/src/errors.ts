import { describe, type ErrorKind, FaucetError } from "faucet-core";
import type { RedisTarget } from "./target.js";

/** The connector name in every message. */
export const CONNECTOR = "state-redis";

const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EPIPE"]);

const HINTS: Partial<Record<ErrorKind, string>> = {
  connection: "check that Redis runs at that address and that `url` names the right host and port",
  timeout: "check that Redis is reachable, or raise connect_timeout_secs / command_timeout_secs",
  auth: "check the user name and password (in `url` or `password`) and the user's ACL",
};

/** A Redis or socket failure as a FaucetError; the kind comes from the error's code or reply prefix. */
export function redisError(error: unknown, what: string, target: RedisTarget, hint?: string): FaucetError {
  if (FaucetError.is(error)) return error;
  const text = describe(error);
  const code = (error as { code?: unknown })?.code;
  const name = (error as { name?: unknown })?.name;
  let kind: ErrorKind = "state";
  if (/^(WRONGPASS|NOAUTH|NOPERM)\b|invalid (username-)?password/i.test(text)) kind = "auth";
  else if (code === "ETIMEDOUT" || /command timed out/i.test(text)) kind = "timeout";
  else if (/DB index is out of range/i.test(text)) {
    kind = "config";
    hint = "the server has fewer databases (redis.conf `databases`, default 16): use a lower /db in `url`";
  } else if (typeof code === "string" && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|^ERR_TLS|^ERR_SSL/.test(code)) {
    kind = "connection";
    hint =
      "the server's TLS certificate is not trusted or does not match the host: set tls_ca_file to the CA that signed it";
  } else if (/unknown RESP type|protocol error/i.test(text)) {
    kind = "connection";
    hint = "the server at that address does not speak the Redis protocol: check the host and port in `url`";
  } else if (
    (typeof code === "string" && NETWORK_CODES.has(code)) ||
    name === "MaxRetriesPerRequestError" ||
    /connection is closed|stream isn't writeable/i.test(text)
  )
    kind = "connection";
  const where =
    what === "connecting" ? `could not connect to Redis at ${target.label}` : `${what} at ${target.label} failed`;
  return new FaucetError(kind, `${where}: ${text.replace(/ Please report this\.$/, "")}`, {
    cause: error,
    connector: CONNECTOR,
    hint: hint ?? HINTS[kind] ?? "see the Redis error above",
  });
}

export function leaseLost(key: string): FaucetError {
  return new FaucetError("state", `the lease on state key "${key}" was lost, so its bookmark was not saved`, {
    connector: CONNECTOR,
    retryable: false,
    hint: "another run took the key after this one stalled past the lease ttl; rerun once it finishes",
  });
}

export function notDurable(key: string, status: string): FaucetError {
  return new FaucetError("state", `the state for ${key} was written but not made durable in time (${status})`, {
    connector: CONNECTOR,
    retryable: true,
    hint: "check the replicas and appendonly/appendfsync, or raise wait_timeout_secs",
  });
}

export function closedError(): FaucetError {
  return new FaucetError("state", "the Redis state store is closed", {
    connector: CONNECTOR,
    hint: "create a new store; close() is the last call",
  });
}
