import {
  badConnectionUrl,
  connectionRequirement,
  describeServer,
  parseServerUrl,
  type ResolvedServer,
  resolveServer,
  type ServerConnectionConfig,
  type ServerUrlOptions,
  type SslMode,
  serverConnectionFields,
} from "faucet-common-sql";
import { z } from "faucet-core";

export type { SslMode } from "faucet-common-sql";
export { SSL_MODES, withBaseDir } from "faucet-common-sql";

/**
 * The connection fields every Postgres connector accepts, to spread into its own `z.strictObject`.
 * Either `connection_url` or `host` must be set; explicit fields override the URL's parts.
 *
 * @example
 * const Config = z.strictObject({ ...connectionFields, table: z.string() }).superRefine(requireConnection);
 */
export const connectionFields = {
  ...serverConnectionFields({
    url: "PostgreSQL URL, e.g. `postgres://user:password@127.0.0.1:5432/db?sslmode=require`; the fields below override its parts",
    defaultPort: 5432,
    defaultUser: "postgres",
    database: "Database name; default the user name",
  }),
  application_name: z.string().optional().describe("Shown in pg_stat_activity; default `faucet`"),
};

/** The parsed connection fields. */
export interface ConnectionConfig extends ServerConnectionConfig {
  application_name?: string | undefined;
}

/** A zod refinement: a config must say where the server is. */
export const requireConnection: (config: ConnectionConfig, ctx: z.RefinementCtx) => void = connectionRequirement(
  "postgres://user:password@host:5432/db",
);

/** Where a connector connects, with every part resolved; the password is never printed. */
export interface ResolvedConnection extends ResolvedServer {
  database: string;
  applicationName: string;
}

/** libpq's `sslmode` values, mapped to ours (`prefer` and `allow` are not offered: no silent fallback). */
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
  const server = resolveServer(config, fromUrl, { port: 5432, user: "postgres" });
  return {
    ...server,
    database: config.database ?? fromUrl.database ?? server.user,
    applicationName: config.application_name ?? fromUrl.applicationName ?? "faucet",
  };
}

/** `user@host:port/database`: how errors name a target (never with the password). */
export function describeTarget(target: ResolvedConnection): string {
  return describeServer(target, target.database);
}

function parseUrl(text: string, connector: string | undefined) {
  const options: ServerUrlOptions = {
    schemes: ["postgres", "postgresql"],
    example: "postgres://user:password@host:5432/database",
    connector,
    certificateParams: { root: ["sslrootcert"], cert: ["sslcert"], key: ["sslkey"] },
    hostInQuery: true,
  };
  const { parts, params } = parseServerUrl(text, options);
  const url: typeof parts & { applicationName?: string } = parts;
  const sslmode = params.get("sslmode") ?? (params.get("ssl") === "true" ? "require" : undefined);
  if (sslmode !== undefined) {
    const mode = URL_SSL_MODES[sslmode];
    if (!mode) {
      throw badConnectionUrl(`sslmode=${sslmode} is not one of ${Object.keys(URL_SSL_MODES).join(", ")}`, options);
    }
    url.sslMode = mode;
  }
  const app = params.get("application_name");
  if (app) url.applicationName = app;
  return url;
}
