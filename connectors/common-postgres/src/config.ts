import { resolve as resolvePath } from "node:path";
import { FaucetError, secret, z } from "faucet-core";

/** `ssl_mode` values, with libpq's meanings (`prefer` and `allow` are not offered: no silent fallback). */
export const SSL_MODES = ["disable", "require", "verify-ca", "verify-full"] as const;

/** One of {@link SSL_MODES}. */
export type SslMode = (typeof SSL_MODES)[number];

/**
 * The connection fields every Postgres connector accepts, to spread into its own `z.strictObject`.
 * Either `connection_url` or `host` must be set; explicit fields override the URL's parts.
 *
 * @example
 * const Config = z.strictObject({ ...connectionFields, table: z.string() }).superRefine(requireConnection);
 */
export const connectionFields = {
  connection_url: secret(z.string().min(1))
    .optional()
    .describe(
      "PostgreSQL URL, e.g. `postgres://user:password@127.0.0.1:5432/db?sslmode=require`; the fields below override its parts",
    ),
  host: z.string().min(1).optional().describe("Server host name or IP address (instead of connection_url)"),
  port: z.number().int().min(1).max(65535).optional().describe("Server port; default 5432"),
  user: z.string().min(1).optional().describe("User name; default the URL's, else `postgres`"),
  password: secret(z.string()).optional().describe("Password; never printed"),
  database: z.string().min(1).optional().describe("Database name; default the user name"),
  ssl_mode: z.enum(SSL_MODES).optional().describe("TLS: disable (default), require, verify-ca or verify-full"),
  ssl_root_cert: z.string().min(1).optional().describe("CA certificate file (PEM) for verify-ca / verify-full"),
  ssl_cert: z.string().min(1).optional().describe("Client certificate file (PEM)"),
  ssl_key: z.string().min(1).optional().describe("Client private key file (PEM)"),
  connect_timeout_secs: z
    .number()
    .positive()
    .default(10)
    .describe("Seconds to wait for a connection before failing; default 10"),
  application_name: z.string().optional().describe("Shown in pg_stat_activity; default `faucet`"),
};

/** The parsed connection fields. */
export interface ConnectionConfig {
  connection_url?: string | undefined;
  host?: string | undefined;
  port?: number | undefined;
  user?: string | undefined;
  password?: string | undefined;
  database?: string | undefined;
  ssl_mode?: SslMode | undefined;
  ssl_root_cert?: string | undefined;
  ssl_cert?: string | undefined;
  ssl_key?: string | undefined;
  connect_timeout_secs?: number | undefined;
  application_name?: string | undefined;
}

/** A zod refinement: a config must say where the server is. */
export function requireConnection(config: ConnectionConfig, ctx: z.RefinementCtx): void {
  if (config.connection_url === undefined && config.host === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["connection_url"],
      message: "set connection_url (postgres://user:password@host:5432/db) or host",
    });
  }
}

/** Where a connector connects, with every part resolved; the password is never printed. */
export interface ResolvedConnection {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  sslMode: SslMode;
  sslRootCert: string | undefined;
  sslCert: string | undefined;
  sslKey: string | undefined;
  connectTimeoutMs: number;
  applicationName: string;
}

const URL_SSL_MODES: Record<string, SslMode> = {
  disable: "disable",
  allow: "disable",
  prefer: "disable",
  require: "require",
  "no-verify": "require",
  "verify-ca": "verify-ca",
  "verify-full": "verify-full",
};

/**
 * Resolves the connection fields (URL first, explicit fields over it) into one target. Pure: reads
 * no files and opens no socket.
 *
 * @example
 * resolveConnection({ connection_url: "postgres://app@db:5433/shop" }).port; // 5433
 */
export function resolveConnection(config: ConnectionConfig, connector?: string): ResolvedConnection {
  const fromUrl = config.connection_url ? parseUrl(config.connection_url, connector) : {};
  const user = config.user ?? fromUrl.user ?? "postgres";
  return {
    host: config.host ?? fromUrl.host ?? "127.0.0.1",
    port: config.port ?? fromUrl.port ?? 5432,
    user,
    password: config.password ?? fromUrl.password,
    database: config.database ?? fromUrl.database ?? user,
    sslMode: config.ssl_mode ?? fromUrl.sslMode ?? "disable",
    sslRootCert: config.ssl_root_cert ?? fromUrl.sslRootCert,
    sslCert: config.ssl_cert ?? fromUrl.sslCert,
    sslKey: config.ssl_key ?? fromUrl.sslKey,
    connectTimeoutMs: Math.round((config.connect_timeout_secs ?? 10) * 1000),
    applicationName: config.application_name ?? fromUrl.applicationName ?? "faucet",
  };
}

/** `user@host:port/database`: how errors name a target (never with the password). */
export function describeTarget(target: ResolvedConnection): string {
  const host = target.host.includes(":") && !target.host.startsWith("/") ? `[${target.host}]` : target.host;
  return `${target.user}@${host}:${target.port}/${target.database}`;
}

type UrlParts = Partial<Omit<ResolvedConnection, "connectTimeoutMs">>;

function parseUrl(text: string, connector: string | undefined): UrlParts {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw badUrl("it is not a valid URL", connector);
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw badUrl(`its scheme is ${url.protocol.replace(/:$/, "")}, not postgres`, connector);
  }
  const parts: UrlParts = {};
  const params = url.searchParams;
  const host = params.get("host") ?? (url.hostname ? decodeURIComponent(url.hostname).replace(/^\[|\]$/g, "") : "");
  if (host) parts.host = host;
  const port = params.get("port") ?? url.port;
  if (port) {
    const n = Number(port);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw badUrl(`port ${port} is not a port number`, connector);
    parts.port = n;
  }
  if (url.username) parts.user = decodeURIComponent(url.username);
  if (url.password) parts.password = decodeURIComponent(url.password);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
  if (database) parts.database = database;
  const sslmode = params.get("sslmode") ?? (params.get("ssl") === "true" ? "require" : undefined);
  if (sslmode !== undefined && sslmode !== null) {
    const mode = URL_SSL_MODES[sslmode];
    if (!mode) throw badUrl(`sslmode=${sslmode} is not one of ${Object.keys(URL_SSL_MODES).join(", ")}`, connector);
    parts.sslMode = mode;
  }
  const rootCert = params.get("sslrootcert");
  if (rootCert) parts.sslRootCert = rootCert;
  const cert = params.get("sslcert");
  if (cert) parts.sslCert = cert;
  const key = params.get("sslkey");
  if (key) parts.sslKey = key;
  const app = params.get("application_name");
  if (app) parts.applicationName = app;
  return parts;
}

function badUrl(why: string, connector: string | undefined): FaucetError {
  return new FaucetError("config", `connection_url is not usable: ${why}`, {
    ...(connector ? { connector } : {}),
    hint: "write it as postgres://user:password@host:5432/database (percent-encode special characters)",
  });
}

/**
 * A copy of `config` whose certificate paths are resolved against `baseDir` (the config file's
 * directory), for `definition.create`.
 *
 * @example
 * withBaseDir({ ssl_root_cert: "ca.pem" }, "/etc/faucet").ssl_root_cert; // "/etc/faucet/ca.pem"
 */
export function withBaseDir<T extends ConnectionConfig>(config: T, baseDir: string): T {
  const out = { ...config };
  for (const key of ["ssl_root_cert", "ssl_cert", "ssl_key"] as const) {
    const path = out[key];
    if (path !== undefined) out[key] = resolvePath(baseDir, path);
  }
  return out;
}
