// faucet-stream: one import for core and every first-party connector, each connector (and its
// driver) loaded only when used.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as stream from "faucet-stream";
import ts from "typescript";
import { afterAll, describe, expect, test } from "vitest";

const HOOK = fileURLToPath(new URL("../../cli/test/fixtures/record-loads.mjs", import.meta.url));
const ENTRY = new URL("../dist/index.js", import.meta.url).href;
const dir = mkdtempSync(join(tmpdir(), "faucet-stream-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `code` as an ES module in a child process and returns the module URLs it loaded. */
function loadsOf(code: string): string[] {
  const script = join(dir, `script-${Math.random().toString(36).slice(2)}.mjs`);
  // The script lives outside the workspace, so it imports faucet-stream by its built file.
  writeFileSync(script, code.replaceAll('"faucet-stream"', JSON.stringify(ENTRY)));
  const loads = `${script}.loads`;
  writeFileSync(loads, "");
  const result = spawnSync(process.execPath, ["--import", HOOK, script], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    env: { ...process.env, LOADS_FILE: loads },
    encoding: "utf8",
  });
  expect(result.status, result.stderr).toBe(0);
  return readFileSync(loads, "utf8").trim().split("\n");
}

const connectorsIn = (urls: string[]) =>
  [...new Set(urls.flatMap((u) => /\/connectors\/([^/]+)\//.exec(u)?.[1] ?? []))].sort();
const DRIVERS = ["pg", "pg-cursor", "libsql", "@libsql", "hyparquet", "hyparquet-writer", "undici"];
const driversIn = (urls: string[]) => urls.filter((u) => DRIVERS.some((d) => u.includes(`/node_modules/${d}/`)));

describe("faucet-stream", () => {
  test("re-exports faucet-core and a factory for every first-party connector", () => {
    expect(typeof stream.Pipeline).toBe("function");
    expect(typeof stream.FaucetError).toBe("function");
    expect(typeof stream.createTransforms).toBe("function");
    for (const type of ["csv", "jsonl", "postgres", "parquet", "rest"])
      expect(typeof stream.sources[type as "csv"]).toBe("function");
    for (const type of ["jsonl", "csv", "postgres", "parquet"])
      expect(typeof stream.sinks[type as "jsonl"]).toBe("function");
    expect(typeof stream.stateStores.postgres).toBe("function");
  });

  test("importing it loads no connector and no driver", () => {
    const urls = loadsOf('await import("faucet-stream");');
    expect(urls.some((u) => u.includes("/packages/stream/"))).toBe(true);
    expect(connectorsIn(urls)).toEqual([]);
    expect(driversIn(urls)).toEqual([]);
  });

  test("a connector is loaded when first used, and only that one", () => {
    writeFileSync(join(dir, "in.csv"), "id,name\n1,a\n2,b\n3,c\n");
    const out = join(dir, "out.jsonl");
    const urls = loadsOf(`
      import { Pipeline, sinks, sources, silentLogger } from "faucet-stream";
      const source = await sources.csv({ path: "in.csv", batch_size: 2 }, { baseDir: ${JSON.stringify(dir)} });
      const sink = await sinks.jsonl({ path: ${JSON.stringify(out)} });
      const result = await new Pipeline(source, sink, { logger: silentLogger }).run();
      if (result.recordsWritten !== 3) throw new Error("wrote " + result.recordsWritten);
    `);
    expect(
      readFileSync(out, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).name),
    ).toEqual(["a", "b", "c"]);
    expect(connectorsIn(urls)).toEqual(["common-file", "sink-jsonl", "source-csv"]);
    expect(driversIn(urls)).toEqual([]);
  });

  test("a factory validates its config like the CLI does", async () => {
    await expect(stream.sources.csv({ pathh: "x.csv" } as never)).rejects.toThrow(
      "`pathh`: unknown key; did you mean `path`?",
    );
  });

  test("each factory's config is typed from the connector's zod schema", () => {
    const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));
    const config = ts.readConfigFile(join(fixtures, "tsconfig.json"), ts.sys.readFile);
    const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, fixtures);
    const program = ts.createProgram(parsed.fileNames, parsed.options);
    const errors = ts.getPreEmitDiagnostics(program).map((d) => ({
      line: d.file?.getLineAndCharacterOfPosition(d.start ?? 0).line,
      text: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
    }));
    expect(errors).toHaveLength(1);
    expect(errors[0]?.line).toBe(7);
    expect(errors[0]?.text).toContain("'pathh' does not exist");
  });

  test("modules gives a connector's classes on demand", async () => {
    const csv = await stream.modules.sourceCsv();
    expect(typeof csv.CsvSource).toBe("function");
    expect(csv.definition.type).toBe("csv");
  });
});
