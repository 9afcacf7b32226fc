// The third party's test file: one call into faucet-conformance, then its own cases.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testSource } from "faucet-conformance";
import { expect, test } from "vitest";
import { FooSource } from "../src/index.js";

const path = join(mkdtempSync(join(tmpdir(), "foo-")), "data.jsonl");

testSource({
  name: "faucet-source-foo passes the faucet conformance battery",
  create: (config: { path: string; batch_size?: number }) => new FooSource(config),
  config: { path },
  seed: (records) => writeFileSync(path, records.map((r) => `${JSON.stringify(r)}\n`).join("")),
  failing: { config: { path: join(tmpdir(), "no-such-dir", "missing.jsonl") }, kind: "source" },
});

test("reads what was seeded", async () => {
  writeFileSync(path, '{"id":1}\n{"id":2}\n');
  expect(await new FooSource({ path }).fetchWithContext({})).toEqual([{ id: 1 }, { id: 2 }]);
});
