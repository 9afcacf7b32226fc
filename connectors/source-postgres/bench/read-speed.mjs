// Ad-hoc: how fast can the source read a table (default `bench`, 1M benchmark rows) into
// records? `copy` is PostgresSource as shipped (COPY … TO STDOUT); `cursor` reads the same rows
// through pg-cursor with the same per-pool type parsers, for comparison.
// usage: node connectors/source-postgres/bench/read-speed.mjs [copy|cursor] [batch] [table]
import { PostgresPool } from "faucet-common-postgres";
import { PostgresSource } from "faucet-source-postgres";
import Cursor from "pg-cursor";

const [method = "copy", batchText = "1000", table = "bench"] = process.argv.slice(2);
const batch = Number(batchText);
const url = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const started = performance.now();
let rows = 0;
if (method === "copy") {
  const source = new PostgresSource({ connection_url: url, table, batch_size: batch });
  for await (const page of source.streamPages({}, batch)) rows += page.records.length;
  await source.close();
} else {
  const pool = new PostgresPool({ connection_url: url }, { connector: "bench" });
  const client = await pool.connect();
  const cursor = client.query(new Cursor(`SELECT * FROM ${table}`));
  for (let page = await cursor.read(batch); page.length > 0; page = await cursor.read(batch)) rows += page.length;
  await cursor.close();
  client.release();
  await pool.close();
}
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage();
console.log(
  `${method} batch=${batch}: ${rows} rows in ${seconds.toFixed(2)} s, cpu ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
);
