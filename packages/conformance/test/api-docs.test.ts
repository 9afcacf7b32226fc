// CI fails on TypeDoc warnings for faucet-core and faucet-conformance: each package's API docs
// must build on their own with every warning treated as an error (`npm run docs` builds the
// whole site from the root typedoc.json).
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, test } from "vitest";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const typedoc = `${root}node_modules/typedoc/bin/typedoc`;

async function apiDocs(packageDir: string, notExported: string[] = []): Promise<string> {
  const args = [typedoc, "src/index.ts", "--treatWarningsAsErrors", "--emit", "none", "--disableSources"];
  args.push("--readme", "none", "--excludePrivate", "--excludeInternal");
  for (const name of notExported) args.push("--intentionallyNotExported", name);
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, args, {
      cwd: `${root}${packageDir}`,
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
    });
    return stdout + stderr;
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    throw new Error(`TypeDoc found problems in ${packageDir}:\n${stdout}${stderr}`);
  }
}

test("faucet-core and faucet-conformance document their APIs without a TypeDoc warning", async () => {
  const [core, conformance] = await Promise.all([apiDocs("packages/core"), apiDocs("packages/conformance")]);
  expect(core).not.toMatch(/warning|error/i);
  expect(conformance).not.toMatch(/warning|error/i);
}, 240_000);

test("their module doc comments come first and tag @packageDocumentation above any @example", () => {
  for (const dir of ["packages/core", "packages/conformance"]) {
    const source = readFileSync(`${root}${dir}/src/index.ts`, "utf8");
    const comment = /^\/\*\*[\s\S]*?\*\//.exec(source)?.[0] ?? "";
    expect(comment, `${dir}/src/index.ts must open with its module doc comment`).toContain("@packageDocumentation");
    const example = comment.indexOf("@example");
    // Inside an @example block TypeDoc prints the tag as part of the code.
    if (example >= 0) expect(comment.indexOf("@packageDocumentation")).toBeLessThan(example);
  }
});
