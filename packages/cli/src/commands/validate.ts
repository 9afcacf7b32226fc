/** `faucet validate`: resolves everything, builds the connectors (no I/O) and prints the result. */
import { FaucetError, redactConfig, schemaFor } from "faucet-core";
import type { Invocation } from "../bin.js";
import { buildPipeline } from "../build.js";
import type { ResolvedConnector, ResolvedPipeline } from "../config/resolve.js";
import { checkPositionals, loggerFor, openConfig, outputFormat } from "../context.js";
import { EXIT, out } from "../output.js";

/** The config as written, with the schema's top-level defaults added and secrets redacted. */
function redacted(connector: ResolvedConnector): { type: string; config: unknown } {
  const schema = schemaFor(connector.definition.config);
  const properties = (schema.properties ?? {}) as Record<string, { default?: unknown }>;
  const config: Record<string, unknown> = { ...connector.input };
  for (const [key, property] of Object.entries(properties)) {
    if (!(key in config) && property.default !== undefined) config[key] = property.default;
  }
  return { type: connector.type, config: redactConfig(schema, config) };
}

/** The resolved document with defaults applied and secrets redacted. */
export function resolvedView(resolved: ResolvedPipeline): Record<string, unknown> {
  const doc = resolved.loaded.document;
  return {
    version: 1,
    name: resolved.name,
    pipeline: {
      source: redacted(resolved.source),
      transforms: resolved.transforms.map(redacted),
      sink: redacted(resolved.sink),
      state: redacted(resolved.state),
      ...(resolved.dlq
        ? {
            dlq: {
              sink: redacted(resolved.dlq.sink),
              on_batch_error: resolved.dlq.onBatchError,
              ...(resolved.dlq.maxFailuresPerPage !== undefined
                ? { max_failures_per_page: resolved.dlq.maxFailuresPerPage }
                : {}),
              ...(resolved.dlq.maxFailuresTotal !== undefined
                ? { max_failures_total: resolved.dlq.maxFailuresTotal }
                : {}),
            },
          }
        : {}),
      ...(resolved.schemaDrift ? { schema: { on_drift: resolved.schemaDrift } } : {}),
    },
    delivery: resolved.delivery,
    ...(doc.execution ? { execution: doc.execution } : {}),
    ...(doc.resilience ? { resilience: doc.resilience } : {}),
    ...(doc.observability ? { observability: doc.observability } : {}),
    ...(doc.plugins.length ? { plugins: doc.plugins } : {}),
  };
}

export default async function validate(invocation: Invocation): Promise<number> {
  checkPositionals(invocation, 1, "faucet validate [config]");
  const format = outputFormat(invocation);
  const resolved = await openConfig(invocation);
  const built = await buildPipeline(resolved, { logger: loggerFor(invocation) });
  let report: ReturnType<typeof built.pipeline.delivery>;
  try {
    report = built.pipeline.delivery();
  } finally {
    await built.close();
  }
  if (resolved.delivery === "exactly_once" && report.problems.length > 0) {
    throw new FaucetError(
      "config",
      `${resolved.loaded.file}: delivery: exactly_once is not possible for this pipeline:\n  ${report.problems.join("\n  ")}`,
      { hint: "fix the conditions above or use delivery: at_least_once" },
    );
  }
  const view = resolvedView(resolved);
  const guarantee = `${report.guarantee}${report.mechanism ? ` (${report.mechanism})` : ""}`;
  if (format === "json") {
    out(
      `${JSON.stringify({ status: "valid", file: resolved.loaded.file, delivery_guarantee: guarantee, pipeline: view }, null, 2)}\n`,
    );
    return EXIT.ok;
  }
  const { stringify } = await import("yaml");
  out(`${resolved.loaded.file}: valid\n`);
  out(`delivery guarantee: ${guarantee}\n`);
  out(`# resolved config (defaults applied, secrets redacted)\n${stringify(view, { lineWidth: 0 })}`);
  return EXIT.ok;
}
