// Scenario C: the 1M-row benchmark table copied into another PostgreSQL table with `faucet run`,
// by COPY (the sink's default for append) and by INSERT, beside the psql pipe
// `psql \copy bench to stdout | psql \copy out from stdin` (no client-side work at all).
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { defineScenario, type ScenarioContext, type Verification } from "../harness/scenario.js";
import { faucetCommand, faucetUnavailable, faucetVersion } from "../harness/tools.js";
import {
  benchTable,
  ensureBenchTable,
  POSTGRES_URL,
  postgresUnavailable,
  psql,
  psqlCommand,
  psqlVersion,
} from "./b-postgres-to-jsonl.js";

/** Rows per page. */
const PAGE = 10_000;
/**
 * Rows per INSERT statement. Measured in this scenario (server CPU of the whole run, interleaved
 * runs): 2,000 rows 4.6-5.8 s, 1,000 6.0-6.2 s, 3,000 6.3-7.9 s, 10,000 (a page) 6.5-8.4 s; and
 * the sink encodes each statement while the server runs the one before.
 */
const INSERT_STATEMENT_ROWS = 2000;
const OUT = {
  copy: "bench_c_faucet_copy",
  insert: "bench_c_faucet_insert",
  decoded: "bench_c_faucet_decoded",
  psql: "bench_c_psql",
} as const;

function faucetYaml(ctx: ScenarioContext, method: "copy" | "insert", table: string, native = true): string {
  return [
    `# Scenario C (${method}): Postgres -> Postgres. Written by the benchmark harness (bench/src/scenarios/c-postgres-to-postgres.ts).`,
    "version: 1",
    `name: bench_c_postgres_${method}`,
    "pipeline:",
    "  source:",
    "    type: postgres",
    "    config:",
    `      connection_url: ${JSON.stringify(POSTGRES_URL)}`,
    `      table: ${benchTable(ctx)}`,
    `      batch_size: ${PAGE}`,
    "  sink:",
    "    type: postgres",
    "    config:",
    `      connection_url: ${JSON.stringify(POSTGRES_URL)}`,
    `      table_name: ${table}`,
    "      column_mapping: auto_map",
    `      write_method: ${method}`,
    `      batch_size: ${method === "insert" ? INSERT_STATEMENT_ROWS : PAGE}`,
    "  state:",
    "    type: memory",
    ...(native ? [] : ["execution:", "  native: false"]),
    "",
  ].join("\n");
}

/** Row count and an MD5 of every row's text in `id` order, computed by the server. */
function tableContent(table: string): Verification {
  const [rows, hash] = psql(
    `SELECT count(*), coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t.id)), '') FROM ${table} t`,
    ["-A", "-t", "-F", " "],
  )
    .trim()
    .split(" ");
  return { rows: Number(rows), contentHash: hash ?? "" };
}

/**
 * An output holds the input when `EXCEPT ALL` finds no row of either table missing from the
 * other: values compared by type, so jsonb's `57.0` (as the CSV wrote it) and `57` (as a JSON
 * number comes back) are equal, while any changed value is not. Such an output is given the
 * input's hash; any other its own.
 */
function verifyTable(ctx: ScenarioContext, table: string): Verification {
  const source = benchTable(ctx);
  const missing = psql(
    `SELECT (SELECT count(*) FROM (SELECT * FROM ${source} EXCEPT ALL SELECT * FROM ${table}) a) + ` +
      `(SELECT count(*) FROM (SELECT * FROM ${table} EXCEPT ALL SELECT * FROM ${source}) b)`,
    ["-A", "-t"],
  ).trim();
  return missing === "0" ? tableContent(source) : tableContent(table);
}

const insertConfig = (ctx: ScenarioContext) => join(ctx.outDir, "faucet-insert.yaml");
const decodedConfig = (ctx: ScenarioContext) => join(ctx.outDir, "faucet-decoded.yaml");

export default defineScenario({
  id: "C",
  title: "Postgres → Postgres",
  description:
    "The `bench` table of scenario B copied into an empty table of the same shape with `faucet run`: " +
    `the \`postgres\` source (COPY … TO STDOUT, pages of ${PAGE.toLocaleString("en-US")} rows) into the ` +
    "`postgres` sink with `auto_map`. With no transforms the two hand pages over as COPY text, no value " +
    "decoded (native pass-through, docs/concepts.md): by COPY … FROM STDIN (`faucet`, the sink's default " +
    "for append) and by INSERT, " +
    `${INSERT_STATEMENT_ROWS.toLocaleString("en-US")} rows a statement, each statement's rows one text ` +
    "parameter the server splits (`faucet, insert`). `faucet, decoded` is the COPY run with " +
    "`execution: { native: false }`: every value decoded into a record and encoded again, as any run with " +
    "a transform does. The read has no bookmarks, so pages share a transaction until the sink's cap of 24 " +
    "pages or 5 s. Beside them the psql pipe `psql \\copy bench to stdout | psql \\copy … from stdin`, " +
    "where no client parses a value. Each output is checked by the server with `EXCEPT ALL` both ways " +
    "against `bench` (values compared by type: jsonb's `57.0` equals `57`).",
  defaultRows: 1_000_000,

  async setup(ctx) {
    ensureBenchTable(ctx);
    await writeFile(insertConfig(ctx), faucetYaml(ctx, "insert", OUT.insert));
    await writeFile(decodedConfig(ctx), faucetYaml(ctx, "copy", OUT.decoded, false));
  },

  faucetConfig: (ctx) => faucetYaml(ctx, "copy", OUT.copy),
  faucetOutput: () => OUT.copy,

  references(ctx) {
    const [psqlProgram, ...psqlArgs] = psqlCommand("").argv;
    const quoted = (args: readonly string[]) => args.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
    const base = quoted([psqlProgram as string, ...psqlArgs.slice(0, -1)]);
    return [
      {
        name: "faucet, insert",
        version: async () => faucetVersion(ctx.root),
        unavailable: async () => faucetUnavailable(ctx.root),
        command: faucetCommand(ctx.root, insertConfig(ctx)),
        output: OUT.insert,
      },
      {
        name: "faucet, decoded",
        version: async () => faucetVersion(ctx.root),
        unavailable: async () => faucetUnavailable(ctx.root),
        command: faucetCommand(ctx.root, decodedConfig(ctx)),
        output: OUT.decoded,
      },
      {
        name: "psql \\copy pipe",
        version: psqlVersion,
        unavailable: async () => postgresUnavailable(),
        command: {
          argv: [
            "sh",
            "-c",
            `${base} ${quoted([`\\copy ${benchTable(ctx)} to stdout`])} | ${base} ${quoted([`\\copy ${OUT.psql} from stdin`])}`,
          ],
        },
        output: OUT.psql,
      },
    ];
  },

  async reset(ctx, output) {
    psql(`DROP TABLE IF EXISTS ${output}`);
    psql(`CREATE TABLE ${output} (LIKE ${benchTable(ctx)})`);
  },

  expected: async (ctx) => tableContent(benchTable(ctx)),
  verify: async (ctx, output) => verifyTable(ctx, output),

  async teardown() {
    for (const table of Object.values(OUT)) psql(`DROP TABLE IF EXISTS ${table}`);
  },
});
