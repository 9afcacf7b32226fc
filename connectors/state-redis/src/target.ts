import { FaucetError } from "faucet-core";
import type { RedisStateConfig } from "./config.js";

/** Where the store connects, parsed from the URL and the fields beside it; no I/O. */
export interface RedisTarget {
  host: string;
  port: number;
  username: string | undefined;
  password: string | undefined;
  db: number;
  tls: boolean;
  /** `host:port/db`, for messages: never the credentials. */
  label: string;
}

/**
 * Parses `redis://[user:password@]host:port[/db]` (or `rediss://`), with `password` overriding
 * the URL's. A URL that does not parse is a `config` error that never repeats the URL (it may
 * hold a password).
 *
 * @example
 * resolveTarget({ url: "redis://:pw@127.0.0.1:6380/2", … }); // { host: "127.0.0.1", port: 6380, db: 2, … }
 */
export function resolveTarget(config: Pick<RedisStateConfig, "url" | "password">, connector: string): RedisTarget {
  let url: URL;
  try {
    url = new URL(config.url);
  } catch {
    throw invalidUrl("it is not a valid URL", connector);
  }
  const tls = url.protocol.toLowerCase() === "rediss:";
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (host === "") throw invalidUrl("it has no host", connector);
  const port = url.port === "" ? 6379 : Number(url.port);
  const path = url.pathname.replace(/^\/+/, "");
  const db = path === "" ? 0 : Number(path);
  if (!Number.isInteger(db) || db < 0) throw invalidUrl("the path must be a database number, e.g. /0", connector);
  const username = url.username === "" ? undefined : decodeURIComponent(url.username);
  const urlPassword = url.password === "" ? undefined : decodeURIComponent(url.password);
  return {
    host,
    port,
    username,
    password: config.password ?? urlPassword,
    db,
    tls,
    label: `${host.includes(":") ? `[${host}]` : host}:${port}/${db}`,
  };
}

function invalidUrl(why: string, connector: string): FaucetError {
  return new FaucetError("config", `invalid config: \`url\`: ${why}`, {
    connector,
    hint: "write it as redis://[user:password@]host:port[/db], or rediss:// for TLS",
  });
}
