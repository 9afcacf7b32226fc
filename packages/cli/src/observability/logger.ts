/**
 * The CLI's logger: human lines on a terminal, one JSON object per line (pino) otherwise, on
 * stderr. Every line carries the run's id when there is a run, and passes through faucet-core's
 * `redactSecrets` twice: on each field before it is serialized (so a secret JSON would escape
 * is still found) and on the finished line. pino is required on the first JSON line actually
 * written, so a quiet run never loads it.
 */
import { createRequire } from "node:module";
import { FaucetError, type LogFields, type Logger, redactSecrets } from "faucet-core";
import type { Logger as PinoLogger } from "pino";
import { err } from "../output.js";

/** Log levels, lowest first. */
const LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LEVELS)[number];

/** `--log-format`: `auto` is `text` on a terminal and `json` elsewhere. */
const FORMATS = ["auto", "text", "json"] as const;
export type LogFormat = (typeof FORMATS)[number];

/** Parses `--log-level` / FAUCET_LOG. */
export function parseLevel(value: string | undefined): LogLevel {
  const v = (value ?? "info").toLowerCase();
  if ((LEVELS as readonly string[]).includes(v)) return v as LogLevel;
  throw new FaucetError("config", `unknown log level ${JSON.stringify(value)}`, {
    hint: `use one of ${LEVELS.join(", ")}`,
  });
}

/** Parses `--log-format` / FAUCET_LOG_FORMAT. */
export function parseFormat(value: string | undefined): LogFormat {
  const v = (value ?? "auto").toLowerCase();
  if ((FORMATS as readonly string[]).includes(v)) return v as LogFormat;
  throw new FaucetError("config", `unknown log format ${JSON.stringify(value)}`, {
    hint: `use one of ${FORMATS.join(", ")} (auto: text on a terminal, json otherwise)`,
  });
}

/**
 * The level a Rust `observability.tracing.level` filter asks for: a bare level, or the one given
 * to a `faucet…` target (`"warn,faucet=debug"` → debug). `trace` counts as debug and `off` as
 * error; anything unreadable leaves the default.
 */
export function levelFromDirective(directive: string | null | undefined): LogLevel | undefined {
  if (!directive) return undefined;
  let bare: string | undefined;
  let faucet: string | undefined;
  for (const part of directive.split(",").map((p) => p.trim().toLowerCase())) {
    const [target, level] = part.includes("=") ? part.split("=", 2) : [undefined, part];
    if (target === undefined) bare = level;
    else if (target.startsWith("faucet")) faucet = level;
  }
  const chosen = faucet ?? bare;
  if (chosen === "trace") return "debug";
  if (chosen === "off") return "error";
  return (LEVELS as readonly string[]).includes(chosen ?? "") ? (chosen as LogLevel) : undefined;
}

/** What a logger is made from. */
export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** Added to every line as `run_id`. */
  runId?: string;
}

/** `auto` resolved against stderr. */
export function resolvedFormat(format: LogFormat): "text" | "json" {
  if (format !== "auto") return format;
  return process.stderr.isTTY ? "text" : "json";
}

/**
 * A logger to stderr.
 *
 * @example
 * const logger = createLogger({ level: "info", format: "json", runId: randomUUID() });
 * logger.info("run started", { pipeline: "orders" });
 */
export function createLogger(options: LoggerOptions): Logger {
  const min = LEVELS.indexOf(options.level);
  const emit = resolvedFormat(options.format) === "json" ? jsonLines(options) : textLines(options);
  const write = (at: LogLevel, message: string, fields?: LogFields) => {
    if (LEVELS.indexOf(at) < min) return;
    emit(at, redactSecrets(message), redactFields(fields));
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
  };
}

type Emit = (at: LogLevel, message: string, fields: LogFields) => void;

function textLines(options: LoggerOptions): Emit {
  const run = options.runId ? ` run_id=${options.runId}` : "";
  return (at, message, fields) => {
    const extra = Object.entries(fields)
      .map(([k, v]) => ` ${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
      .join("");
    err(`${at}: ${message}${extra}${run}\n`);
  };
}

function jsonLines(options: LoggerOptions): Emit {
  let pino: PinoLogger | undefined;
  return (at, message, fields) => {
    pino ??= openPino(options);
    pino[at](fields, message);
  };
}

function openPino(options: LoggerOptions): PinoLogger {
  // pino is CommonJS: required synchronously, so the first log call can write at once.
  const pino = createRequire(import.meta.url)("pino") as typeof import("pino");
  return pino.pino(
    {
      level: options.level,
      base: options.runId ? { run_id: options.runId } : {},
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    // err() redacts the finished line and clears the live status line first.
    { write: (line: string) => err(line) },
  );
}

function redactFields(fields: LogFields | undefined): LogFields {
  const out: LogFields = {};
  if (!fields) return out;
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = redactValue(v, 0);
  return out;
}

function redactValue(value: unknown, depth: number): unknown {
  if (typeof value === "string") return redactSecrets(value);
  if (value instanceof Error) return redactSecrets(value.message);
  if (value === null || typeof value !== "object" || depth > 4) return value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = redactValue(v, depth + 1);
  return out;
}
