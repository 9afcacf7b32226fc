// The contract of a benchmark scenario. A scenario is one module in `src/scenarios/` whose
// default export satisfies `Scenario`; the harness finds it by listing that folder, so adding a
// scenario touches no other file. See bench/README.md for a walk-through.

/** Where a scenario keeps its files and how big it is this run. */
export interface ScenarioContext {
  /** Data rows the run moves (from `--rows`, else the scenario's `defaultRows`). */
  rows: number;
  /** Absolute path of the workspace root (the folder holding `packages/` and `bench/`). */
  root: string;
  /** Absolute folder for generated inputs, shared between runs (`bench/data`, gitignored). */
  dataDir: string;
  /** Absolute folder for this scenario's outputs and configs (`bench/out/<id>`, gitignored). */
  outDir: string;
}

/** A command the harness times: one process (and whatever it spawns), no shell. */
export interface Command {
  /** Program and arguments; `argv[0]` is looked up on PATH. */
  argv: readonly string[];
  /** Working directory; the workspace root when omitted. */
  cwd?: string;
  /** Extra environment variables on top of the harness's own. */
  env?: Readonly<Record<string, string>>;
  /** A file that receives the process's stdout (for tools that write their output there); discarded when omitted. */
  stdout?: string;
}

/** One tool a scenario runs beside faucet. */
export interface ReferenceTool {
  /** Short name shown in the table, e.g. `duckdb`. */
  name: string;
  /** The tool and version as the report should show them, e.g. `mlr 6.6.0`, when known. */
  version?: () => Promise<string | undefined>;
  /** Why the tool cannot run on this machine (`not installed: …`), or undefined when it can. */
  unavailable: () => Promise<string | undefined>;
  /** The command one measured run executes. */
  command: Command;
  /**
   * Where the command writes: a file path, or any name the scenario's `reset` and `verify`
   * understand (a table, a URL). Reset before each run, verified after it.
   */
  output: string;
}

/** What a tool's output holds, computed in one streaming pass so any size fits in memory. */
export interface Verification {
  /** Records in the output. */
  rows: number;
  /** A hash of the content in a canonical form, so tools that format alike data differently agree. */
  contentHash: string;
}

/** A benchmark scenario: its inputs, faucet's pipeline, the reference tools and the check. */
export interface Scenario {
  /** Short id for `--scenario`, matched case-insensitively, e.g. `A`. */
  id: string;
  /** One line for the table, e.g. `CSV → JSONL`. */
  title: string;
  /** A paragraph for docs/benchmarks.md: what moves, and what the reference tools do. */
  description: string;
  /** Rows when `--rows` is not given (the headline size). */
  defaultRows: number;
  /**
   * Prepares the inputs for `ctx.rows` rows (generates files, loads tables) before any tool
   * runs. Reuse what an earlier run left when it is provably the same (same rows and seed).
   * Throw to mark the scenario as not runnable here; the message is reported as the reason.
   */
  setup(ctx: ScenarioContext): Promise<void>;
  /** faucet's pipeline as YAML text; the harness writes it to `<outDir>/faucet.yaml` and runs `faucet run` on it. */
  faucetConfig(ctx: ScenarioContext): string;
  /** Where faucet's pipeline writes, in the same terms as `ReferenceTool.output`. */
  faucetOutput(ctx: ScenarioContext): string;
  /** The tools measured beside faucet, alternating with it. */
  references(ctx: ScenarioContext): ReferenceTool[];
  /** What a correct output holds, computed from the inputs (not from any tool's output). */
  expected(ctx: ScenarioContext): Promise<Verification>;
  /**
   * Empties one output before a run so no tool sees another run's leftovers. When omitted, the
   * harness deletes the file at `output`.
   */
  reset?(ctx: ScenarioContext, output: string): Promise<void>;
  /** Reads one tool's output after a run and returns what it holds. */
  verify(ctx: ScenarioContext, output: string): Promise<Verification>;
  /** Releases what `setup` acquired (tables, servers), if anything. */
  teardown?(ctx: ScenarioContext): Promise<void>;
}

/**
 * Identity helper that gives a scenario module's default export its type.
 *
 * @example
 * export default defineScenario({ id: "Z", title: "…", … });
 */
export function defineScenario(scenario: Scenario): Scenario {
  return scenario;
}
