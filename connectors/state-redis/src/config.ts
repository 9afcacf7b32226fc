import { secret, z } from "faucet-core";

/** Namespace characters: the Rust faucet-stream's set, so both tools share keys (`:` would blur the prefix). */
const NAMESPACE = /^[A-Za-z0-9_.-]+$/;

/**
 * The config of the Redis state store (YAML `state: { type: redis, config: { url, namespace } }`).
 * `url` and `namespace` are the Rust faucet-stream's keys and key layout (`{namespace}:{key}`),
 * so both tools read and write the same bookmarks.
 */
export const RedisStateConfig = z.strictObject({
  url: secret(
    z.string().refine((url) => /^rediss?:\/\/./i.test(url), {
      message: "must start with redis:// (or rediss:// for TLS), e.g. redis://127.0.0.1:6379/0",
    }),
  ).describe(
    "Redis URL: `redis://host:6379/0`, with `user:password@` before the host when needed; `rediss://` for TLS",
  ),
  namespace: z
    .string()
    .regex(NAMESPACE, "use only letters, digits, `_`, `-` and `.` (no `:`)")
    .default("faucet")
    .describe("Prefix of every key (`{namespace}:{state_key}`); isolates pipelines sharing a server; default faucet"),
  password: secret(z.string())
    .optional()
    .describe("Password, instead of putting it in the URL (e.g. from an environment variable); never printed"),
  connect_timeout_secs: z
    .number()
    .positive()
    .default(10)
    .describe("Seconds to wait for a connection before failing; default 10"),
  command_timeout_secs: z
    .number()
    .positive()
    .default(30)
    .describe("Seconds to wait for one reply before failing; default 30"),
  tls_ca_file: z
    .string()
    .min(1)
    .optional()
    .describe(
      "CA certificate (PEM) that signed a rediss:// server's certificate (relative to the config file); default the system's CAs",
    ),
  wait_replicas: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe("After each put, WAIT until this many replicas acknowledged it (fails the put otherwise); default 0"),
  wait_aof: z
    .boolean()
    .default(false)
    .describe(
      "After each put, WAITAOF until the server fsynced it to its append-only file (Redis 7.2+); default false",
    ),
  wait_timeout_secs: z
    .number()
    .positive()
    .default(5)
    .describe("Longest a put waits for wait_replicas / wait_aof; default 5"),
});

/** The parsed config of the Redis state store. */
export type RedisStateConfig = z.output<typeof RedisStateConfig>;

/** What a TypeScript caller may pass (defaults filled in when parsed). */
export type RedisStateConfigInput = z.input<typeof RedisStateConfig>;
