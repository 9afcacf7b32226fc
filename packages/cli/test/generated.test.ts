// Generated, not hand-kept: the CLI's built-in registry, the config types, faucet-stream's
// factories, the package dependencies, the README config tables, the document schema and
// docs/config.md must all match what `npm run generate` writes now.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { expect, test } from "vitest";
import { ROOT } from "./helpers.js";

test("every generated file is up to date (run `npm run generate` when this fails)", () => {
  const result = spawnSync(process.execPath, [join(ROOT, "scripts/generate.mjs"), "--check", "--no-build"], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 120_000,
  });
  expect(result.stderr).toContain("everything is up to date");
  expect(result.status).toBe(0);
});
