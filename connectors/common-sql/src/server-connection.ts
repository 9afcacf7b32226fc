import { readFileSync } from "node:fs";
import { resolve as resolvePath } from "node:path";
import { FaucetError, secret, z } from "faucet-core";

/** `ssl_mode` values (no `prefer`/`preferred`/`allow`: no silent fallback to plain text). */
export const SSL_MODES = ["disable", "require", "verify-ca", "verify-full"] as const;

/** One of {@link SSL_MODES}. */
export type SslMode = (typeof SSL_MODES)[number];

/** What a database server's connection fields say that is its own. */
export interface ServerConnectionTexts {
  /** The description of `connection_url`. */
  url: string;
  /** The server's default port. */
  defaultPort: number;
  /** The user when neither the URL nor `user` names one. */
  defaultUser: string;
  /** The description of `database`. */
  database: string;
}

/**
 * The connection fields a database server connector (MySQL, Postgres) accepts, to spread into
 * its own field list: `connection_url`, or host/port/user/password/database, TLS and the connect
 * timeout. Either `connection_url` or `host` must be set; explicit fields override the URL's parts.
 *
 * @example
 * const connectionFields = {
 *   ...serverConnectionFields({ url: "MySQL URL", defaultPort: 3306, defaultUser: "root", database: "Default database" }),
 *   timezone: z.string().default("Z"),
 * };
 */
export function serverConnectionFields(texts: ServerConnectionTexts) {
  return {
    connection_url: secret(z.string().min(1)).optional().describe(texts.url),
    host: z.string().min(1).optional().describe("Server host name or IP address (instead of connection_url)"),
    port: z.number().int().min(1).max(65535).optional().describe(`Server port; default ${texts.defaultPort}`),
    user: z.string().min(1).optional().describe(`User name; default the URL's, else \`${texts.defaultUser}\``),
    password: secret(z.string()).optional().describe("Password; never printed"),
    database: z.string().min(1).optional().describe(texts.database),
    ssl_mode: z.enum(SSL_MODES).optional().describe("TLS: disable (default), require, verify-ca or verify-full"),
    ssl_root_cert: z.string().min(1).optional().describe("CA certificate file (PEM) for verify-ca / verify-full"),
    ssl_cert: z.string().min(1).optional().describe("Client certificate file (PEM)"),
    ssl_key: z.string().min(1).optional().describe("Client private key file (PEM)"),
    connect_timeout_secs: z
      .number()
      .positive()
      .default(10)
      .describe("Seconds to wait for a connection before failing; default 10"),
  };
}

/** The parsed fields of {@link serverConnectionFields}. */
export interface ServerConnectionConfig {
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
}

/**
 * A zod refinement: a config must say where the server is. `example` is the URL form the message
 * suggests.
 *
 * @example
 * const requireConnection = connectionRequirement("mysql://user:password@host:3306/db");
 */
export function connectionRequirement(example: string) {
  return (config: ServerConnectionConfig, ctx: z.RefinementCtx): void => {
    if (config.connection_url === undefined && config.host === undefined) {
      ctx.addIssue({ code: "custom", path: ["connection_url"], message: `set connection_url (${example}) or host` });
    }
  };
}

/** Where a connector connects, with the parts every server shares resolved; no password is printed. */
export interface ResolvedServer {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  sslMode: SslMode;
  sslRootCert: string | undefined;
  sslCert: string | undefined;
  sslKey: string | undefined;
  connectTimeoutMs: number;
}

/** What a connection URL says, before explicit fields override it. */
export type ServerUrlParts = Partial<Omit<ResolvedServer, "connectTimeoutMs">> & { database?: string };

/**
 * The shared parts of a target: explicit fields over the URL's parts over the defaults. Pure.
 *
 * @example
 * resolveServer({ port: 3307 }, { host: "db" }, { port: 3306, user: "root" }); // { host: "db", port: 3307, user: "root", … }
 */
export function resolveServer(
  config: ServerConnectionConfig,
  fromUrl: ServerUrlParts,
  defaults: { port: number; user: string },
): ResolvedServer {
  return {
    host: config.host ?? fromUrl.host ?? "127.0.0.1",
    port: config.port ?? fromUrl.port ?? defaults.port,
    user: config.user ?? fromUrl.user ?? defaults.user,
    password: config.password ?? fromUrl.password,
    sslMode: config.ssl_mode ?? fromUrl.sslMode ?? "disable",
    sslRootCert: config.ssl_root_cert ?? fromUrl.sslRootCert,
    sslCert: config.ssl_cert ?? fromUrl.sslCert,
    sslKey: config.ssl_key ?? fromUrl.sslKey,
    connectTimeoutMs: Math.round((config.connect_timeout_secs ?? 10) * 1000),
  };
}

/**
 * `user@host:port/database`: how errors name a target (never with the password); an IPv6 host
 * is bracketed, a Unix socket directory is not.
 *
 * @example
 * describeServer({ user: "app", host: "::1", port: 5432 }, "shop"); // "app@[::1]:5432/shop"
 */
export function describeServer(target: Pick<ResolvedServer, "user" | "host" | "port">, database: string): string {
  const host = target.host.includes(":") && !target.host.startsWith("/") ? `[${target.host}]` : target.host;
  return `${target.user}@${host}:${target.port}/${database}`;
}

/** How {@link parseServerUrl} reads a dialect's URLs. */
export interface ServerUrlOptions {
  /** The schemes accepted, without the colon; the first names the dialect in errors. */
  schemes: readonly string[];
  /** The URL form a bad URL's hint suggests, e.g. `mysql://user:password@host:3306/database`. */
  example: string;
  /** Names the connector in errors. */
  connector: string | undefined;
  /** Query parameters naming the certificate files, in order of precedence. */
  certificateParams: { root: readonly string[]; cert: readonly string[]; key: readonly string[] };
  /** libpq style: `?host=` and `?port=` override the URL's authority. */
  hostInQuery?: boolean;
}

/**
 * The parts of a connection URL every server shares (host, port, user, password, database and the
 * certificate files), and its query parameters for the dialect's own. Pure; a URL that is not
 * usable is a `config` FaucetError that never prints it.
 *
 * @example
 * parseServerUrl("mysql://app@db:3307/shop", options).parts; // { host: "db", port: 3307, user: "app", database: "shop" }
 */
export function parseServerUrl(
  text: string,
  options: ServerUrlOptions,
): { parts: ServerUrlParts; params: URLSearchParams } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw badConnectionUrl("it is not a valid URL", options);
  }
  const scheme = url.protocol.replace(/:$/, "");
  if (!options.schemes.includes(scheme)) {
    throw badConnectionUrl(`its scheme is ${scheme}, not ${options.schemes[0]}`, options);
  }
  const parts: ServerUrlParts = {};
  const params = url.searchParams;
  const fromQuery = (name: string) => (options.hostInQuery ? params.get(name) : null);
  const host = fromQuery("host") ?? (url.hostname ? decodeURIComponent(url.hostname).replace(/^\[|\]$/g, "") : "");
  if (host) parts.host = host;
  const port = fromQuery("port") ?? url.port;
  if (port) {
    const n = Number(port);
    if (!Number.isInteger(n) || n < 1 || n > 65535)
      throw badConnectionUrl(`port ${port} is not a port number`, options);
    parts.port = n;
  }
  if (url.username) parts.user = decodeURIComponent(url.username);
  if (url.password) parts.password = decodeURIComponent(url.password);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
  if (database) parts.database = database;
  const first = (names: readonly string[]) => names.reduce<string | null>((found, n) => found ?? params.get(n), null);
  const root = first(options.certificateParams.root);
  if (root) parts.sslRootCert = root;
  const cert = first(options.certificateParams.cert);
  if (cert) parts.sslCert = cert;
  const key = first(options.certificateParams.key);
  if (key) parts.sslKey = key;
  return { parts, params };
}

/**
 * The `config` error of a connection URL that is not usable, saying why (never printing the URL).
 *
 * @example
 * throw badConnectionUrl("sslmode=x is not one of …", { example: "postgres://user:password@host:5432/database", connector: "sink-postgres" });
 */
export function badConnectionUrl(why: string, options: Pick<ServerUrlOptions, "example" | "connector">): FaucetError {
  return new FaucetError("config", `connection_url is not usable: ${why}`, {
    ...(options.connector ? { connector: options.connector } : {}),
    hint: `write it as ${options.example} (percent-encode special characters)`,
  });
}

/** The certificate fields {@link withBaseDir} resolves. */
export interface CertificatePaths {
  ssl_root_cert?: string | undefined;
  ssl_cert?: string | undefined;
  ssl_key?: string | undefined;
}

/**
 * A copy of `config` whose certificate paths are resolved against `baseDir` (the config file's
 * directory), for `definition.create`.
 *
 * @example
 * withBaseDir({ ssl_root_cert: "ca.pem" }, "/etc/faucet").ssl_root_cert; // "/etc/faucet/ca.pem"
 */
export function withBaseDir<T extends CertificatePaths>(config: T, baseDir: string): T {
  const out = { ...config };
  for (const key of ["ssl_root_cert", "ssl_cert", "ssl_key"] as const) {
    const path = out[key];
    if (path !== undefined) out[key] = resolvePath(baseDir, path);
  }
  return out;
}

/**
 * The PEM files a target names, read for the driver's TLS options; a file that cannot be read is a
 * `config` FaucetError.
 *
 * @example
 * const tls = { rejectUnauthorized: true, ...readTlsFiles(target, "sink-mysql") };
 */
export function readTlsFiles(
  target: Pick<ResolvedServer, "sslRootCert" | "sslCert" | "sslKey">,
  connector: string,
): { ca?: string; cert?: string; key?: string } {
  const read = (path: string, what: string): string => {
    try {
      return readFileSync(path, "utf8");
    } catch (error) {
      throw new FaucetError("config", `could not read ${what} ${path}: ${(error as Error).message}`, {
        cause: error,
        connector,
        hint: `check ${what}'s path (relative paths resolve against the config file's directory)`,
      });
    }
  };
  const files: { ca?: string; cert?: string; key?: string } = {};
  if (target.sslRootCert) files.ca = read(target.sslRootCert, "ssl_root_cert");
  if (target.sslCert) files.cert = read(target.sslCert, "ssl_cert");
  if (target.sslKey) files.key = read(target.sslKey, "ssl_key");
  return files;
}
