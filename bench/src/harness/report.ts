// Turns results into the console table and the sections of docs/benchmarks.md. Every figure
// printed comes from a measurement; a tool without figures shows why instead.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { formatMiB, type ScenarioResult, type ToolResult } from "./runner.js";

/** The output of the core micro-benchmark (`bench/src/core.ts`) as the harness captured it. */
export interface CoreResult {
  /** The lines core.ts printed, one per configuration. */
  lines: string[];
  peakRssBytes: number | undefined;
  error?: string;
}

const HEADERS = ["tool", "median", "min–max", "rows/s", "peak RSS", "check", "faucet speed ratio"];

/** The table rows of one scenario, one per tool, and the notes that explain missing figures. */
function tableRows(result: ScenarioResult): { rows: string[][]; notes: string[] } {
  const faucet = result.tools.find((tool) => tool.name === "faucet");
  const notes: string[] = [];
  const rows = result.tools.map((tool) => {
    if (tool.status !== "ok" || tool.medianSeconds === undefined) {
      notes.push(`[${notes.length + 1}] ${tool.name} ${tool.status}: ${tool.reason ?? "no measured runs"}`);
      return [tool.name, "—", "—", "—", "—", `${tool.status} [${notes.length}]`, "—"];
    }
    const ratio =
      tool.name === "faucet" || faucet?.medianSeconds === undefined
        ? "—"
        : `${(tool.medianSeconds / faucet.medianSeconds).toFixed(2)}×`;
    return [
      tool.name,
      `${tool.medianSeconds.toFixed(2)} s`,
      `${tool.minSeconds!.toFixed(2)}–${tool.maxSeconds!.toFixed(2)} s`,
      Math.round(result.rows / tool.medianSeconds).toLocaleString("en-US"),
      formatMiB(tool.peakRssBytes),
      `ok (${tool.verification!.rows.toLocaleString("en-US")} rows, ${tool.verification!.contentHash.slice(0, 12)})`,
      ratio,
    ];
  });
  return { rows, notes };
}

function heading(result: ScenarioResult): string {
  return `Scenario ${result.id}: ${result.title}, ${result.rows.toLocaleString("en-US")} rows`;
}

/** The scenario's result as a plain-text table for the terminal. */
export function consoleTable(result: ScenarioResult): string {
  if (result.error) return `${heading(result)}\n  not run: ${result.error}`;
  const table = tableRows(result);
  const rows = [HEADERS, ...table.rows];
  const widths = HEADERS.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const lines = rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join("  ")
      .trimEnd(),
  );
  lines.splice(1, 0, widths.map((width) => "-".repeat(width)).join("  "));
  return [`${heading(result)} (${runsText(result)})`, ...lines, ...table.notes, loadText(result)].join("\n");
}

function loadText(result: ScenarioResult): string {
  if (!result.load) return "";
  const { start, end } = result.load;
  return `Load average (1 min) ${start.toFixed(1)} at the start, ${end.toFixed(1)} at the end, on ${availableParallelism()} cores.`;
}

function runsText(result: ScenarioResult): string {
  const { warmups, runs } = result.options;
  return `${warmups} warm-up + ${runs} measured runs per tool, alternating; median wall time`;
}

/** The scenario's section of docs/benchmarks.md. */
export function markdownSection(result: ScenarioResult, machine: string): string {
  const lines = [`## ${heading(result)}`, "", result.description, "", `Machine: ${machine}.`, ""];
  if (result.error) {
    lines.push(`Not run: ${result.error}`);
    return lines.join("\n");
  }
  lines.push(
    `Method: ${runsText(result)}; peak RSS is the largest over the measured runs (whole process tree); ` +
      "check compares each output's row count and canonical content hash with the input's. " +
      "The faucet speed ratio is the tool's median ÷ faucet's: at least 1.00 means faucet is as fast or faster. " +
      loadText(result),
    "",
  );
  const table = tableRows(result);
  // Padded like the repository's formatter prints tables, so a generated page passes the lint.
  const cells = [HEADERS, ...table.rows].map((row) => row.map(escapeCell));
  const widths = HEADERS.map((_, column) => Math.max(...cells.map((row) => row[column]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, column) => cell.padEnd(widths[column]!)).join(" | ")} |`;
  lines.push(line(cells[0]!), line(widths.map((width) => "-".repeat(width))));
  for (const row of cells.slice(1)) lines.push(line(row));
  if (table.notes.length > 0) lines.push("", ...table.notes.map((note) => `- ${escapeMarkdown(note)}`));
  lines.push("", `Versions: ${result.tools.map(versionText).join("; ")}.`);
  return lines.join("\n");
}

function versionText(tool: ToolResult): string {
  // One space between words, as the Markdown formatter keeps prose (`mysql --version` pads).
  return tool.version ? `${tool.name}: ${tool.version.replace(/\s+/g, " ")}` : `${tool.name}: unknown`;
}

/** The core micro-benchmark's section. */
export function coreSection(core: CoreResult, machine: string): string {
  const lines = [
    "## Core: pipeline overhead per page",
    "",
    "`npm run bench:core` (`bench/src/core.ts`): 10M tiny records from a no-op source into a no-op sink, " +
      "so the figure is the engine's own cost per page (prefetch, bookkeeping), not any connector's.",
    "",
    `Machine: ${machine}.`,
    "",
  ];
  if (core.error) lines.push(`Not run: ${core.error}`);
  else lines.push("```", ...core.lines, "```", "", `Peak RSS: ${formatMiB(core.peakRssBytes)}.`);
  return lines.join("\n");
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_<>|]/g, (char) => `\\${char}`);
}

function escapeCell(cell: string): string {
  return cell.replaceAll("|", "\\|").replaceAll("\n", " ");
}

const PREAMBLE = `# Benchmarks

Every figure on this page was measured by \`npm run bench\` (the harness in [\`bench/\`](../bench/README.md))
on the machine named in its section; nothing is estimated or copied from elsewhere. A tool that is
not installed, fails, or writes a wrong output is listed with the reason and no figures.

- \`npm run bench\` runs every scenario at its headline size, then the core micro-benchmark, and
  rewrites the sections below it ran.
- \`npm run bench -- --scenario A --rows 100000\` runs one scenario small (printed only; add
  \`--docs\` to write it here).
- \`npm run bench:data -- --rows N --seed S --out FILE\` writes the benchmark CSV alone.

Sections are written by the harness between \`<!-- bench:ID:start -->\` and \`<!-- bench:ID:end -->\`
markers; text outside the markers is kept.
`;

/**
 * Writes or replaces the given sections in the markdown file at `path`, keeping every other
 * section and any text outside the markers.
 */
export function updateBenchmarksDoc(path: string, sections: ReadonlyMap<string, string>): void {
  let text = existsSync(path) ? readFileSync(path, "utf8") : PREAMBLE;
  for (const [id, body] of sections) {
    const start = `<!-- bench:${id}:start -->`;
    const end = `<!-- bench:${id}:end -->`;
    const block = `${start}\n${body.trimEnd()}\n${end}`;
    const from = text.indexOf(start);
    const to = text.indexOf(end);
    if (from !== -1 && to > from) text = text.slice(0, from) + block + text.slice(to + end.length);
    else text = `${text.trimEnd()}\n\n${block}\n`;
  }
  writeFileSync(path, text.endsWith("\n") ? text : `${text}\n`);
}
