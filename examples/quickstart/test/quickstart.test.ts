// The quickstart through the real `faucet` binary, in a copy of the example: 300 orders land in
// SQLite exactly (a quoted comma and an embedded newline included), and a second run leaves the
// same data. Then the summary program reports them.
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { fetchAll } from "faucet-core";
import { CsvSource } from "faucet-source-csv";
import { SqliteSource } from "faucet-source-sqlite";
import { afterAll, expect, test } from "vitest";

const run = promisify(execFile);
const example = fileURLToPath(new URL("..", import.meta.url));
const faucet = fileURLToPath(new URL("../../../packages/cli/dist/bin.js", import.meta.url));
const summary = join(example, "dist", "summary.js");
const dir = mkdtempSync(join(tmpdir(), "faucet-quickstart-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
copyFileSync(join(example, "faucet.yaml"), join(dir, "faucet.yaml"));
copyFileSync(join(example, "orders.csv"), join(dir, "orders.csv"));
const database = join(dir, "out", "quickstart.db");

const rows = () =>
  fetchAll(new SqliteSource({ database_url: database, query: "SELECT * FROM orders ORDER BY order_id" }));

test.skipIf(!existsSync(faucet))(
  "faucet run lands every order exactly, and running it twice leaves the same data",
  async () => {
    const first = await run(process.execPath, [faucet, "run", join(dir, "faucet.yaml")], { cwd: example });
    expect(first.stderr).toContain("read 300 records, wrote 300");
    const once = await rows();
    expect(once).toHaveLength(300);
    // Value by value against the CSV, read with the same inference; `paid` was cast from yes/no.
    const csv = await fetchAll(new CsvSource({ path: join(dir, "orders.csv"), infer_types: true }));
    expect(once).toEqual(csv.map((r) => ({ ...(r as object), paid: (r as { paid: string }).paid === "yes" ? 1 : 0 })));
    expect(once.find((r) => (r as { order_id: number }).order_id === 1005)).toMatchObject({
      notes: "Leave with the neighbour, flat 2B",
    });
    expect(once.find((r) => (r as { order_id: number }).order_id === 1018)).toMatchObject({
      notes: "Deliver to reception.\nAsk for Sam.",
    });
    expect(once.find((r) => (r as { order_id: number }).order_id === 1042)).toMatchObject({
      customer: "O'Brien, Siobhan",
    });

    await run(process.execPath, [faucet, "run", join(dir, "faucet.yaml")], { cwd: example });
    expect(await rows()).toEqual(once);
  },
);

test.skipIf(!existsSync(faucet))("the summary prints the count and the first rows", async () => {
  if (!existsSync(database)) await run(process.execPath, [faucet, "run", join(dir, "faucet.yaml")]);
  const { stdout } = await run(process.execPath, [summary, database]);
  const lines = stdout.trim().split("\n");
  expect(lines[0]).toMatch(/: 300 orders from 10 countries, revenue \d+\.\d\d$/);
  expect(lines[1]).toBe("order_id\tordered_at\tcustomer\tcountry\tproduct\tquantity\tunit_price\tpaid");
  expect(lines).toHaveLength(7);
  expect(lines[2]?.startsWith("1001\t2024-06-08T09:13:00Z\tRadia Liskov\tIN\tEspresso machine\t1\t349\t0")).toBe(true);
});
