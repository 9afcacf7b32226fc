import { resolve as resolvePath } from "node:path";
import { parseOffset } from "faucet-common-sql";
import { FaucetError, secret, z } from "faucet-core";

/** `ssl_mode` values (no `preferred`: no silent fallback to plain text). */
export const SSL_MODES = ["disable", "require", "verify-ca", "verify-full"] as const;

/** One of {@link SSL_MODES}. */
export type SslMode = (typeof SSL_MODES)[number];

/**
 * The connection fields every MySQL/MariaDB connector accepts, to spread into its own
 * `z.strictObject`. Either `connection_url` or `host` must be set; explicit fields override the
 * URL's parts.
 *
 * @example
 * const Config = z.strictObject({ ...connectionFields, table: z.string() }).superRefine(requireConnection);
 */
export const connectionFields = {
  connection_url: secret(z.string().min(1))
    .optional()
    .describe(
      "MySQL URL, e.g. `mysql://user:password@127.0.0.1:3306/db` (`mariadb://` too); the fields below override its parts",
    ),
  host: z.string().min(1).optional().describe("Server host name or IP address (instead of connection_url)"),
  port: z.number().int().min(1).max(65535).optional().describe("Server port; default 3306"),
  user: z.string().min(1).optional().describe("User name; default the URL's, else `root`"),
  password: secret(z.string()).optional().describe("Password; never printed"),
  database: z.string().min(1).optional().describe("Default database (schema); unqualified table names live here"),
  ssl_mode: z.enum(SSL_MODES).optional().describe("TLS: disable (default), require, verify-ca or verify-full"),
  ssl_root_cert: z.string().min(1).optional().describe("CA certificate file (PEM) for verify-ca / verify-full"),
  ssl_cert: z.string().min(1).optional().describe("Client certificate file (PEM)"),
  ssl_key: z.string().min(1).optional().describe("Client private key file (PEM)"),
  connect_timeout_secs: z
    .number()
    .positive()
    .default(10)
    .describe("Seconds to wait for a connection before failing; default 10"),
  timezone: z
    .string()
    .refine((t) => parseOffset(t) !== undefined, { message: "write Z, UTC or an offset such as +05:30" })
    .default("Z")
    .describe(
      "The session time zone as a UTC offset (Z, UTC, +05:30). TIMESTAMP columns convert through it exactly; DATETIME columns (no zone of their own) are read as wall-clock time in it and written in it. Default Z: DATETIME is treated as UTC",
    ),
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
  timezone?: string | undefined;
}

/** A zod refinement: a config must say where the server is. */
export function requireConnection(config: ConnectionConfig, ctx: z.RefinementCtx): void {
  if (config.connection_url === undefined && config.host === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["connection_url"],
      message: "set connection_url (mysql://user:password@host:3306/db) or host",
    });
  }
}

/** Where a connector connects, with every part resolved; the password is never printed. */
export interface ResolvedConnection {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string | undefined;
  sslMode: SslMode;
  sslRootCert: string | undefined;
  sslCert: string | undefined;
  sslKey: string | undefined;
  connectTimeoutMs: number;
  /** The session time zone, minutes east of UTC. */
  offsetMinutes: number;
}

const URL_SSL_MODES: Record<string, SslMode> = {
  disabled: "disable",
  disable: "disable",
  preferred: "disable",
  required: "require",
  require: "require",
  verify_ca: "verify-ca",
  "verify-ca": "verify-ca",
  verify_identity: "verify-full",
  "verify-full": "verify-full",
};

type UrlParts = Partial<Omit<ResolvedConnection, "connectTimeoutMs" | "offsetMinutes">>;

/**
 * Resolves the connection fields (URL first, explicit fields over it) into one target. Pure:
 * reads no files and opens no socket.
 *
 * @example
 * resolveConnection({ connection_url: "mysql://app@db:3307/shop" }).port; // 3307
 */
export function resolveConnection(config: ConnectionConfig, connector?: string): ResolvedConnection {
  const fromUrl = config.connection_url ? parseUrl(config.connection_url, connector) : {};
  return {
    host: config.host ?? fromUrl.host ?? "127.0.0.1",
    port: config.port ?? fromUrl.port ?? 3306,
    user: config.user ?? fromUrl.user ?? "root",
    password: config.password ?? fromUrl.password,
    database: config.database ?? fromUrl.database,
    sslMode: config.ssl_mode ?? fromUrl.sslMode ?? "disable",
    sslRootCert: config.ssl_root_cert ?? fromUrl.sslRootCert,
    sslCert: config.ssl_cert ?? fromUrl.sslCert,
    sslKey: config.ssl_key ?? fromUrl.sslKey,
    connectTimeoutMs: Math.round((config.connect_timeout_secs ?? 10) * 1000),
    offsetMinutes: parseOffset(config.timezone ?? "Z") ?? 0,
  };
}

/** `user@host:port/database`: how errors name a target (never with the password). */
export function describeTarget(target: ResolvedConnection): string {
  const host = target.host.includes(":") ? `[${target.host}]` : target.host;
  return `${target.user}@${host}:${target.port}/${target.database ?? ""}`;
}

function parseUrl(text: string, connector: string | undefined): UrlParts {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw badUrl("it is not a valid URL", connector);
  }
  if (url.protocol !== "mysql:" && url.protocol !== "mariadb:") {
    throw badUrl(`its scheme is ${url.protocol.replace(/:$/, "")}, not mysql`, connector);
  }
  const parts: UrlParts = {};
  const params = url.searchParams;
  if (url.hostname) parts.host = decodeURIComponent(url.hostname).replace(/^\[|\]$/g, "");
  if (url.port) parts.port = Number(url.port);
  if (url.username) parts.user = decodeURIComponent(url.username);
  if (url.password) parts.password = decodeURIComponent(url.password);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
  if (database) parts.database = database;
  const sslmode = params.get("ssl-mode") ?? params.get("sslmode") ?? params.get("ssl_mode");
  if (sslmode !== null) {
    const mode = URL_SSL_MODES[sslmode.toLowerCase()];
    if (!mode)
      throw badUrl(`ssl-mode=${sslmode} is not one of DISABLED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY`, connector);
    parts.sslMode = mode;
  }
  const ca = params.get("ssl-ca") ?? params.get("sslrootcert");
  if (ca) parts.sslRootCert = ca;
  const cert = params.get("ssl-cert") ?? params.get("sslcert");
  if (cert) parts.sslCert = cert;
  const key = params.get("ssl-key") ?? params.get("sslkey");
  if (key) parts.sslKey = key;
  return parts;
}

function badUrl(why: string, connector: string | undefined): FaucetError {
  return new FaucetError("config", `connection_url is not usable: ${why}`, {
    ...(connector ? { connector } : {}),
    hint: "write it as mysql://user:password@host:3306/database (percent-encode special characters)",
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
