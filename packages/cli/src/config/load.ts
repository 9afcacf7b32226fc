/**
 * Loads a pipeline document: finds the file, reads the sibling `.env`, parses YAML, JSON or
 * TypeScript, interpolates, and validates the grammar. Connector configs are validated later,
 * by `resolve.ts`, once the registry has found each connector.
 */
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import { parseEnv } from "node:util";
import { describeIssues, FaucetError } from "faucet-core";
import { type ParsedDocument, PipelineDocument, UNSUPPORTED_KEYS, UNSUPPORTED_VALUES } from "./grammar.js";
import { type InterpolationContext, interpolateTree } from "./interpolate.js";

/** The names `faucet` looks for in the working directory, in order. */
export const CONFIG_NAMES = [
  "faucet.yaml",
  "faucet.yml",
  "faucet.json",
  "faucet.config.ts",
  "faucet.config.mts",
  "faucet.config.js",
  "faucet.config.mjs",
];

/** A loaded, interpolated and grammar-checked document. */
export interface LoadedDocument {
  /** Absolute path of the config file. */
  file: string;
  /** The config file's directory: relative paths resolve against it. */
  baseDir: string;
  document: ParsedDocument;
  /** The pipeline's name: `name`, else the file name without extension. */
  name: string;
}

/**
 * Finds the config file: `explicit` when given, else the first of {@link CONFIG_NAMES} in `cwd`.
 */
export function findConfigFile(explicit: string | undefined, cwd: string): string {
  if (explicit) {
    const full = resolve(cwd, explicit);
    if (!existsSync(full)) {
      throw new FaucetError("config", `config file not found: ${explicit}`, {
        hint: "check the path, or run `faucet init` to write one",
      });
    }
    return full;
  }
  for (const name of CONFIG_NAMES) {
    const full = join(cwd, name);
    if (existsSync(full)) return full;
  }
  throw new FaucetError("config", `no config file given and none of ${CONFIG_NAMES.slice(0, 3).join(", ")} in ${cwd}`, {
    hint: "pass the config path (`faucet run pipeline.yaml`) or run `faucet init --source csv --sink jsonl`",
  });
}

/**
 * Loads, interpolates and grammar-checks a config file.
 *
 * @example
 * const { document, baseDir } = await loadDocument("faucet.yaml");
 */
export async function loadDocument(file: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedDocument> {
  const baseDir = dirname(file);
  const raw = await readRaw(file);
  const envFile = join(baseDir, ".env");
  const context: InterpolationContext = { env: mergedEnv(envFile, env), baseDir, vars: {}, envFile };
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
    throw new FaucetError("config", `${file}: the document must be a mapping with a \`pipeline\` key`, {
      hint: "start from `faucet init --source csv --sink jsonl`",
    });
  }
  const tree = raw as Record<string, unknown>;
  checkUnsupported(tree);
  const vars = tree.vars && typeof tree.vars === "object" ? interpolateTree(tree.vars, "vars", context) : {};
  const interpolated = interpolateTree({ ...tree, vars }, "", { ...context, vars: vars as Record<string, unknown> });
  const parsed = PipelineDocument.safeParse(interpolated);
  if (!parsed.success) {
    const problems = describeIssues(PipelineDocument, parsed.error.issues);
    throw configProblems(file, problems);
  }
  const document = parsed.data;
  const name = document.name ?? basename(file, extname(file)).replace(/^faucet\.config$|^faucet$/, "pipeline");
  return { file, baseDir, document, name };
}

/** One config error listing every problem, prefixed by the file. */
export function configProblems(file: string, problems: readonly string[]): FaucetError {
  const text = problems.length === 1 ? problems[0] : `${problems.length} problems:\n  ${problems.join("\n  ")}`;
  return new FaucetError("config", `${file}: invalid config: ${text}`, {
    hint: "run `faucet schema config` (or `faucet schema source|sink <type>`) to see every valid key and type",
  });
}

function mergedEnv(envFile: string, env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  if (!existsSync(envFile)) return env;
  let parsed: NodeJS.Dict<string>;
  try {
    parsed = parseEnv(readFileSync(envFile, "utf8"));
  } catch (error) {
    throw new FaucetError("config", `cannot read ${envFile}`, { cause: error, hint: "fix or remove the .env file" });
  }
  // The process environment wins over the file.
  return { ...parsed, ...env };
}

/** A config-like file parsed (YAML, JSON, or a TypeScript/JavaScript module), not interpolated. */
export async function readRaw(file: string): Promise<unknown> {
  const ext = extname(file).toLowerCase();
  if ([".ts", ".mts", ".js", ".mjs"].includes(ext)) {
    const { importConfigModule } = await import("./typescript.js");
    return await importConfigModule(file);
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new FaucetError("config", `cannot read config file ${file}`, {
      cause: error,
      hint: "check the path and its permissions",
    });
  }
  return ext === ".json" ? parseJson(file, text) : await parseYaml(file, text);
}

function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message);
    let where = "";
    if (position) {
      const before = text.slice(0, Number(position[1]));
      const line = before.split("\n").length;
      const column = before.length - before.lastIndexOf("\n");
      where = `:${line}:${column}`;
    }
    throw new FaucetError(
      "config",
      `${file}${where}: JSON syntax error: ${message.replace(/ \(line \d+ column \d+\)/, "")}`,
      {
        hint: "fix the JSON at that position",
      },
    );
  }
}

async function parseYaml(file: string, text: string): Promise<unknown> {
  const { parseDocument } = await import("yaml");
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const error = doc.errors[0];
  if (error) {
    const pos = error.linePos?.[0];
    const where = pos ? `:${pos.line}:${pos.col}` : "";
    const message = error.message.split("\n")[0] ?? error.message;
    throw new FaucetError(
      "config",
      `${file}${where}: YAML syntax error: ${message.replace(/ at line \d+, column \d+:?$/, "")}`,
      {
        hint: "fix the YAML at that line and column (indentation, a missing colon or an unclosed quote)",
      },
    );
  }
  return doc.toJS({ maxAliasCount: 1000 });
}

/** Rust faucet-stream keys and values this version does not implement: a clear error each. */
function checkUnsupported(tree: Record<string, unknown>): void {
  const problems: string[] = [];
  for (const [at, keys] of Object.entries(UNSUPPORTED_KEYS)) {
    const holder = at === "" ? tree : valueAt(tree, at);
    if (!holder || typeof holder !== "object" || Array.isArray(holder)) continue;
    for (const key of keys) {
      if (!(key in holder)) continue;
      const value = (holder as Record<string, unknown>)[key];
      // An empty block means "not used", which Rust configs sometimes spell out.
      if (value === null || (Array.isArray(value) && value.length === 0)) continue;
      const path = at ? `${at}.${key}` : key;
      problems.push(
        `\`${path}\`: not supported by this version of faucet (a Rust faucet-stream feature); remove it to run here`,
      );
    }
  }
  for (const [path, values] of Object.entries(UNSUPPORTED_VALUES)) {
    const value = valueAt(tree, path);
    if (values.includes(value)) {
      problems.push(`\`${path}\`: ${JSON.stringify(value)} is not supported by this version of faucet`);
    }
  }
  if (problems.length > 0) {
    const text = problems.length === 1 ? problems[0] : `${problems.length} problems:\n  ${problems.join("\n  ")}`;
    throw new FaucetError("config", `invalid config: ${text}`, {
      hint: "docs/config.md lists what this version supports",
    });
  }
}

function valueAt(tree: unknown, path: string): unknown {
  let current = tree;
  for (const part of path.split(".")) {
    if (!current || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}
