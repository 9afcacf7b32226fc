// The whole-document JSON Schema that editors use: every example config and every YAML pipeline
// in the docs validates against it (Ajv, draft 2020-12), and it rejects what the CLI rejects.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import { describe, expect, test } from "vitest";
import { parse } from "yaml";
import { ROOT } from "./helpers.js";

const schema = JSON.parse(readFileSync(join(ROOT, "packages/cli/schema/faucet.schema.json"), "utf8"));
// `secret` and `writeOnly` annotations mark redacted fields; editors ignore unknown keywords.
const ajv = new Ajv2020({ strict: false, allErrors: true });
const validate = ajv.compile(schema);

function errorsOf(doc: unknown): string[] {
  return validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "dist" || name.startsWith(".")) continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...walk(full));
    else out.push(full);
  }
  return out;
}

function readDoc(file: string): unknown {
  const text = readFileSync(file, "utf8");
  return file.endsWith(".json") ? JSON.parse(text) : parse(text);
}

/** Pipeline documents: YAML and JSON files with a top-level `pipeline` (not test specs, manifests). */
const exampleConfigs = walk(join(ROOT, "examples")).filter((f) => {
  if (!/\.(ya?ml|json)$/.test(f) || /(package|tsconfig[\w.-]*)\.json$/.test(f)) return false;
  const doc = readDoc(f);
  return Boolean(
    doc && typeof doc === "object" && "pipeline" in doc && typeof (doc as { pipeline: unknown }).pipeline === "object",
  );
});

function docBlocks(file: string): string[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  return [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string).filter((b) => /^pipeline:/m.test(b));
}

describe("the whole-document schema", () => {
  test.each(exampleConfigs.map((f) => [relative(ROOT, f), f]))("%s validates", (_name, file) => {
    expect(errorsOf(readDoc(file as string))).toEqual([]);
  });

  test.each(["docs/cli.md", "docs/config.md"])("the YAML pipelines in %s validate", (file) => {
    const blocks = docBlocks(file);
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) expect(errorsOf(parse(block)), block).toEqual([]);
  });

  test("rejects unknown keys, unknown types, bad connector configs and unsupported Rust keys", () => {
    const good = {
      version: 1,
      pipeline: {
        source: { type: "csv", config: { path: "a.csv" } },
        sink: { type: "parquet", config: { path: "b.parquet" } },
      },
    };
    expect(errorsOf(good)).toEqual([]);
    expect(errorsOf({ ...good, nmae: "x" })).not.toEqual([]);
    expect(errorsOf({ ...good, matrix: [{ id: "a" }] })).not.toEqual([]);
    expect(errorsOf({ ...good, matrix: [] })).toEqual([]);
    const badType = structuredClone(good);
    badType.pipeline.source.type = "cvs";
    expect(errorsOf(badType)).not.toEqual([]);
    const badKey = structuredClone(good) as { pipeline: { source: { config: Record<string, unknown> } } };
    badKey.pipeline.source.config = { pathh: "a.csv" };
    expect(errorsOf(badKey).join("\n")).toContain("/pipeline/source/config");
  });
});
