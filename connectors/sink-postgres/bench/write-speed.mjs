// Ad-hoc: how fast does the sink write a table's rows (default `bench`) into a copy of it, per
// write method? Pages are read first, so only the sink is timed. Prints wall time, rows per
// second, this process's CPU time and the server backend's CPU time (read from /proc, so the
// server must run on this machine): CPU times hold steady on a busy machine, wall times do not.
// usage: node connectors/sink-postgres/bench/write-speed.mjs [copy|unnest|values]... [--page N] [--chunk N] [--table T]
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { PostgresSink } from "faucet-sink-postgres";
import { PostgresSource } from "faucet-source-postgres";
import pg from "pg";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    page: { type: "string", default: "10000" },
    chunk: { type: "string", default: "1000" },
    table: { type: "string", default: "bench" },
    runs: { type: "string", default: "1" },
  },
});
const url = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const page = Number(values.page);
const source = new PostgresSource({ connection_url: url, table: values.table, batch_size: page });
const pages = [];
for await (const p of source.streamPages({}, page)) pages.push(p.records);
await source.close();
const rows = pages.reduce((n, p) => n + p.length, 0);
const admin = new pg.Client({ connectionString: url });
await admin.connect();
for (let run = 0; run < Number(values.runs); run++) {
  for (const method of positionals.length ? positionals : ["copy", "unnest", "values"]) {
    await admin.query(`DROP TABLE IF EXISTS write_speed; CREATE TABLE write_speed (LIKE ${values.table})`);
    const app = `write-speed-${process.pid}-${run}-${method}`;
    const sink = new PostgresSink(
      {
        connection_url: url,
        table_name: "write_speed",
        column_mapping: "auto_map",
        write_method: method === "copy" ? "copy" : "insert",
        batch_size: Number(values.chunk),
        max_connections: 1,
        application_name: app,
      },
      { insertStyle: method === "values" ? "values" : "unnest" },
    );
    await sink.writeBatch(pages[0].slice(0, 1)); // opens the connection; the row is not counted
    await admin.query("TRUNCATE write_speed");
    const backend = (await admin.query("SELECT pid FROM pg_stat_activity WHERE application_name = $1", [app])).rows[0]
      ?.pid;
    const serverCpu = () => {
      try {
        const fields = readFileSync(`/proc/${backend}/stat`, "utf8").split(") ")[1].split(" ");
        return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks
      } catch {
        return Number.NaN;
      }
    };
    const server0 = serverCpu();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (const records of pages) await sink.writeBatch(records);
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const server = serverCpu() - server0;
    await sink.close();
    console.log(
      `${method.padEnd(6)} page=${page} chunk=${values.chunk}: ${rows} rows in ${wall.toFixed(2)} s (${Math.round(rows / wall).toLocaleString("en-US")} rows/s), client cpu ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s, server cpu ${server.toFixed(2)} s`,
    );
  }
}
await admin.query("DROP TABLE IF EXISTS write_speed");
await admin.end();
