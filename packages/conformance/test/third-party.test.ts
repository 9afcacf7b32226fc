// Third-party proof: faucet-core and faucet-conformance, packed as npm would publish them, are
// installed into a fresh project outside the workspace, next to vitest and typescript from
// the registry. Its one hand-written connector (third-party/) type-checks against the packed
// declarations and passes the battery there, so a faucet-source-foo published by someone else
// needs nothing but faucet-core.
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, expect, test } from "vitest";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../../..", import.meta.url));
const fixture = fileURLToPath(new URL("third-party/", import.meta.url));
const project = mkdtempSync(join(tmpdir(), "faucet-third-party-"));

/** The environment without what npm and vitest set for the run that started this test. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|VITEST|NODE_OPTIONS$|INIT_CWD$)/i.test(key)) env[key] = value;
  }
  return { ...env, CI: "", NO_COLOR: "1" };
}

async function sh(command: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout, stderr } = await run(command, args, { cwd, env: cleanEnv(), maxBuffer: 64 * 1024 * 1024 });
    return stdout + stderr;
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    throw new Error(`\`${command} ${args.join(" ")}\` failed in ${cwd}:\n${stdout}\n${stderr}`);
  }
}

/** `npm pack`s a workspace package into the project and returns the tarball's file name. */
async function pack(dir: string): Promise<string> {
  const out = await sh("npm", ["pack", "--json", "--pack-destination", project], join(root, dir));
  const [info] = JSON.parse(out.slice(out.indexOf("["))) as { filename: string; files: { path: string }[] }[];
  if (!info) throw new Error(`npm pack printed no result in ${dir}`);
  expect(info.files.map((f) => f.path)).toContain("dist/index.d.ts");
  return info.filename;
}

afterAll(() => {
  rmSync(project, { recursive: true, force: true });
});

test("a connector outside the workspace installs the packed packages and passes the battery", async () => {
  expect(project.startsWith(root)).toBe(false);
  const [core, conformance] = await Promise.all([pack("packages/core"), pack("packages/conformance")]);
  const manifest = readFileSync(join(fixture, "package.template.json"), "utf8")
    .replace("FAUCET_CORE_TARBALL", core)
    .replace("FAUCET_CONFORMANCE_TARBALL", conformance);
  writeFileSync(join(project, "package.json"), manifest);
  cpSync(join(fixture, "tsconfig.json"), join(project, "tsconfig.json"));
  cpSync(join(fixture, "src"), join(project, "src"), { recursive: true });
  mkdirSync(join(project, "test"));
  cpSync(join(fixture, "test/foo.conformance.ts"), join(project, "test/foo.test.ts"));

  await sh("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], project);
  const installed = JSON.parse(readFileSync(join(project, "node_modules/faucet-core/package.json"), "utf8"));
  expect(installed.name).toBe("faucet-core");
  expect(readFileSync(join(project, "node_modules/zod/package.json"), "utf8")).toContain('"name": "zod"');

  await sh(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "."], project);

  await sh(
    process.execPath,
    ["node_modules/vitest/vitest.mjs", "run", "--reporter=json", "--outputFile=report.json"],
    project,
  );
  const report = JSON.parse(readFileSync(join(project, "report.json"), "utf8")) as {
    success: boolean;
    numFailedTests: number;
    testResults: { assertionResults: { title: string; status: string }[] }[];
  };
  const results = report.testResults.flatMap((file) => file.assertionResults);
  const passed = results.filter((r) => r.status === "passed").map((r) => r.title.split(":")[0]);
  expect(report.numFailedTests).toBe(0);
  expect(report.success).toBe(true);
  expect(passed).toEqual([
    "assertConnectorNameNonEmpty",
    "assertConfigSchemaValid",
    "assertBoundedMemory",
    "assertBatchSizeZeroSinglePage",
    "assertBookmarkRoundtrip",
    "assertDeterministicReplay",
    "assertErrorsNotCrashes",
    "assertResourcesReleased",
    "reads what was seeded",
  ]);
}, 600_000);
