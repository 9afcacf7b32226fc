// faucet.config.ts: loaded on Node 20 by transpiling, and fully typed by definePipeline.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, test } from "vitest";
import { faucet, LINES_SINK, TICKER_SOURCE, tempDir, write } from "./helpers.js";

const TYPED = fileURLToPath(new URL("./fixtures/typed/", import.meta.url));

function diagnostics(file: string): string[] {
  const config = ts.readConfigFile(join(TYPED, "tsconfig.json"), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, TYPED);
  const program = ts.createProgram([join(TYPED, file)], parsed.options);
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
}

describe("faucet.config.ts", () => {
  test("is discovered, transpiled and run like a YAML config, outside any workspace", () => {
    const dir = tempDir();
    write(
      dir,
      "faucet.config.ts",
      `import { definePipeline } from "faucet-cli";

const pageSize: number = 3;

export default definePipeline({
  version: 1,
  name: "from-ts",
  plugins: [${JSON.stringify(TICKER_SOURCE)}, ${JSON.stringify(LINES_SINK)}],
  pipeline: {
    source: { type: "ticker", config: { page_size: pageSize, pages: 2 } },
    sink: { type: "lines", config: { path: "\${env:OUT_FILE}" } },
  },
} as never);
`,
    );
    const result = faucet(["run", "--output", "json"], { cwd: dir, env: { OUT_FILE: "out.jsonl" } });
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toMatchObject({ name: "from-ts", records_written: 6 });
    expect(readFileSync(join(dir, "out.jsonl"), "utf8").trim().split("\n")).toHaveLength(6);
    // The temporary transpiled module is gone.
    expect(readdirSync(dir).filter((f) => f.endsWith(".mjs"))).toEqual([]);
  });

  test("a syntax error names the line, an unknown key is caught like in YAML", () => {
    const dir = tempDir();
    write(
      dir,
      "faucet.config.ts",
      "export default {\n  pipeline: {\n    source: { type: 'csv' config: {} },\n  },\n};\n",
    );
    const broken = faucet(["validate"], { cwd: dir });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/faucet\.config\.ts:3:\d+: TypeScript syntax error/);
    write(dir, "faucet.config.ts", "export default { pipline: {} };\n");
    const unknown = faucet(["validate"], { cwd: dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("`pipline`: unknown key; did you mean `pipeline`?");
  });

  test("definePipeline is fully typed from each connector's zod schema", () => {
    expect(diagnostics("good.config.ts")).toEqual([]);
    const errors = diagnostics("bad.config.ts").join("\n");
    expect(errors).toContain("pathh");
    expect(errors).toContain("'number' is not assignable to type 'string'");
    expect(errors).toContain('"twice"');
  });
});
