/**
 * Reading a JSON Lines dead-letter file line by line, streamed, so a file of any size is read in
 * constant memory. Each line is classified as an envelope, a blank line or a malformed line
 * (not JSON, or JSON that is not an envelope), with its 1-based line number.
 */
import { createReadStream, existsSync, statSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import { createGunzip } from "node:zlib";
import { FaucetError, type Value } from "faucet-core";

/** One dead-letter envelope as read back: the fields faucet writes, loosely checked. */
export interface EnvelopeLine {
  line: number;
  envelope: Record<string, Value>;
  reason: string;
  errorKind: string;
  message: string;
  pipeline: string;
  ts: string | undefined;
}

/** A line that is not an envelope. */
export interface MalformedLine {
  line: number;
  problem: string;
}

/** What one line of the file is. */
export type DeadLetterLine =
  | { type: "envelope"; value: EnvelopeLine }
  | { type: "malformed"; value: MalformedLine }
  | { type: "blank"; line: number };

/** Refuses a path that does not exist, is not a file, or is compressed in a way Node 20 cannot read. */
export function checkDeadLetterFile(path: string, label = "dead-letter file"): void {
  if (!existsSync(path)) {
    throw new FaucetError("config", `${label} not found: ${path}`, {
      hint: "pass the JSON Lines file the pipeline's dlq sink wrote (pipeline.dlq.sink.config.path)",
    });
  }
  if (!statSync(path).isFile()) {
    throw new FaucetError("config", `${label} ${path} is not a file`, { hint: "pass a JSON Lines file" });
  }
  if (/\.zst$/i.test(path)) {
    throw new FaucetError("config", `${path}: zstd-compressed dead-letter files cannot be read here`, {
      hint: "decompress it first (zstd -d), or give the dlq sink `compression: gzip` or none",
    });
  }
}

/** Classifies one line of text. */
export function classifyLine(text: string, line: number): DeadLetterLine {
  if (text.trim() === "") return { type: "blank", line };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { type: "malformed", value: { line, problem: `not JSON (${(error as Error).message})` } };
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    return { type: "malformed", value: { line, problem: "not a dead-letter envelope (not a JSON object)" } };
  }
  const envelope = parsed as Record<string, Value>;
  if (!("payload" in envelope)) {
    return { type: "malformed", value: { line, problem: 'not a dead-letter envelope (no "payload")' } };
  }
  const error = envelope.error;
  const errorObject = error && typeof error === "object" && !Array.isArray(error) ? error : {};
  const str = (v: Value | undefined) => (typeof v === "string" ? v : undefined);
  return {
    type: "envelope",
    value: {
      line,
      envelope,
      reason: str(envelope.reason) ?? "unknown",
      errorKind: str(errorObject.kind) ?? "unknown",
      message: str(errorObject.message) ?? (typeof error === "string" ? error : ""),
      pipeline: str(envelope.pipeline) ?? "unknown",
      ts: str(envelope.ts),
    },
  };
}

/**
 * Every line of `path`, classified, in order, a chunk of lines at a time (one async step per
 * chunk, not per line). `.gz` files are decompressed on the fly.
 *
 * @example
 * for await (const lines of readDeadLetters("dlq.jsonl")) for (const item of lines) console.log(item.type);
 */
export async function* readDeadLetters(path: string, signal?: AbortSignal): AsyncGenerator<DeadLetterLine[]> {
  for await (const { lines, first } of readLines(path, signal)) {
    const out: DeadLetterLine[] = new Array(lines.length);
    for (let i = 0; i < lines.length; i++) out[i] = classifyLine(lines[i] as string, first + i);
    yield out;
  }
}

/** The raw lines of `path` in chunks, with the 1-based number of each chunk's first line. */
export async function* readLines(
  path: string,
  signal?: AbortSignal,
): AsyncGenerator<{ lines: string[]; first: number }> {
  const file = createReadStream(path);
  const input = /\.gz$/i.test(path) ? file.pipe(createGunzip()) : file;
  const decoder = new StringDecoder("utf8");
  let carry = "";
  let next = 1;
  const split = (text: string, final: boolean) => {
    const lines = text.split("\n");
    carry = final ? "" : (lines.pop() as string);
    if (final && lines[lines.length - 1] === "") lines.pop();
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as string;
      if (line.endsWith("\r")) lines[i] = line.slice(0, -1);
    }
    const chunk = { lines, first: next };
    next += lines.length;
    return chunk;
  };
  try {
    for await (const data of input) {
      if (signal?.aborted) return;
      const chunk = split(carry + decoder.write(data as Buffer), false);
      if (chunk.lines.length > 0) yield chunk;
    }
    const rest = carry + decoder.end();
    if (rest !== "") yield split(rest, true);
  } catch (error) {
    throw new FaucetError("source", `could not read ${path}: ${(error as Error).message}`, {
      cause: error,
      hint: "check the file exists and is readable (and, for .gz, that it is not truncated)",
    });
  } finally {
    file.destroy();
  }
}
