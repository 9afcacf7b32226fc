/** `faucet test`: a transform test spec run by faucet-core's engine, with pipelines read here. */
import { dirname, resolve } from "node:path";
import {
  FaucetError,
  formatTransformTestReport,
  type PipelineFixture,
  runTransformSpec,
  type TransformDefinition,
} from "faucet-core";
import type { Invocation } from "../bin.js";
import { loadDocument, readRaw } from "../config/load.js";
import { outputFormat } from "../context.js";
import { EXIT, out } from "../output.js";
import { Registry } from "../registry/registry.js";

/** The transforms and dead-letter settings of a pipeline file, for a spec's `pipeline:`. */
async function pipelineFixture(path: string, baseDir: string): Promise<PipelineFixture> {
  const { document } = await loadDocument(resolve(baseDir, path));
  const dlq = document.pipeline.dlq;
  return {
    transforms: document.pipeline.transforms.map((t) => ({ type: t.type, config: t.config ?? {} })),
    ...(dlq
      ? {
          dlq: {
            on_batch_error: dlq.on_batch_error,
            ...(dlq.max_failures_per_page != null ? { max_failures_per_page: dlq.max_failures_per_page } : {}),
            ...(dlq.max_failures_total != null ? { max_failures_total: dlq.max_failures_total } : {}),
          },
        }
      : {}),
  } as PipelineFixture;
}

export default async function test(invocation: Invocation): Promise<number> {
  const [spec, extra] = invocation.positionals;
  if (!spec || extra !== undefined) {
    throw new FaucetError("config", "test needs one spec file", { hint: "usage: faucet test orders.spec.yaml" });
  }
  const format = outputFormat(invocation);
  const file = resolve(process.cwd(), spec);
  const baseDir = dirname(file);
  const raw = await readRaw(file).catch((error: unknown) => {
    if (FaucetError.is(error)) throw error;
    throw new FaucetError("config", `cannot read ${spec}`, { cause: error, hint: "check the path" });
  });
  // Third-party transforms installed next to the spec join the built-in ones.
  const registry = await Registry.open({ searchFrom: [baseDir, process.cwd()] });
  const definitions: TransformDefinition[] = [];
  for (const entry of registry.entries("transform").filter((e) => e.origin === "plugin")) {
    definitions.push((await registry.definition("transform", entry.type, "transforms")) as TransformDefinition);
  }
  const report = await runTransformSpec(raw, { baseDir, file: spec, definitions, loadPipeline: pipelineFixture });
  out(format === "json" ? `${JSON.stringify(report, null, 2)}\n` : formatTransformTestReport(report));
  return report.passed ? EXIT.ok : EXIT.failed;
}
