// `npm run bench [-- --scenario A[,B] --rows N --runs 5 --warmups 1 --docs|--no-docs]`: runs
// the scenarios in src/scenarios/ through the real `faucet run` beside the reference tools, then
// the core micro-benchmark, prints a table per scenario and updates docs/benchmarks.md.
import { existsSync, readdirSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { machineLine } from "./harness/machine.js";
import { measure } from "./harness/measure.js";
import { type CoreResult, consoleTable, coreSection, markdownSection, updateBenchmarksDoc } from "./harness/report.js";
import { runScenario, type ScenarioResult } from "./harness/runner.js";
import type { Scenario, ScenarioContext } from "./harness/scenario.js";

const USAGE = `usage: npm run bench -- [--scenario ID[,ID…]] [--rows N] [--runs N] [--warmups N] [--docs | --no-docs]
  --scenario   scenario ids (see bench/src/scenarios/), or "core" for the core micro-benchmark; default: all
  --rows       rows per scenario; default: each scenario's headline size
  --runs       measured runs per tool (default 5); --warmups discarded runs first (default 1)
  --docs       write docs/benchmarks.md even for a non-headline --rows; --no-docs never writes it`;

const distDir = fileURLToPath(new URL(".", import.meta.url));
const benchDir = resolve(distDir, "..");
const root = resolve(benchDir, "..");

const { values } = parseArgs({
  options: {
    scenario: { type: "string", multiple: true },
    rows: { type: "string" },
    runs: { type: "string", default: "5" },
    warmups: { type: "string", default: "1" },
    docs: { type: "boolean" },
    "no-docs": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const rows = values.rows === undefined ? undefined : Number(values.rows);
const runs = Number(values.runs);
const warmups = Number(values.warmups);
if ((rows !== undefined && !(Number.isSafeInteger(rows) && rows > 0)) || !(runs >= 1) || !(warmups >= 0)) {
  console.error(USAGE);
  process.exit(2);
}

const scenarios = await loadScenarios(join(distDir, "scenarios"));
const wanted = (values.scenario ?? []).flatMap((list) => list.split(",")).map((id) => id.trim().toLowerCase());
const unknown = wanted.filter((id) => id !== "core" && !scenarios.some((s) => s.id.toLowerCase() === id));
if (unknown.length > 0) {
  console.error(`unknown scenario ${unknown.join(", ")}; available: ${scenarios.map((s) => s.id).join(", ")}, core`);
  process.exit(2);
}
const selected = wanted.length === 0 ? scenarios : scenarios.filter((s) => wanted.includes(s.id.toLowerCase()));
const runCore = wanted.length === 0 || wanted.includes("core");

const machine = machineLine();
console.log(`Machine: ${machine}\n`);
const sections = new Map<string, string>();
const results: ScenarioResult[] = [];
for (const scenario of selected) {
  const ctx: ScenarioContext = {
    rows: rows ?? scenario.defaultRows,
    root,
    dataDir: join(benchDir, "data"),
    outDir: join(benchDir, "out", scenario.id),
  };
  console.log(`Scenario ${scenario.id}: ${scenario.title}, ${ctx.rows.toLocaleString("en-US")} rows`);
  const result = await runScenario(scenario, ctx, { warmups, runs });
  results.push(result);
  console.log(`\n${consoleTable(result)}\n`);
  const headline = ctx.rows === scenario.defaultRows;
  if (values.docs || (headline && !values["no-docs"])) sections.set(scenario.id, markdownSection(result, machine));
}
if (runCore) {
  console.log("Core micro-benchmark (bench/src/core.ts)");
  const core = await runCoreBenchmark();
  console.log(core.error ? `  not run: ${core.error}\n` : `${core.lines.map((line) => `  ${line}`).join("\n")}\n`);
  if (!values["no-docs"]) sections.set("core", coreSection(core, machine));
}
await mkdir(join(benchDir, "out"), { recursive: true });
await writeFile(join(benchDir, "out", "results.json"), `${JSON.stringify({ machine, results }, null, 2)}\n`);
if (sections.size > 0) {
  updateBenchmarksDoc(join(root, "docs", "benchmarks.md"), sections);
  console.log(`Updated docs/benchmarks.md (${[...sections.keys()].join(", ")}).`);
} else {
  const why = values["no-docs"] ? "--no-docs" : "not a headline run; pass --docs to write it";
  console.log(`docs/benchmarks.md not written (${why}).`);
}

/** Imports every compiled module in `dir` whose default export looks like a scenario. */
async function loadScenarios(dir: string): Promise<Scenario[]> {
  if (!existsSync(dir)) return [];
  const found: Scenario[] = [];
  for (const file of readdirSync(dir)
    .filter((name) => name.endsWith(".js"))
    .sort()) {
    const module = (await import(pathToFileURL(join(dir, file)).href)) as { default?: Partial<Scenario> };
    const scenario = module.default;
    if (!scenario || typeof scenario.id !== "string" || typeof scenario.setup !== "function") {
      throw new Error(`${join(dir, file)}: the default export is not a scenario (see bench/README.md)`);
    }
    if (found.some((other) => other.id.toLowerCase() === scenario.id!.toLowerCase())) {
      throw new Error(`${join(dir, file)}: scenario id ${scenario.id} is used twice`);
    }
    found.push(scenario as Scenario);
  }
  return found.sort((a, b) => a.id.localeCompare(b.id));
}

/** Runs bench/src/core.ts in its own process and captures what it prints. */
async function runCoreBenchmark(): Promise<CoreResult> {
  const outFile = join(benchDir, "out", "core.txt");
  await mkdir(join(benchDir, "out"), { recursive: true });
  await rm(outFile, { force: true });
  const result = await measure(
    { argv: [process.execPath, "--expose-gc", join(distDir, "core.js")], stdout: outFile },
    root,
  );
  const printed = existsSync(outFile) ? (await readFile(outFile, "utf8")).trim() : "";
  if (result.exitCode !== 0) {
    return { lines: [], peakRssBytes: undefined, error: `exit code ${result.exitCode}: ${result.stderrTail}` };
  }
  return { lines: printed.split("\n"), peakRssBytes: result.peakRssBytes };
}
