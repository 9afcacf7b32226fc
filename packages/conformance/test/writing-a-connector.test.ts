// docs/writing-a-connector.md stays true: every code block in it is extracted and compiled.
// TypeScript blocks whose first line is `// <path>.ts` become that file of a small project (so
// index.ts can import ./stream.js); the others compile as standalone modules. JSON blocks must
// parse. The project lives inside the workspace, so faucet-core and faucet-conformance resolve
// to the built packages, exactly as in a connector of this repository.
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import * as conformance from "faucet-conformance";
import { afterAll, expect, test } from "vitest";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const guide = readFileSync(join(root, "docs/writing-a-connector.md"), "utf8");
const project = join(root, "packages/conformance/tmp", `docs-${process.pid}`);

interface Block {
  lang: string;
  code: string;
  line: number;
}

function blocks(markdown: string): Block[] {
  const found: Block[] = [];
  const fence = /^```([^\n]*)\n([\s\S]*?)^```$/gm;
  for (const match of markdown.matchAll(fence)) {
    const line = markdown.slice(0, match.index).split("\n").length;
    found.push({ lang: (match[1] ?? "").trim(), code: match[2] ?? "", line });
  }
  return found;
}

afterAll(() => {
  rmSync(project, { recursive: true, force: true });
});

test("every code block of the connector guide compiles (TypeScript) or parses (JSON)", async () => {
  const all = blocks(guide);
  expect(all.length).toBeGreaterThan(8);
  rmSync(project, { recursive: true, force: true });
  const written = new Map<string, number>();
  for (const [index, block] of all.entries()) {
    if (block.lang === "json") {
      const manifest = JSON.parse(block.code) as { name?: string };
      expect(manifest.name, `the JSON block at line ${block.line}`).toMatch(/^faucet-(source|sink|common)-[a-z0-9-]+$/);
      continue;
    }
    expect(block.lang, `the block at line ${block.line} must be ts or json`).toBe("ts");
    const path = /^\/\/ ([\w./-]+\.ts)\n/.exec(block.code)?.[1] ?? `snippets/block-${index}.ts`;
    expect(written.has(path), `${path} appears twice (lines ${written.get(path)} and ${block.line})`).toBe(false);
    written.set(path, block.line);
    mkdirSync(dirname(join(project, path)), { recursive: true });
    writeFileSync(join(project, path), block.code);
  }
  expect([...written.keys()]).toEqual(
    expect.arrayContaining([
      "faucet-source-acme/src/config.ts",
      "faucet-source-acme/src/stream.ts",
      "faucet-source-acme/src/index.ts",
      "faucet-source-acme/test/source-acme.test.ts",
      "faucet-sink-acme/src/sink.ts",
    ]),
  );
  writeFileSync(join(project, "package.json"), JSON.stringify({ private: true, type: "module" }));
  const base = JSON.parse(readFileSync(join(root, "tsconfig.base.json"), "utf8")) as { compilerOptions: object };
  const options = {
    ...base.compilerOptions,
    composite: false,
    declaration: false,
    declarationMap: false,
    sourceMap: false,
    noEmit: true,
    rootDir: ".",
    paths: { "faucet-source-acme": ["./faucet-source-acme/src/index.ts"] },
  };
  writeFileSync(join(project, "tsconfig.json"), JSON.stringify({ compilerOptions: options, include: ["**/*.ts"] }));
  try {
    await promisify(execFile)(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "."], {
      cwd: project,
    });
  } catch (error) {
    const { stdout = "" } = error as { stdout?: string };
    const mapped = stdout.replace(
      /^([\w./-]+\.ts)\((\d+),(\d+)\)/gm,
      (all, file: string, line: string, column: string) => {
        const start = written.get(file);
        return start === undefined ? all : `docs/writing-a-connector.md:${start + Number(line)}:${column} (${file})`;
      },
    );
    throw new Error(`code blocks of docs/writing-a-connector.md do not compile:\n${mapped}`);
  }
}, 120_000);

test("the guide's example connectors pass the conformance battery", async () => {
  // Runs after the compile test, on the project it extracted.
  const config = `import { defineConfig } from "vitest/config";
export default defineConfig({
  resolve: { alias: { "faucet-source-acme": ${JSON.stringify(join(project, "faucet-source-acme/src/index.ts"))} } },
  test: { include: ["faucet-*/test/*.test.ts"], root: ${JSON.stringify(project)} },
});
`;
  writeFileSync(join(project, "vitest.config.mjs"), config);
  const report = join(project, "report.json");
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("VITEST")));
  await promisify(execFile)(
    process.execPath,
    [
      join(root, "node_modules/vitest/vitest.mjs"),
      "run",
      "--config",
      "vitest.config.mjs",
      "--reporter=json",
      `--outputFile=${report}`,
    ],
    { cwd: project, env: { ...env, CI: "" } },
  ).catch(() => undefined); // the report says what failed
  const results = (
    JSON.parse(readFileSync(report, "utf8")) as {
      testResults: { assertionResults: { title: string; status: string; failureMessages: string[] }[] }[];
    }
  ).testResults.flatMap((file) => file.assertionResults);
  const failed = results.filter((r) => r.status === "failed");
  expect(failed.map((r) => `${r.title}: ${r.failureMessages[0]?.split("\n")[0]}`)).toEqual([]);
  const passed = results.filter((r) => r.status === "passed").map((r) => r.title.split(":")[0]);
  for (const check of [
    "assertBoundedMemory",
    "assertBookmarkRoundtrip",
    "assertCancellationFlushes",
    "assertResourcesReleased",
  ]) {
    expect(passed).toContain(check);
  }
  expect(passed).toContain("a malformed line is a json error naming the line");
}, 120_000);

test("the guide's table of checks matches what faucet-conformance exports", () => {
  const exported = Object.keys(conformance).filter(
    (name) => /^assert[A-Z]/.test(name) && name !== "assertDeterministicReplay",
  );
  const tabled = [...guide.matchAll(/^\| `(assert\w+)`/gm)].map((match) => match[1]);
  expect(tabled.sort()).toEqual(exported.sort());
  expect(exported).toHaveLength(16);
});
