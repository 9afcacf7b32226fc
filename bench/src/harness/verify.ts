// Streaming correctness checks. Tools format the same data differently (Miller prints
// `"id": 1` with spaces and bare numbers, DuckDB `"id":"1"`), so outputs are compared in a
// canonical form: per record, the fields sorted by key, each scalar as its text (a string's
// value or a number's literal exactly as printed, so `7535.0` stays `7535.0`), null as null and
// nested values as their compact JSON. The hash is SHA-256 over one canonical line per record.
import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import type { Verification } from "./scenario.js";

type CanonicalValue = string | null | { json: string };
type CanonicalRecord = [string, CanonicalValue][];

/** Collects canonical records into a row count and a hash, hashing in batches. */
class CanonicalHasher {
  private readonly hash: Hash = createHash("sha256");
  private pending = "";
  rows = 0;

  add(record: CanonicalRecord): void {
    this.rows++;
    this.pending += `${JSON.stringify(record)}\n`;
    if (this.pending.length > 1 << 16) {
      this.hash.update(this.pending);
      this.pending = "";
    }
  }

  result(): Verification {
    this.hash.update(this.pending);
    this.pending = "";
    return { rows: this.rows, contentHash: this.hash.digest("hex") };
  }
}

/**
 * Row count and canonical hash of a JSON Lines file (blank lines are skipped).
 *
 * @example
 * const { rows, contentHash } = await verifyJsonl("bench/out/A/faucet.jsonl");
 */
export async function verifyJsonl(path: string): Promise<Verification> {
  const hasher = new CanonicalHasher();
  let lineNumber = 0;
  for await (const line of readLines(path)) {
    lineNumber++;
    if (line.trim() === "") continue;
    try {
      hasher.add(canonicalJsonLine(line));
    } catch (error) {
      throw new Error(`${path}: line ${lineNumber} is not valid JSON: ${(error as Error).message}`);
    }
  }
  return hasher.result();
}

/**
 * Row count and canonical hash of a CSV file with a header row (RFC 4180: quoted fields, `""`
 * escapes, CRLF or LF, line breaks inside quotes), every value a string — what a correct
 * CSV → JSON conversion must hold.
 *
 * @example
 * const expected = await verifyCsv("bench/data/bench-1000000-42.csv");
 */
export async function verifyCsv(path: string): Promise<Verification> {
  const hasher = new CanonicalHasher();
  let header: string[] | undefined;
  let order: number[] = [];
  const parser = new CsvRecordParser((fields) => {
    if (header === undefined) {
      header = fields;
      order = fields.map((_, i) => i).sort((a, b) => compareKeys(fields[a]!, fields[b]!));
      return;
    }
    if (fields.length !== header.length) {
      throw new Error(`${path}: record ${hasher.rows + 1} has ${fields.length} fields, header has ${header.length}`);
    }
    hasher.add(order.map((i) => [header![i]!, fields[i]!]));
  });
  const decoder = new StringDecoder("utf8");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    parser.push(decoder.write(chunk as Buffer));
  }
  parser.push(decoder.end());
  parser.end();
  return hasher.result();
}

/** The canonical record of one JSON text line. */
export function canonicalJsonLine(line: string): CanonicalRecord {
  const reader = new JsonObjectReader(line);
  return reader.readRecord();
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Reads a file as text lines (LF or CRLF) in 1 MiB chunks. */
async function* readLines(path: string): AsyncGenerator<string> {
  const decoder = new StringDecoder("utf8");
  let carry = "";
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const text = carry + decoder.write(chunk as Buffer);
    let start = 0;
    for (let end = text.indexOf("\n"); end !== -1; end = text.indexOf("\n", start)) {
      yield text.slice(start, end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end);
      start = end + 1;
    }
    carry = text.slice(start);
  }
  carry += decoder.end();
  if (carry !== "") yield carry;
}

/** A small reader for one JSON object per line that keeps number literals as printed. */
class JsonObjectReader {
  private at = 0;

  constructor(private readonly text: string) {}

  readRecord(): CanonicalRecord {
    this.skipSpace();
    if (this.text[this.at] !== "{") {
      // Not an object: the whole value is the record.
      return [["", { json: JSON.stringify(JSON.parse(this.text)) }]];
    }
    this.at++;
    const record: CanonicalRecord = [];
    this.skipSpace();
    if (this.text[this.at] === "}") return this.finish(record);
    for (;;) {
      this.skipSpace();
      const key = this.readString();
      this.skipSpace();
      this.expect(":");
      this.skipSpace();
      record.push([key, this.readValue()]);
      this.skipSpace();
      if (this.text[this.at] === ",") {
        this.at++;
        continue;
      }
      this.expect("}");
      return this.finish(record.sort((a, b) => compareKeys(a[0], b[0])));
    }
  }

  private finish(record: CanonicalRecord): CanonicalRecord {
    if (this.text[this.at] === "}") this.at++;
    this.skipSpace();
    if (this.at !== this.text.length) throw new Error(`unexpected text at column ${this.at + 1}`);
    return record;
  }

  private readValue(): CanonicalValue {
    const c = this.text[this.at];
    if (c === '"') return this.readString();
    if (c === "{" || c === "[") {
      const start = this.at;
      this.skipNested();
      return { json: JSON.stringify(JSON.parse(this.text.slice(start, this.at))) };
    }
    const start = this.at;
    while (this.at < this.text.length && !",}] \t\r\n".includes(this.text[this.at]!)) this.at++;
    const literal = this.text.slice(start, this.at);
    if (literal === "null") return null;
    if (literal === "true" || literal === "false" || /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(literal))
      return literal;
    throw new Error(`unexpected value ${JSON.stringify(literal)} at column ${start + 1}`);
  }

  private readString(): string {
    const start = this.at;
    this.expect('"');
    let escaped = false;
    for (;;) {
      const end = this.text.indexOf('"', this.at);
      if (end === -1) throw new Error(`unterminated string at column ${start + 1}`);
      let backslashes = 0;
      for (let i = end - 1; i >= this.at && this.text[i] === "\\"; i--) backslashes++;
      if (this.text.lastIndexOf("\\", end) >= this.at) escaped = true;
      this.at = end + 1;
      if (backslashes % 2 === 0) break;
    }
    const raw = this.text.slice(start, this.at);
    return escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
  }

  private skipNested(): void {
    let depth = 0;
    do {
      const c = this.text[this.at];
      if (c === undefined) throw new Error("unterminated object or array");
      if (c === '"') {
        this.readString();
        continue;
      }
      if (c === "{" || c === "[") depth++;
      else if (c === "}" || c === "]") depth--;
      this.at++;
    } while (depth > 0);
  }

  private skipSpace(): void {
    while (this.at < this.text.length && " \t\r\n".includes(this.text[this.at]!)) this.at++;
  }

  private expect(char: string): void {
    if (this.text[this.at] !== char) {
      throw new Error(
        `expected ${char} at column ${this.at + 1}, found ${JSON.stringify(this.text[this.at] ?? "end")}`,
      );
    }
    this.at++;
  }
}

/** RFC 4180 records from text pushed in pieces; calls `onRecord` with each record's fields. */
class CsvRecordParser {
  private fields: string[] = [];
  private field = "";
  private inQuotes = false;
  private quoteSeen = false; // the previous character was a quote inside a quoted field
  private afterCr = false;
  private fieldStarted = false;

  constructor(private readonly onRecord: (fields: string[]) => void) {}

  push(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.inQuotes) {
        if (this.quoteSeen) {
          this.quoteSeen = false;
          if (c === 34) {
            this.field += '"';
            continue;
          }
          this.inQuotes = false; // the quote closed the field; handle c below as unquoted
        } else if (c === 34) {
          this.quoteSeen = true;
          continue;
        } else {
          // Copy the run of ordinary characters up to the next quote in one slice.
          const next = text.indexOf('"', i);
          const end = next === -1 ? text.length : next;
          this.field += text.slice(i, end);
          i = end - 1;
          continue;
        }
      }
      if (c === 10) {
        if (!this.afterCr) this.endRecord();
        this.afterCr = false;
        continue;
      }
      this.afterCr = false;
      if (c === 13) {
        this.endRecord();
        this.afterCr = true;
      } else if (c === 44) {
        this.fields.push(this.field);
        this.field = "";
        this.fieldStarted = true;
      } else if (c === 34) {
        // A quote opens a quoted field only at its start; elsewhere it is an ordinary character.
        if (this.field === "") this.inQuotes = true;
        else this.field += '"';
        this.fieldStarted = true;
      } else {
        const next = nextSpecial(text, i);
        this.field += text.slice(i, next);
        this.fieldStarted = true;
        i = next - 1;
      }
    }
  }

  end(): void {
    if (this.inQuotes && !this.quoteSeen) throw new Error("unterminated quoted field at end of file");
    this.inQuotes = false;
    this.quoteSeen = false;
    this.endRecord();
  }

  private endRecord(): void {
    if (!this.fieldStarted && this.fields.length === 0 && this.field === "") return; // blank line
    this.fields.push(this.field);
    this.onRecord(this.fields);
    this.fields = [];
    this.field = "";
    this.fieldStarted = false;
  }
}

/** Index of the next `,`, `"`, CR or LF at or after `from`, or the text's length. */
function nextSpecial(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 44 || c === 34 || c === 13 || c === 10) return i;
  }
  return text.length;
}
