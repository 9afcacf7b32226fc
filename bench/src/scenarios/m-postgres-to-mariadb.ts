// Scenario M: the 1M-row benchmark table in PostgreSQL copied into MariaDB with `faucet run`
// (the `postgres` source into the `mysql` sink: multi-row INSERTs packed under max_allowed_packet,
// one transaction per page), beside MariaDB's own bulk loader fed by psql:
// `psql \copy (…) to stdout csv | mysql --local-infile -e "LOAD DATA LOCAL INFILE '/dev/stdin' …"`.
import { spawnSync } from "node:child_process";
import { defineScenario, type ScenarioContext, type Verification } from "../harness/scenario.js";
import { outputPath, versionOf } from "../harness/tools.js";
import {
  BENCH_TABLE,
  ensureBenchTable,
  expectedFromBenchCsv,
  hashLines,
  POSTGRES_URL,
  postgresUnavailable,
  psqlCommand,
} from "./b-postgres-to-jsonl.js";

/** Where the scenario writes; override with FAUCET_BENCH_MYSQL_URL. */
const MYSQL_URL = process.env.FAUCET_BENCH_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test";
const PAGE = 10_000;
const OUT = { faucet: "bench_m_faucet", load: "bench_m_load_data" } as const;
const COLUMNS =
  "id BIGINT, first_name LONGTEXT, country LONGTEXT, amount DOUBLE, created_at DATETIME(6), active BOOLEAN, attributes JSON";

/** `mysql` client arguments for {@link MYSQL_URL}. */
function mysqlArgs(): string[] {
  const url = new URL(MYSQL_URL);
  const args = [
    "-h",
    url.hostname || "127.0.0.1",
    "-P",
    url.port || "3306",
    "-u",
    decodeURIComponent(url.username || "root"),
  ];
  if (url.password) args.push(`-p${decodeURIComponent(url.password)}`);
  args.push(decodeURIComponent(url.pathname.replace(/^\//, "")) || "test");
  return args;
}

/** Runs SQL with the `mysql` client; stdout to a file when given. */
function mysql(sql: string, options: { flags?: string[]; stdout?: string } = {}): string {
  const argv = ["mysql", ...(options.flags ?? []), ...mysqlArgs(), "-e", sql];
  const quoted = argv.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  const result = spawnSync("sh", ["-c", options.stdout ? `${quoted} > '${options.stdout}'` : quoted], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  if (result.status !== 0) throw new Error(`mysql failed: ${result.stderr.trim()}`);
  return result.stdout;
}

function mariadbUnavailable(): string | undefined {
  if (versionOf("mysql", ["--version"]) === undefined)
    return "not installed: mysql client (apt-get install mariadb-client)";
  try {
    mysql("SELECT 1");
    return undefined;
  } catch (error) {
    return `MariaDB does not answer at ${MYSQL_URL.replace(/:[^:@/]*@/, ":***@")} (npm run services): ${(error as Error).message}`;
  }
}

function faucetYaml(): string {
  return [
    "# Scenario M: Postgres -> MariaDB. Written by the benchmark harness (bench/src/scenarios/m-postgres-to-mariadb.ts).",
    "version: 1",
    "name: bench_m_postgres_to_mariadb",
    "pipeline:",
    "  source:",
    "    type: postgres",
    "    config:",
    `      connection_url: ${JSON.stringify(POSTGRES_URL)}`,
    `      table: ${BENCH_TABLE}`,
    `      batch_size: ${PAGE}`,
    "  sink:",
    "    type: mysql",
    "    config:",
    `      connection_url: ${JSON.stringify(MYSQL_URL)}`,
    `      table_name: ${OUT.faucet}`,
    "      column_mapping: auto_map",
    "      batch_size: 0",
    "  state:",
    "    type: memory",
    "",
  ].join("\n");
}

/** Reads a MariaDB table back as JSON lines and hashes it like scenario B's check. */
async function verifyTable(ctx: ScenarioContext, table: string): Promise<Verification> {
  const file = outputPath(ctx, `${table}.jsonl`);
  mysql(
    "SELECT JSON_OBJECT('id', id, 'first_name', first_name, 'country', country, 'amount', amount, " +
      "'created_at', DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%s.%fZ'), 'active', IF(active, 'true', 'false'), " +
      `'attributes', JSON_EXTRACT(attributes, '$')) FROM ${table}`,
    { flags: ["-N", "-B", "--raw"], stdout: file },
  );
  return await hashLines(file, (line) => (line.trim() === "" ? undefined : JSON.parse(line)));
}

export default defineScenario({
  id: "M",
  title: "Postgres → MariaDB",
  description:
    "The `bench` table of scenario B copied into MariaDB `(id BIGINT, first_name LONGTEXT, country LONGTEXT, " +
    "amount DOUBLE, created_at DATETIME(6), active BOOLEAN, attributes JSON)` with `faucet run`: the `postgres` " +
    `source (COPY … TO STDOUT, pages of ${PAGE.toLocaleString("en-US")} rows) into the \`mysql\` sink with ` +
    "`auto_map`, multi-row INSERTs packed under `max_allowed_packet`, one transaction per page. Beside it " +
    "MariaDB's own bulk loader fed by psql: `psql \\copy (…) to stdout csv | mysql --local-infile -e " +
    "\"LOAD DATA LOCAL INFILE '/dev/stdin' …\"`, where no client parses a value. Each table is read back " +
    "with `JSON_OBJECT` and compared per value with the CSV (timestamps as instants, JSON with sorted keys).",
  defaultRows: 1_000_000,

  async setup(ctx) {
    const why = postgresUnavailable() ?? mariadbUnavailable();
    if (why) throw new Error(why);
    ensureBenchTable(ctx);
  },

  faucetConfig: () => faucetYaml(),
  faucetOutput: () => OUT.faucet,

  references() {
    const [psqlProgram, ...psqlArgs] = psqlCommand("").argv;
    const quoted = (args: readonly string[]) => args.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
    const select =
      "SELECT id, first_name, country, amount, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), " +
      `CASE WHEN active THEN 1 ELSE 0 END, attributes FROM ${BENCH_TABLE}`;
    const load =
      `LOAD DATA LOCAL INFILE '/dev/stdin' INTO TABLE ${OUT.load} CHARACTER SET utf8mb4 ` +
      "FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' ESCAPED BY '' LINES TERMINATED BY '\\n'";
    return [
      {
        name: "psql | LOAD DATA LOCAL INFILE",
        version: async () => versionOf("mysql", ["--version"]),
        unavailable: async () => postgresUnavailable() ?? mariadbUnavailable(),
        command: {
          argv: [
            "sh",
            "-c",
            `${quoted([psqlProgram as string, ...psqlArgs.slice(0, -1)])} ${quoted([`\\copy (${select}) to stdout with (format csv)`])} | ` +
              quoted(["mysql", "--local-infile=1", ...mysqlArgs(), "-e", load]),
          ],
        },
        output: OUT.load,
      },
    ];
  },

  async reset(_ctx, output) {
    mysql(`DROP TABLE IF EXISTS ${output}; CREATE TABLE ${output} (${COLUMNS}) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
  },

  expected: (ctx) => expectedFromBenchCsv(ctx),
  verify: (ctx, output) => verifyTable(ctx, output),

  async teardown() {
    mysql(`DROP TABLE IF EXISTS ${OUT.faucet}, ${OUT.load}`);
  },
});
