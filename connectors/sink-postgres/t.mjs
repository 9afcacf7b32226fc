import { PostgresSink } from "faucet-sink-postgres";
import { PostgresSource } from "faucet-source-postgres";

const url = "postgres://postgres@127.0.0.1:5432/test";
const src = new PostgresSource({ connection_url: url, table: "bench", batch_size: 10000 });
const sink = new PostgresSink({ connection_url: url, table_name: "bench_c_faucet_copy", column_mapping: "auto_map" });
const pages = [];
let t = performance.now();
for await (const p of src.streamPages({}, 10000)) pages.push(p.records);
console.log("read", (performance.now() - t).toFixed(0), "ms");
for (const p of pages) {
  t = performance.now();
  await sink.writeBatch(p);
  console.log("write page", (performance.now() - t).toFixed(0), "ms");
}
await sink.close();
await src.close();
