/** The outcome of one pre-flight probe. */
export type ProbeStatus = "pass" | "fail" | "skip";

/** One named pre-flight probe, e.g. "connect", "table exists", "can write". */
export interface CheckProbe {
  name: string;
  status: ProbeStatus;
  /** Why it failed or was skipped. */
  reason?: string;
  /** How to fix a failure. */
  hint?: string;
  elapsedMs: number;
}

/**
 * What `check()` resolves to. A failed probe is data, not a thrown error, so `faucet doctor`
 * can report every probe at once.
 */
export interface CheckReport {
  probes: CheckProbe[];
}

/**
 * Runs `fn` as a probe: resolves to `pass`, or to `fail` with the error's message as reason.
 * `fn` may return `{ skip: reason }` to skip.
 *
 * @example
 * const report = { probes: [await probe("connect", () => pool.query("select 1"))] };
 */
export async function probe(name: string, fn: () => Promise<unknown> | unknown, hint?: string): Promise<CheckProbe> {
  const started = performance.now();
  const elapsed = () => Math.round((performance.now() - started) * 100) / 100;
  try {
    const result = await fn();
    if (result && typeof result === "object" && "skip" in result) {
      return { name, status: "skip", reason: String((result as { skip: unknown }).skip), elapsedMs: elapsed() };
    }
    return { name, status: "pass", elapsedMs: elapsed() };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { name, status: "fail", reason, ...(hint ? { hint } : {}), elapsedMs: elapsed() };
  }
}

/** True when no probe in the report failed. */
export function reportPassed(report: CheckReport): boolean {
  return report.probes.every((p) => p.status !== "fail");
}
