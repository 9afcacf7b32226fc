// Scenario B: the 1M-row benchmark table in PostgreSQL → JSON Lines, beside
// `psql -c "\copy (select row_to_json(t) from bench t) to 'out.jsonl'"` (the server formats the
// JSON, psql only copies bytes: the limit). Scenario C (c-postgres-to-postgres.ts) shares the
// table and the psql helpers exported here.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { ensureBenchCsv } from "../harness/inputs.js";
import { type Command, defineScenario, type ScenarioContext, type Verification } from "../harness/scenario.js";
import { outputPath, versionOf } from "../harness/tools.js";

/** Where the scenarios connect; override with FAUCET_BENCH_POSTGRES_URL. */
export const POSTGRES_URL = process.env.FAUCET_BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/**
 * The table the benchmark CSV is loaded into, with the issue's column types. Its comment records
 * which CSV it holds, so `ensureBenchTable` reloads it only for another size (two harness runs of
 * different sizes at once would reload each other's table).
 */
export const BENCH_TABLE = "bench";

/** The benchmark table of a run (one table, whatever the size; see {@link BENCH_TABLE}). */
export function benchTable(_ctx: ScenarioContext): string {
  return BENCH_TABLE;
}
const BENCH_COLUMNS =
  "id bigint, first_name text, country text, amount double precision, created_at timestamptz, active boolean, attributes jsonb";

/** `psql <url> -v ON_ERROR_STOP=1 -X -q -c <sql>` as a Command (or run now with {@link psql}). */
export function psqlCommand(sql: string): Command {
  return { argv: ["psql", POSTGRES_URL, "-v", "ON_ERROR_STOP=1", "-X", "-q", "-c", sql] };
}

/** Runs one psql command and returns its stdout; throws with psql's message when it fails. */
export function psql(sql: string, flags: readonly string[] = []): string {
  const [program, ...args] = psqlCommand(sql).argv as [string, ...string[]];
  const result = spawnSync(program, [...flags, ...args], { encoding: "utf8", maxBuffer: 1 << 26 });
  if (result.error) throw new Error(`psql cannot run (${result.error.message}); install postgresql-client`);
  if (result.status !== 0) throw new Error(`psql failed: ${result.stderr.trim()}`);
  return result.stdout;
}

/** Why psql or the server cannot be used, or undefined when both answer. */
export function postgresUnavailable(): string | undefined {
  if (versionOf("psql", ["--version"]) === undefined) return "not installed: psql (apt-get install postgresql-client)";
  try {
    psql("SELECT 1");
    return undefined;
  } catch (error) {
    return `PostgreSQL does not answer at ${POSTGRES_URL.replace(/:[^:@/]*@/, ":***@")} (npm run services): ${(error as Error).message}`;
  }
}

/**
 * Loads the benchmark CSV for `ctx.rows` into `bench`, unless the table's comment says it holds
 * exactly that load already.
 */
export function ensureBenchTable(ctx: ScenarioContext): void {
  const why = postgresUnavailable();
  if (why) throw new Error(why);
  const csv = ensureBenchCsv(ctx);
  const marker = `faucet-bench ${csv.split("/").pop()}`;
  const current = psql(`SELECT obj_description(to_regclass('${BENCH_TABLE}'), 'pg_class')`, ["-A", "-t"]).trim();
  if (current === marker) return;
  const started = performance.now();
  psql(`DROP TABLE IF EXISTS ${BENCH_TABLE}`);
  psql(`CREATE TABLE ${BENCH_TABLE} (${BENCH_COLUMNS})`);
  psql(`\\copy ${BENCH_TABLE} FROM '${csv}' WITH (FORMAT csv, HEADER true)`);
  psql(`VACUUM ANALYZE ${BENCH_TABLE}`);
  psql(`COMMENT ON TABLE ${BENCH_TABLE} IS '${marker}'`);
  console.log(`  loaded ${csv} into ${BENCH_TABLE} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

/** The psql reference tool's version line. */
export async function psqlVersion(): Promise<string | undefined> {
  const client = versionOf("psql", ["--version"]);
  let server: string | undefined;
  try {
    server = psql("SHOW server_version", ["-A", "-t"]).trim();
  } catch {
    server = undefined;
  }
  return client && server ? `${client}, server ${server}` : client;
}

/**
 * One record as the check compares it: `id` as an integer, `amount` as the shortest double,
 * `created_at` as an ISO instant in UTC, `active` as a boolean, `attributes` as compact JSON with
 * sorted keys — so faucet's `2020-01-01T00:01:22Z`, psql's `2020-01-01T00:01:22+00:00` and the
 * CSV's text agree, while a changed value does not.
 */
export function canonical(row: Record<string, unknown>): string {
  const attributes = typeof row.attributes === "string" ? JSON.parse(row.attributes) : row.attributes;
  return JSON.stringify([
    String(BigInt(row.id as string | number)),
    row.first_name,
    row.country,
    String(Number(row.amount)),
    new Date(row.created_at as string).toISOString(),
    String(row.active === true || row.active === "true"),
    sortedJson(attributes),
  ]);
}

function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${sortedJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * Row count and an order-independent hash (the sum of each canonical row's SHA-256, mod 2^128):
 * a table without ORDER BY comes out in whatever order the server scans it.
 */
export async function hashLines(path: string, toRow: (line: string) => Record<string, unknown> | undefined) {
  let sum = 0n;
  let rows = 0;
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY })) {
    const row = toRow(line);
    if (!row) continue;
    rows++;
    sum += BigInt(`0x${createHash("sha256").update(canonical(row)).digest("hex").slice(0, 32)}`);
  }
  return { rows, contentHash: (sum % (1n << 128n)).toString(16).padStart(32, "0") };
}

/** The canonical content of the benchmark CSV (the dataset has no commas or quotes but in `attributes`). */
export async function expectedFromBenchCsv(ctx: ScenarioContext): Promise<Verification> {
  let header = true;
  return await hashLines(ensureBenchCsv(ctx), (line) => {
    if (header || line === "") {
      header = false;
      return undefined;
    }
    const parts = line.split(",", 6);
    const rest = line.slice(parts.join(",").length + 1);
    const attributes = rest.startsWith('"') ? rest.slice(1, -1).replaceAll('""', '"') : rest;
    const [id, first_name, country, amount, created_at, active] = parts;
    return { id, first_name, country, amount, created_at, active, attributes } as Record<string, unknown>;
  });
}

const faucetOutput = (ctx: ScenarioContext) => outputPath(ctx, "faucet.jsonl");

export default defineScenario({
  id: "B",
  title: "Postgres → JSONL",
  description:
    "The benchmark CSV loaded into PostgreSQL as `bench(id bigint, first_name text, country text, " +
    "amount double precision, created_at timestamptz, active boolean, attributes jsonb)`, read by " +
    "the `postgres` source (COPY … TO STDOUT, decoded into typed records: timestamptz as RFC 3339 " +
    "UTC, jsonb as JSON) and written by the `jsonl` sink with `faucet run`. Beside it the limit: " +
    "`psql \\copy (select row_to_json(t) from bench t) to 'out.jsonl'`, where the server formats " +
    "the JSON and psql copies bytes. Outputs are compared per value (timestamps as instants, " +
    "jsonb with sorted keys), since the two print timestamps differently.",
  defaultRows: 1_000_000,

  async setup(ctx) {
    ensureBenchTable(ctx);
  },

  faucetConfig: (ctx) =>
    [
      "# Scenario B: Postgres -> JSONL. Written by the benchmark harness (bench/src/scenarios/b-postgres-to-jsonl.ts).",
      "version: 1",
      "name: bench_b_postgres_to_jsonl",
      "pipeline:",
      "  source:",
      "    type: postgres",
      "    config:",
      `      connection_url: ${JSON.stringify(POSTGRES_URL)}`,
      `      table: ${benchTable(ctx)}`,
      "  sink:",
      "    type: jsonl",
      "    config:",
      `      path: ${JSON.stringify(faucetOutput(ctx))}`,
      "  state:",
      "    type: memory",
      "",
    ].join("\n"),

  faucetOutput,

  references(ctx) {
    const output = outputPath(ctx, "psql.jsonl");
    return [
      {
        name: "psql \\copy row_to_json",
        version: psqlVersion,
        unavailable: async () => postgresUnavailable(),
        command: psqlCommand(`\\copy (select row_to_json(t) from ${benchTable(ctx)} t) to '${output}'`),
        output,
      },
    ];
  },

  expected: (ctx) => expectedFromBenchCsv(ctx),
  verify: (_ctx, path) => hashLines(path, (line) => (line.trim() === "" ? undefined : JSON.parse(line))),
});
