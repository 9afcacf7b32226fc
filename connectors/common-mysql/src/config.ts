import {
  badConnectionUrl,
  connectionRequirement,
  describeServer,
  parseOffset,
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
 * The connection fields every MySQL/MariaDB connector accepts, to spread into its own
 * `z.strictObject`. Either `connection_url` or `host` must be set; explicit fields override the
 * URL's parts.
 *
 * @example
 * const Config = z.strictObject({ ...connectionFields, table: z.string() }).superRefine(requireConnection);
 */
export const connectionFields = {
  ...serverConnectionFields({
    url: "MySQL URL, e.g. `mysql://user:password@127.0.0.1:3306/db` (`mariadb://` too); the fields below override its parts",
    defaultPort: 3306,
    defaultUser: "root",
    database: "Default database (schema); unqualified table names live here",
  }),
  timezone: z
    .string()
    .refine((t) => parseOffset(t) !== undefined, { message: "write Z, UTC or an offset such as +05:30" })
    .default("Z")
    .describe(
      "The session time zone as a UTC offset (Z, UTC, +05:30). TIMESTAMP columns convert through it exactly; DATETIME columns (no zone of their own) are read as wall-clock time in it and written in it. Default Z: DATETIME is treated as UTC",
    ),
};

/** The parsed connection fields. */
export interface ConnectionConfig extends ServerConnectionConfig {
  timezone?: string | undefined;
}

/** A zod refinement: a config must say where the server is. */
export const requireConnection: (config: ConnectionConfig, ctx: z.RefinementCtx) => void = connectionRequirement(
  "mysql://user:password@host:3306/db",
);

/** Where a connector connects, with every part resolved; the password is never printed. */
export interface ResolvedConnection extends ResolvedServer {
  database: string | undefined;
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
    ...resolveServer(config, fromUrl, { port: 3306, user: "root" }),
    database: config.database ?? fromUrl.database,
    offsetMinutes: parseOffset(config.timezone ?? "Z") ?? 0,
  };
}

/** `user@host:port/database`: how errors name a target (never with the password). */
export function describeTarget(target: ResolvedConnection): string {
  return describeServer(target, target.database ?? "");
}

function parseUrl(text: string, connector: string | undefined) {
  const options: ServerUrlOptions = {
    schemes: ["mysql", "mariadb"],
    example: "mysql://user:password@host:3306/database",
    connector,
    certificateParams: { root: ["ssl-ca", "sslrootcert"], cert: ["ssl-cert", "sslcert"], key: ["ssl-key", "sslkey"] },
  };
  const { parts, params } = parseServerUrl(text, options);
  const sslmode = params.get("ssl-mode") ?? params.get("sslmode") ?? params.get("ssl_mode");
  if (sslmode !== null) {
    const mode = URL_SSL_MODES[sslmode.toLowerCase()];
    if (!mode) {
      throw badConnectionUrl(
        `ssl-mode=${sslmode} is not one of DISABLED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY`,
        options,
      );
    }
    parts.sslMode = mode;
  }
  return parts;
}
