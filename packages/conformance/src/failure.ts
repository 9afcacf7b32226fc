/**
 * Thrown by every conformance check. The message names the check, the connector and what was
 * wrong, e.g. `[conformance] assertBoundedMemory (source-csv): a page held 250 records, more
 * than batchSize 100`.
 *
 * @example
 * try {
 *   await assertBoundedMemory(source, { batchSize: 100, total: 1000 });
 * } catch (error) {
 *   if (error instanceof ConformanceError) console.error(error.check, error.detail);
 * }
 */
export class ConformanceError extends Error {
  override readonly name = "ConformanceError";
  /** The check that failed, e.g. `assertBoundedMemory`. */
  readonly check: string;
  /** The connector's name, or a placeholder when it has none. */
  readonly connector: string;
  /** What was wrong, without the prefix. */
  readonly detail: string;

  constructor(check: string, connector: string, detail: string, options?: { cause?: unknown }) {
    super(`[conformance] ${check} (${connector}): ${detail}`, options);
    this.check = check;
    this.connector = connector;
    this.detail = detail;
  }
}

/** The failure reporter of one check run against one connector. */
export interface Reporter {
  readonly check: string;
  readonly connector: string;
  /** Throws a {@link ConformanceError}. */
  fail(detail: string, cause?: unknown): never;
  /** Throws a {@link ConformanceError} unless `condition` holds. */
  ensure(condition: unknown, detail: string | (() => string)): asserts condition;
  /** Awaits `step`; a rejection becomes a {@link ConformanceError} that says what was being done. */
  step<T>(what: string, step: () => T | Promise<T>): Promise<T>;
}

/** A reporter for `check` against the connector called `connector`. */
export function reporter(check: string, connector: string): Reporter {
  const fail = (detail: string, cause?: unknown): never => {
    throw new ConformanceError(check, connector, detail, cause === undefined ? undefined : { cause });
  };
  return {
    check,
    connector,
    fail,
    ensure(condition: unknown, detail: string | (() => string)): asserts condition {
      if (!condition) fail(typeof detail === "string" ? detail : detail());
    },
    async step<T>(what: string, step: () => T | Promise<T>): Promise<T> {
      try {
        return await step();
      } catch (error) {
        if (error instanceof ConformanceError) throw error;
        return fail(`${what} failed: ${describeError(error)}`, error);
      }
    },
  };
}

/** One line describing anything thrown. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return typeof error === "string" ? error : safeJson(error);
}

/** JSON for messages; never throws. */
export function safeJson(value: unknown, max = 200): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
