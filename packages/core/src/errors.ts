import { redactSecrets } from "./redact.js";

/**
 * The closed set of error kinds. A kind is set where the error is caught, never guessed later
 * from message text. `docs/errors.md` documents each one and a test keeps the two in step.
 */
export const ERROR_KINDS = [
  "config",
  "connection",
  "timeout",
  "http",
  "http_status",
  "auth",
  "rate_limited",
  "json",
  "transform",
  "source",
  "sink",
  "state",
  "quality",
  "schema_drift",
  "contract",
  "circuit_open",
  "cancelled",
  "custom",
] as const;

/** One of {@link ERROR_KINDS}. */
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** Kinds that are worth retrying unless the thrower says otherwise. */
const RETRYABLE_BY_DEFAULT: ReadonlySet<ErrorKind> = new Set(["connection", "timeout", "rate_limited"]);

/** Everything optional a {@link FaucetError} can carry besides its kind and message. */
export interface FaucetErrorOptions {
  /** The original error, kept whole so its chain is never lost. */
  cause?: unknown;
  /** Whether retrying the same operation may succeed. Defaults by kind. */
  retryable?: boolean;
  /** The connector that failed, e.g. `source-postgres`; printed as a message prefix. */
  connector?: string;
  /** How to fix it, in one sentence. */
  hint?: string;
  /** HTTP status, for `http_status`, `auth` and `rate_limited`. */
  status?: number;
  /** How long the server asked us to wait before retrying, in milliseconds. */
  retryAfterMs?: number;
  /**
   * How many attempts the thrower already made (a connector that retries its own requests sets
   * it), so the pipeline does not multiply retries.
   */
  attempts?: number;
}

/**
 * The one error class of faucet. Its `kind` is closed, `retryable` drives the retry policy and
 * `cause` keeps the original error. Messages read
 * `[faucet] [source-postgres] could not connect to 127.0.0.1:5432: … (hint: …)`, and registered
 * secrets are redacted from them.
 *
 * @example
 * throw new FaucetError("config", "`path` must not be empty", {
 *   connector: "source-csv",
 *   hint: "set pipeline.source.config.path to a file or a glob",
 * });
 */
export class FaucetError extends Error {
  override readonly name = "FaucetError";
  readonly kind: ErrorKind;
  readonly retryable: boolean;
  readonly connector: string | undefined;
  readonly hint: string | undefined;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  /** Attempts already made by the thrower (see {@link FaucetErrorOptions.attempts}). */
  readonly attempts: number | undefined;
  /** The message without the `[faucet] [connector]` prefix and hint. */
  readonly detail: string;

  constructor(kind: ErrorKind, message: string, options: FaucetErrorOptions = {}) {
    const detail = redactSecrets(message);
    const hint = options.hint === undefined ? undefined : redactSecrets(options.hint);
    const prefix = options.connector ? `[faucet] [${options.connector}] ` : "[faucet] ";
    super(`${prefix}${detail}${hint ? ` (hint: ${hint})` : ""}`, { cause: options.cause });
    this.kind = kind;
    this.detail = detail;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT.has(kind);
    this.connector = options.connector;
    this.hint = hint;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.attempts = options.attempts;
  }

  /**
   * Wraps any third-party error as kind `custom`, keeping it as `cause`. A FaucetError is
   * returned unchanged.
   *
   * @example
   * try { await vendor.call(); } catch (err) { throw FaucetError.custom(err); }
   */
  static custom(error: unknown, options: Omit<FaucetErrorOptions, "cause"> = {}): FaucetError {
    return FaucetError.wrap(error, "custom", options);
  }

  /**
   * Returns `error` if it is already a FaucetError, otherwise wraps it with `kind`. This is how
   * core turns an unexpected connector failure into `source`/`sink` errors.
   *
   * @example
   * catch (err) { throw FaucetError.wrap(err, "sink", { connector: "sink-csv" }); }
   */
  static wrap(
    error: unknown,
    kind: ErrorKind,
    options: Omit<FaucetErrorOptions, "cause"> & { message?: string } = {},
  ): FaucetError {
    if (error instanceof FaucetError) return error;
    const text = options.message ? `${options.message}: ${describe(error)}` : describe(error);
    const retryable =
      options.retryable ??
      (typeof (error as { retryable?: unknown })?.retryable === "boolean"
        ? (error as { retryable: boolean }).retryable
        : undefined);
    return new FaucetError(kind, text, {
      ...options,
      cause: error,
      ...(retryable === undefined ? {} : { retryable }),
    });
  }

  /** True when `error` is a FaucetError of `kind` (or of any kind when omitted). */
  static is(error: unknown, kind?: ErrorKind): error is FaucetError {
    return error instanceof FaucetError && (kind === undefined || error.kind === kind);
  }

  /** A plain JSON description: what the CLI prints with `--output json` and the DLQ stores. */
  toJSON(): { kind: ErrorKind; message: string; retryable: boolean; connector?: string; hint?: string } {
    return {
      kind: this.kind,
      message: this.message,
      retryable: this.retryable,
      ...(this.connector ? { connector: this.connector } : {}),
      ...(this.hint ? { hint: this.hint } : {}),
    };
  }
}

/** A one-line description of anything thrown. */
export function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const text = error.message || error.name;
    return typeof code === "string" && !text.includes(code) ? `${text} (${code})` : text;
  }
  if (typeof error === "string") return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

/** The error a run reports when its AbortSignal fires mid-operation. */
export function cancelledError(what = "the run was cancelled"): FaucetError {
  return new FaucetError("cancelled", what, { retryable: false });
}
