// Transform micro-benchmark: 1M records shaped like the benchmark CSV's rows (every value a
// string, as the CSV source yields them), generated fresh page by page, through a ten-stage
// chain and through each stage alone. Prints rows/s and the cost on top of generating the
// records. Run after building core: `node packages/core/bench/transforms.mjs [rows]`.
import { applyTransforms, createTransforms } from "faucet-core";

const TOTAL = Number(process.argv[2] ?? process.env.FAUCET_BENCH_TRANSFORM_ROWS ?? 1_000_000);
const PAGE = 1000;
const RUNS = Number(process.env.FAUCET_BENCH_RUNS ?? 5);

const NAMES = [
  "Ada",
  "Bo",
  "Chen",
  "Dinesh",
  "Eve",
  "Farah",
  "Gus",
  "Hana",
  "Ivan",
  "Juno",
  "Kato",
  "Lena",
  "Mira",
  "Nils",
  "Omar",
  "Priya",
];
const COUNTRIES = ["US", "GB", "DE", "IN", "JP", "BR", "NG", "CA", "AU", "FR"];
const TIERS = ["free", "pro", "enterprise"];
const TAGS = ["alpha", "beta", "gamma", "delta", "epsilon"];

// The raw rows are made once; each page then splits them into fresh strings and builds new
// objects, as a CSV parser does, so the generation cost stays small and steady.
const LINES = new Array(TOTAL);
{
  let seed = 42;
  const next = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed >>> 8;
  };
  for (let i = 0; i < TOTAL; i++) {
    const id = i + 1;
    LINES[i] = [
      String(id),
      NAMES[next() % 16],
      COUNTRIES[next() % 10],
      String(((next() % 999900) + 100) / 100),
      new Date((1577836800 + id * 45) * 1000).toISOString().replace(".000Z", "Z"),
      next() % 2 === 0 ? "true" : "false",
      `{"tier":"${TIERS[next() % 3]}","score":${(next() % 100000) / 1000},"tags":["${TAGS[next() % 5]}","${TAGS[next() % 5]}"]}`,
    ].join("\t");
  }
}

/** One page of records, like the CSV source yields: new objects, fresh string values. */
function page(start, size) {
  const records = new Array(size);
  for (let i = 0; i < size; i++) {
    const v = LINES[start + i].split("\t");
    records[i] = {
      id: v[0],
      first_name: v[1],
      country: v[2],
      amount: v[3],
      created_at: v[4],
      active: v[5],
      attributes: v[6],
    };
  }
  return records;
}

/** The ten-stage chain: a typical cleanup of this CSV. */
const CHAIN = [
  { type: "rename_field", config: { fields: { first_name: "name" } } },
  { type: "cast", config: { fields: { id: "int", amount: "float", active: "bool" } } },
  { type: "value_case", config: { fields: ["country"], mode: "lower" } },
  { type: "filter", config: { path: "amount", op: "gte", value: 2 } },
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a faucet run-time reference, not a template
  { type: "set", config: { values: { source: "bench", loaded_at: "${now.iso}" } } },
  { type: "coalesce", config: { field: "region", default: "unknown" } },
  { type: "redact", config: { fields: ["name"] } },
  { type: "cast", config: { fields: { created_at: "timestamp" } } },
  { type: "keys_case", config: { mode: "camel" } },
  { type: "drop", config: { fields: ["source"] } },
];

/** Stages measured alone, beyond those in the chain. */
const EXTRA = [
  { type: "select", config: { fields: ["id", "amount", "country"] } },
  { type: "flatten", config: {} },
  { type: "rename_keys", config: { pattern: "_at$", replacement: "_time" } },
  { type: "spell_symbols", config: {} },
  { type: "json_parse", config: { fields: ["attributes"] } },
  { type: "hash", config: { fields: ["first_name"], into: "name_hash" } },
  { type: "hash", config: { fields: ["id"], into: "id_hash" } },
  { type: "split", config: { field: "created_at", delimiter: "T" } },
  {
    type: "filter",
    config: {
      any: [
        { path: "country", op: "in", value: ["US", "GB"] },
        { path: "created_at", op: "gt", value: "2020-01-05T00:00:00Z" },
      ],
    },
  },
  { type: "filter", config: { path: "first_name", op: "regex", value: "^[A-D]" } },
];

const HEAVY = [
  { type: "json_parse", config: { fields: ["attributes"] } },
  { type: "flatten", config: {} },
  ...CHAIN.slice(0, 8),
];

async function run(stages, serialize) {
  const startedAt = new Date();
  let rows = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let start = 0; start < TOTAL; start += PAGE) {
    let records = page(start, Math.min(PAGE, TOTAL - start));
    if (stages)
      records = (await applyTransforms(records, stages, { runStartedAt: startedAt, pageIndex: start / PAGE })).records;
    rows += records.length;
    if (serialize) {
      let text = "";
      for (let i = 0; i < records.length; i++) text += `${JSON.stringify(records[i])}\n`;
      if (text.length === 0 && records.length > 0) throw new Error("unreachable");
    }
  }
  const used = process.cpuUsage(cpu);
  return { seconds: (performance.now() - started) / 1000, cpu: used.user / 1e6, rows };
}

/**
 * The fastest of RUNS runs of each variant, run in turn (a, b, a, b, …) so load from other
 * processes on this shared 2-core machine hits every variant alike.
 */
async function fastest(variants) {
  for (const v of variants) await run(v.stages, v.serialize); // warm-up
  const best = variants.map(() => ({ seconds: Number.POSITIVE_INFINITY, cpu: Number.POSITIVE_INFINITY, rows: 0 }));
  for (let r = 0; r < RUNS; r++) {
    for (let i = 0; i < variants.length; i++) {
      const result = await run(variants[i].stages, variants[i].serialize);
      const b = best[i];
      b.seconds = Math.min(b.seconds, result.seconds);
      b.cpu = Math.min(b.cpu, result.cpu);
      b.rows = result.rows;
    }
  }
  return best;
}

const fmt = (n) => Math.round(n).toLocaleString("en-US");
const line = (label, result, base) => {
  const extra =
    base === undefined
      ? ""
      : `  +${(result.seconds - base.seconds).toFixed(3)} s wall, +${(result.cpu - base.cpu).toFixed(3)} s cpu (${fmt(((result.cpu - base.cpu) / TOTAL) * 1e9)} ns/row)`;
  console.log(
    `${label.padEnd(46)} ${result.seconds.toFixed(3)} s ${fmt(TOTAL / result.seconds).padStart(10)} rows/s${extra}`,
  );
};

console.log(
  `transforms bench: ${fmt(TOTAL)} rows, pages of ${PAGE}, best of ${RUNS} interleaved runs (Node ${process.version})`,
);
const [base, chain, heavy, jsonl, chainJsonl] = await fastest([
  { stages: undefined },
  { stages: createTransforms(CHAIN) },
  { stages: createTransforms(HEAVY) },
  { stages: undefined, serialize: true },
  { stages: createTransforms(CHAIN), serialize: true },
]);
line("build records (baseline)", base);
line("build + 10-transform chain", chain, base);
line("build + json_parse, flatten, 8 of the chain", heavy, base);
line("build + JSON.stringify (JSONL proxy)", jsonl);
line("build + chain + JSON.stringify", chainJsonl, jsonl);
console.log(
  `chain cost: ${fmt(((chain.cpu - base.cpu) / TOTAL) * 1e9)} ns/row cpu, ${(chain.cpu - base.cpu).toFixed(3)} s per ${fmt(TOTAL)} rows; ` +
    `on top of the JSONL proxy: +${(((chainJsonl.cpu - jsonl.cpu) / jsonl.cpu) * 100).toFixed(1)}% cpu`,
);
if (process.env.FAUCET_BENCH_EACH !== "0") {
  console.log("each stage alone (cost over the baseline):");
  const specs = [...CHAIN, ...EXTRA];
  const results = await fastest([
    { stages: undefined },
    ...specs.map((spec) => ({ stages: createTransforms([spec]) })),
  ]);
  const [alone, ...each] = results;
  for (let i = 0; i < specs.length; i++) {
    line(`  ${specs[i].type} ${JSON.stringify(specs[i].config).slice(0, 32)}`, each[i], alone);
  }
}
