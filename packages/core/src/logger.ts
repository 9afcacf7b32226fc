/** Structured fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/**
 * The logging surface core and connectors write to. The CLI plugs in structured JSON or
 * human lines; library users pass their own (pino, winston and console all fit).
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/**
 * A logger that drops everything.
 *
 * @example
 * new Pipeline(source, sink, { logger: silentLogger });
 */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/**
 * The default logger: warnings and errors to stderr, nothing else.
 *
 * @example
 * consoleLogger.warn("record without replication key dropped", { index: 3 });
 */
export const consoleLogger: Logger = {
  debug() {},
  info() {},
  warn(message, fields) {
    process.stderr.write(`[faucet] warn: ${message}${formatFields(fields)}\n`);
  },
  error(message, fields) {
    process.stderr.write(`[faucet] error: ${message}${formatFields(fields)}\n`);
  },
};

function formatFields(fields: LogFields | undefined): string {
  if (!fields) return "";
  const parts = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
  return parts.length ? ` ${parts.join(" ")}` : "";
}
