/**
 * Load-time interpolation, as in the Rust faucet-stream: `${env:VAR}` (and its alias
 * `${secret:VAR}`), `${file:path}` and `${vars.name}` resolve while the config loads; `$${…}`
 * is not interpolated (it reaches the connector or transform as written, and the stage that
 * resolves run-time references turns it into a literal `${…}`); every other reference
 * (`${now.iso}`, `${parent.id}`, …) passes through untouched for the connector or transform that
 * resolves it at run time. Every value read
 * from the environment or a file is registered as a secret, so it is redacted from all output.
 */
import { readFileSync, statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { closestMatch, FaucetError, registerSecret } from "faucet-core";

/** What interpolation reads from. */
export interface InterpolationContext {
  /** The environment: the process environment over the sibling `.env` file. */
  env: Readonly<Record<string, string | undefined>>;
  /** Relative `${file:…}` paths resolve against this directory (the config file's). */
  baseDir: string;
  /** The document's `vars`, already interpolated. */
  vars: Readonly<Record<string, unknown>>;
  /** Where the `.env` file would be, for the hint when a variable is missing. */
  envFile?: string;
}

/** The largest file `${file:…}` reads: it is for tokens and certificates, not data. */
const MAX_FILE_BYTES = 1024 * 1024;

/**
 * Interpolates every string in `value` (recursively), returning a new tree. `path` is the
 * document path of `value`, used in error messages.
 *
 * @example
 * interpolateTree({ url: "${env:PG_URL}" }, "pipeline.source.config", ctx);
 */
export function interpolateTree(value: unknown, path: string, ctx: InterpolationContext): unknown {
  if (typeof value === "string") return interpolateString(value, path, ctx);
  if (Array.isArray(value)) return value.map((item, i) => interpolateTree(item, `${path}[${i}]`, ctx));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      out[key] = interpolateTree(child, path ? `${path}.${key}` : key, ctx);
    }
    return out;
  }
  return value;
}

/**
 * Interpolates one string. A string that is exactly one `${vars.x}` takes the variable's
 * value with its type (a number stays a number); anywhere else values are spliced in as text.
 */
export function interpolateString(text: string, path: string, ctx: InterpolationContext): unknown {
  if (!text.includes("${")) return text;
  const whole = /^\$\{vars\.([^}]+)\}$/.exec(text);
  if (whole) return lookupVar(whole[1] as string, path, ctx);
  let out = "";
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf("$", i);
    if (dollar < 0) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, dollar);
    if (text.startsWith("$${", dollar)) {
      // An escaped reference is kept whole, escape included: the run-time stage that resolves
      // references (set, rest, …) turns `$${` into a literal `${`.
      const close = text.indexOf("}", dollar + 3);
      const stop = close < 0 ? text.length : close + 1;
      out += text.slice(dollar, stop);
      i = stop;
      continue;
    }
    if (!text.startsWith("${", dollar)) {
      out += "$";
      i = dollar + 1;
      continue;
    }
    const end = text.indexOf("}", dollar + 2);
    if (end < 0) {
      out += text.slice(dollar);
      break;
    }
    const body = text.slice(dollar + 2, end);
    const resolved = resolveDirective(body, path, ctx);
    out += resolved ?? text.slice(dollar, end + 1);
    i = end + 1;
  }
  return out;
}

/** The text for `${body}`, or undefined to leave the reference as it is. */
function resolveDirective(body: string, path: string, ctx: InterpolationContext): string | undefined {
  const colon = body.indexOf(":");
  if (colon >= 0) {
    const prefix = body.slice(0, colon);
    const arg = body.slice(colon + 1);
    if (prefix === "env" || prefix === "secret") return readEnv(arg, prefix, path, ctx);
    if (prefix === "file") return readFileValue(arg, path, ctx);
    return undefined;
  }
  if (body.startsWith("vars.")) return stringify(lookupVar(body.slice(5), path, ctx));
  return undefined;
}

function readEnv(name: string, prefix: string, path: string, ctx: InterpolationContext): string {
  const value = ctx.env[name];
  if (value === undefined) {
    const where = ctx.envFile ? ` or in ${ctx.envFile}` : "";
    throw new FaucetError(
      "config",
      `\`${path}\`: environment variable ${name} is not set (referenced as \${${prefix}:${name}})`,
      { hint: `export ${name}=… in the shell${where}` },
    );
  }
  registerSecret(value);
  return value;
}

function readFileValue(file: string, path: string, ctx: InterpolationContext): string {
  const full = isAbsolute(file) ? file : resolve(ctx.baseDir, file);
  let text: string;
  try {
    if (statSync(full).size > MAX_FILE_BYTES) {
      throw new FaucetError("config", `\`${path}\`: \${file:${file}} is larger than 1 MiB`, {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: faucet config syntax, not a template
        hint: "${file:…} is for small secrets and certificates; point the connector at large files instead",
      });
    }
    text = readFileSync(full, "utf8");
  } catch (error) {
    if (error instanceof FaucetError) throw error;
    throw new FaucetError("config", `\`${path}\`: cannot read ${full} (referenced as \${file:${file}})`, {
      cause: error,
      hint: "check the path; relative paths resolve against the config file's directory",
    });
  }
  const value = text.replace(/\s+$/u, "");
  registerSecret(value);
  return value;
}

function lookupVar(name: string, path: string, ctx: InterpolationContext): unknown {
  let current: unknown = ctx.vars;
  const parts = name.split(".");
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    const holder = current && typeof current === "object" ? (current as Record<string, unknown>) : undefined;
    if (!holder || !(part in holder)) {
      const known = holder ? Object.keys(holder) : [];
      const guess = closestMatch(part, known);
      const at = parts.slice(0, i + 1).join(".");
      throw new FaucetError("config", `\`${path}\`: \${vars.${name}} refers to vars.${at}, which is not defined`, {
        hint: guess
          ? `did you mean \${vars.${[...parts.slice(0, i), guess].join(".")}}?`
          : known.length
            ? `defined vars: ${known.join(", ")}`
            : "define it under the top-level `vars:` block",
      });
    }
    current = holder[part];
  }
  return current;
}

function stringify(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}
