/** `faucet doctor`: every connector's non-mutating pre-flight probes, pass / fail / skip. */
import type { CheckProbe, CheckReport, FetchContext } from "faucet-core";
import type { Invocation } from "../bin.js";
import { buildPipeline } from "../build.js";
import { checkPositionals, loggerFor, openConfig, outputFormat } from "../context.js";
import { EXIT, out } from "../output.js";

interface Target {
  role: string;
  type: string;
  check?: ((ctx: FetchContext) => Promise<CheckReport>) | undefined;
}

const MARK = { pass: "✓ pass", fail: "✗ fail", skip: "- skip" } as const;

async function probesOf(target: Target, ctx: FetchContext): Promise<CheckProbe[]> {
  if (!target.check) {
    return [{ name: "checks", status: "skip", reason: "the connector has no pre-flight checks", elapsedMs: 0 }];
  }
  const started = performance.now();
  try {
    return (await target.check(ctx)).probes;
  } catch (error) {
    return [
      {
        name: "check",
        status: "fail",
        reason: (error as Error)?.message ?? String(error),
        elapsedMs: Math.round(performance.now() - started),
      },
    ];
  }
}

export default async function doctor(invocation: Invocation): Promise<number> {
  checkPositionals(invocation, 1, "faucet doctor [config]");
  const format = outputFormat(invocation);
  const logger = loggerFor(invocation);
  const resolved = await openConfig(invocation);
  const built = await buildPipeline(resolved, { logger });
  const targets: Target[] = [
    { role: "source", type: resolved.source.type, check: built.source.check?.bind(built.source) },
    { role: "sink", type: resolved.sink.type, check: built.sink.check?.bind(built.sink) },
  ];
  if (resolved.dlq && built.deadLetterSink) {
    const dlq = built.deadLetterSink;
    targets.push({ role: "dlq sink", type: resolved.dlq.sink.type, check: dlq.check?.bind(dlq) });
  }
  const ctx: FetchContext = { logger };
  const results: { role: string; type: string; probes: CheckProbe[] }[] = [];
  try {
    for (const target of targets)
      results.push({ role: target.role, type: target.type, probes: await probesOf(target, ctx) });
  } finally {
    await built.close();
  }
  const failures = results.flatMap((r) => r.probes).filter((p) => p.status === "fail").length;
  if (format === "json") {
    out(`${JSON.stringify({ status: failures ? "failed" : "ok", failures, connectors: results }, null, 2)}\n`);
  } else {
    for (const r of results) {
      out(`${r.role} ${r.type}\n`);
      for (const p of r.probes) {
        const why = p.reason ? `: ${p.reason}` : "";
        const hint = p.status === "fail" && p.hint ? ` (hint: ${p.hint})` : "";
        out(`  ${MARK[p.status]}  ${p.name}${why}${hint} (${p.elapsedMs} ms)\n`);
      }
    }
    out(failures === 0 ? "all checks passed\n" : `${failures} check${failures === 1 ? "" : "s"} failed\n`);
  }
  return failures === 0 ? EXIT.ok : EXIT.failed;
}
