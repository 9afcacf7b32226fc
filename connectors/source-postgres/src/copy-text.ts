import type { TextParser } from "faucet-common-postgres";
import type { Value, ValueObject } from "faucet-core";

/** Builds one record from its decoded cells, in column order. */
type RowBuilder = (cells: Value[]) => ValueObject;

/**
 * Decodes `COPY … TO STDOUT` text format (tab-separated, `\N` for NULL, backslash escapes) into
 * records, chunk by chunk: each chunk is decoded to text once up to its last complete line, and
 * records are built by a constructor compiled once for the column list.
 *
 * @example
 * const decoder = new CopyTextDecoder(["id", "name"], [Number, (s) => s]);
 * const rows: ValueObject[] = [];
 * decoder.push(Buffer.from("1\tAda\n2\t\\N\n"), rows); // [{ id: 1, name: "Ada" }, { id: 2, name: null }]
 */
export class CopyTextDecoder {
  readonly #names: readonly string[];
  readonly #parsers: readonly TextParser[];
  readonly #build: RowBuilder;
  readonly #cells: Value[];
  #rest: Buffer | undefined;

  constructor(names: readonly string[], parsers: readonly TextParser[]) {
    this.#names = names;
    this.#parsers = parsers;
    this.#build = compileRowBuilder(names);
    this.#cells = new Array<Value>(names.length).fill(null);
  }

  /** Decodes every complete line of `chunk` (plus what an earlier chunk left) into `out`. */
  push(chunk: Buffer, out: ValueObject[]): void {
    const buffer = this.#rest ? Buffer.concat([this.#rest, chunk]) : chunk;
    const lastNewline = buffer.lastIndexOf(10);
    if (lastNewline === -1) {
      this.#rest = Buffer.from(buffer);
      return;
    }
    this.#rest = lastNewline + 1 < buffer.length ? Buffer.from(buffer.subarray(lastNewline + 1)) : undefined;
    this.#decode(buffer.toString("utf8", 0, lastNewline + 1), out);
  }

  /** Checks that the stream ended on a line boundary. */
  end(): void {
    if (this.#rest && this.#rest.length > 0) throw new Error("COPY output ended in the middle of a row");
  }

  #decode(text: string, out: ValueObject[]): void {
    const parsers = this.#parsers;
    const cells = this.#cells;
    const width = cells.length;
    const last = width - 1;
    let pos = 0;
    let col = 0;
    try {
      while (pos < text.length) {
        const lineEnd = text.indexOf("\n", pos);
        for (col = 0; col < width; col++) {
          const end = col === last ? lineEnd : text.indexOf("\t", pos);
          if (end === -1 || end > lineEnd) throw shapeError(width);
          const raw = text.slice(pos, end);
          if (raw.length === 2 && raw === "\\N") cells[col] = null;
          else if (raw.indexOf("\\") === -1) cells[col] = (parsers[col] as TextParser)(raw);
          else cells[col] = (parsers[col] as TextParser)(unescapeCopy(raw));
          if (col === last && raw.indexOf("\t") !== -1) throw shapeError(width);
          pos = end + 1;
        }
        out.push(this.#build(cells));
      }
    } catch (error) {
      if (error instanceof CellError) throw error;
      throw new CellError(this.#names[col] ?? `#${col}`, error);
    }
  }
}

/** A value the decoder could not turn into JSON, with the column it stood in. */
export class CellError extends Error {
  override readonly name = "CellError";
  readonly column: string;

  constructor(column: string, cause: unknown) {
    super(`column "${column}": ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.column = column;
  }
}

function shapeError(width: number): Error {
  return new Error(`a COPY row does not have the ${width} columns the query described (did the table change?)`);
}

const SIMPLE_ESCAPES: Record<string, string> = { b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v" };

/**
 * Undoes COPY text escaping: `\\`, `\n`, `\t`, `\r`, `\b`, `\f`, `\v`, octal `\123` and hex `\x41`.
 *
 * @example
 * unescapeCopy("a\\tb\\\\c"); // "a\tb\\c"
 */
export function unescapeCopy(raw: string): string {
  let out = "";
  let start = 0;
  let i = raw.indexOf("\\");
  while (i !== -1 && i < raw.length - 1) {
    out += raw.slice(start, i);
    const c = raw[i + 1] as string;
    let consumed = 2;
    const simple = SIMPLE_ESCAPES[c];
    if (simple !== undefined) out += simple;
    else if (c >= "0" && c <= "7") {
      const octal = /^[0-7]{1,3}/.exec(raw.slice(i + 1, i + 4))?.[0] as string;
      out += String.fromCharCode(Number.parseInt(octal, 8));
      consumed = 1 + octal.length;
    } else if (c === "x" && /^[0-9A-Fa-f]/.test(raw[i + 2] ?? "")) {
      const hex = /^[0-9A-Fa-f]{1,2}/.exec(raw.slice(i + 2, i + 4))?.[0] as string;
      out += String.fromCharCode(Number.parseInt(hex, 16));
      consumed = 2 + hex.length;
    } else out += c;
    start = i + consumed;
    i = raw.indexOf("\\", start);
  }
  return out + raw.slice(start);
}

/**
 * A function that builds `{ [names[i]]: cells[i] }` as one object literal, so every record of a
 * result shares one hidden class. Later duplicates win, as in pg's own row objects.
 */
export function compileRowBuilder(names: readonly string[]): RowBuilder {
  const props = names.map((name, i) => {
    // A literal `__proto__:` key would set the prototype; a computed key makes an own property.
    const key = name === "__proto__" ? `[${JSON.stringify(name)}]` : JSON.stringify(name);
    return `${key}: c[${i}]`;
  });
  return new Function("c", `return { ${props.join(", ")} };`) as RowBuilder;
}
