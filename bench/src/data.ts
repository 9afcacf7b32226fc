// `npm run bench:data -- --rows N --seed S --out FILE`: writes the deterministic benchmark CSV
// (byte-identical to the Rust faucet-stream's) and prints its size and SHA-256.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { parseArgs } from "node:util";
import { writeDataset } from "./dataset/dataset.js";

const USAGE = "usage: npm run bench:data -- --rows N [--seed S] --out FILE [--no-hash]";

const { values } = parseArgs({
  options: {
    rows: { type: "string" },
    seed: { type: "string", default: "42" },
    out: { type: "string" },
    "no-hash": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const rows = Number(values.rows);
const seed = Number(values.seed);
if (!Number.isSafeInteger(rows) || rows < 0 || !Number.isSafeInteger(seed) || values.out === undefined) {
  console.error(USAGE);
  process.exit(2);
}

const started = performance.now();
const bytes = writeDataset(values.out, { rows, seed });
const seconds = (performance.now() - started) / 1000;
let line = `${values.out}: ${rows.toLocaleString("en-US")} rows, ${bytes.toLocaleString("en-US")} bytes in ${seconds.toFixed(2)} s`;
if (!values["no-hash"]) line += `, sha256 ${await sha256File(values.out)}`;
console.log(line);

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
