import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testSink } from "faucet-conformance";
import { fetchAll, type Value } from "faucet-core";
import { ParquetSink } from "faucet-sink-parquet";
import { ParquetSource } from "faucet-source-parquet";
import { afterAll } from "vitest";

const dir = join(tmpdir(), `faucet-sink-parquet-conformance-${process.pid}`);
const out = join(dir, "out");
mkdirSync(out, { recursive: true });
const blocker = join(dir, "a-file");
writeFileSync(blocker, "not a folder");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every row of every published part (parts are named per sink, so sinks never overwrite each other). */
async function read(): Promise<Value[]> {
  if (!readdirSync(out).some((name) => name.endsWith(".parquet"))) return [];
  const rows = await fetchAll(new ParquetSource({ path: join(out, "*.parquet") }));
  return rows.sort((a, b) => Number((a as { id: number }).id) - Number((b as { id: number }).id));
}

testSink({
  name: "faucet conformance: sink-parquet",
  create: (config) => new ParquetSink(config),
  // A folder: each sink writes run-named parts, published on flush and close.
  config: { path: `${out}/` },
  count: async () => (await read()).length,
  read,
  reset: () => {
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
  },
  failing: { title: "a folder that cannot be created", config: { path: join(blocker, "out.parquet") }, kind: "sink" },
});
