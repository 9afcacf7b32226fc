// Scenario A10: scenario A with a chain of ten record transforms between the CSV source and the
// JSONL sink, beside the plain run, so the price of transforms on the record path is tracked.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { ensureBenchCsv } from "../harness/inputs.js";
import { defineScenario, type ScenarioContext, type Verification } from "../harness/scenario.js";
import { faucetCommand, faucetUnavailable, faucetVersion, outputPath } from "../harness/tools.js";
import { canonicalJsonLine } from "../harness/verify.js";

const input = (ctx: ScenarioContext) => ensureBenchCsv(ctx);
const faucetOutput = (ctx: ScenarioContext) => outputPath(ctx, "faucet.jsonl");
const plainOutput = (ctx: ScenarioContext) => outputPath(ctx, "plain.jsonl");
const plainConfig = (ctx: ScenarioContext) => join(ctx.outDir, "plain.yaml");

/** The ten stages, each touching every record (the filter keeps them all: every amount is ≥ 1). */
const TRANSFORMS = [
  "    - { type: keys_case, config: { mode: camel } }",
  "    - { type: rename_field, config: { fields: { firstName: name } } }",
  "    - { type: cast, config: { fields: { amount: float } } }",
  "    - { type: cast, config: { fields: { active: bool } } }",
  "    - { type: set, config: { values: { source: bench } } }",
  "    - { type: value_case, config: { fields: [country], mode: lower } }",
  "    - { type: json_parse, config: { fields: [attributes] } }",
  "    - { type: drop, config: { fields: [createdAt] } }",
  "    - { type: hash, config: { fields: [name] } }",
  "    - { type: filter, config: { path: amount, op: gt, value: 0 } }",
];

function yaml(ctx: ScenarioContext, output: string, transforms: boolean): string {
  return [
    "# Scenario A10: CSV -> ten transforms -> JSONL. Written by the benchmark harness (bench/src/scenarios/a10-csv-transforms-jsonl.ts).",
    "version: 1",
    `name: bench_a10_${transforms ? "transforms" : "plain"}`,
    "pipeline:",
    "  source:",
    "    type: csv",
    "    config:",
    `      path: ${JSON.stringify(input(ctx))}`,
    ...(transforms ? ["  transforms:", ...TRANSFORMS] : []),
    "  sink:",
    "    type: jsonl",
    "    config:",
    `      path: ${JSON.stringify(output)}`,
    "  state:",
    "    type: memory",
    "",
  ].join("\n");
}

/**
 * The ten stages written out by hand over one record with the CSV's keys (every value a
 * string): the independent reference the outputs are checked against.
 */
function referenceChain(row: Record<string, string>): Record<string, unknown> | undefined {
  const amount = Number(row.amount);
  if (!(amount > 0)) return undefined;
  return {
    id: row.id,
    name: createHash("sha256")
      .update(row.first_name ?? "", "utf8")
      .digest("hex"),
    country: row.country?.toLowerCase(),
    amount,
    active: row.active === "true",
    attributes: JSON.parse(row.attributes ?? "null"),
    source: "bench",
  };
}

/** Row count and canonical hash of records, hashed like the harness's own checks. */
class Hasher {
  readonly #hash = createHash("sha256");
  #pending = "";
  rows = 0;

  add(json: string): void {
    this.rows++;
    this.#pending += `${JSON.stringify(canonicalJsonLine(json))}\n`;
    if (this.#pending.length > 1 << 16) {
      this.#hash.update(this.#pending);
      this.#pending = "";
    }
  }

  result(): Verification {
    this.#hash.update(this.#pending);
    return { rows: this.rows, contentHash: this.#hash.digest("hex") };
  }
}

/** The fields of one CSV line (quoted fields with doubled quotes; the benchmark CSV has no line breaks in fields). */
function csvFields(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line.charCodeAt(i) === 34) {
      let text = "";
      let from = i + 1;
      for (;;) {
        const close = line.indexOf('"', from);
        if (close === -1) throw new Error(`unterminated quote in ${line}`);
        text += line.slice(from, close);
        if (line.charCodeAt(close + 1) === 34) {
          text += '"';
          from = close + 2;
        } else {
          i = close + 1;
          break;
        }
      }
      fields.push(text);
    } else {
      const comma = line.indexOf(",", i);
      fields.push(line.slice(i, comma === -1 ? line.length : comma));
      i = comma === -1 ? line.length : comma;
    }
    if (i >= line.length) return fields;
    i++; // the comma
  }
}

async function* lines(path: string): AsyncGenerator<string> {
  const reader = createInterface({ input: createReadStream(path, { highWaterMark: 1 << 20 }), crlfDelay: Infinity });
  for await (const line of reader) if (line !== "") yield line;
}

export default defineScenario({
  id: "A10",
  title: "CSV → ten transforms → JSONL",
  description:
    "Scenario A's CSV through ten record transforms in `pipeline.transforms` before the JSONL " +
    "sink (`faucet`), beside the same pipeline without them (`faucet, no transforms`, as in A). " +
    "The stages, each touching every record: `keys_case` camel, `rename_field` firstName → name, " +
    "`cast` amount → float, `cast` active → bool, `set` a constant, `value_case` lower on " +
    "country, `json_parse` attributes, `drop` createdAt, `hash` (SHA-256) name, `filter` " +
    "amount > 0 (keeps every row). The transforms' overhead is faucet's median ÷ the plain " +
    "run's − 1, that is 1 ÷ the ratio in the last column − 1 (target: under 40%). Both outputs " +
    "are checked against the ten stages written out by hand over the input (the plain output " +
    "after applying them to it).",
  defaultRows: 1_000_000,

  async setup(ctx) {
    input(ctx);
    await writeFile(plainConfig(ctx), yaml(ctx, plainOutput(ctx), false));
  },

  faucetConfig: (ctx) => yaml(ctx, faucetOutput(ctx), true),
  faucetOutput,

  references(ctx) {
    return [
      {
        name: "faucet, no transforms",
        version: async () => faucetVersion(ctx.root),
        unavailable: async () => faucetUnavailable(ctx.root),
        command: faucetCommand(ctx.root, plainConfig(ctx)),
        output: plainOutput(ctx),
      },
    ];
  },

  async expected(ctx) {
    const hasher = new Hasher();
    let header: string[] | undefined;
    for await (const line of lines(input(ctx))) {
      const fields = csvFields(line);
      if (header === undefined) {
        header = fields;
        continue;
      }
      const row: Record<string, string> = {};
      header.forEach((name, i) => {
        row[name] = fields[i] ?? "";
      });
      const out = referenceChain(row);
      if (out !== undefined) hasher.add(JSON.stringify(out));
    }
    return hasher.result();
  },

  async verify(ctx, output) {
    const hasher = new Hasher();
    const plain = output === plainOutput(ctx);
    for await (const line of lines(output)) {
      if (!plain) {
        hasher.add(line);
        continue;
      }
      const out = referenceChain(JSON.parse(line) as Record<string, string>);
      if (out !== undefined) hasher.add(JSON.stringify(out));
    }
    return hasher.result();
  },
});
