/**
 * JSON straight into COPY text bytes: what `JSON.stringify(value)` gives, UTF-8-encoded, with every
 * backslash doubled as COPY's text format needs (JSON text has no raw tab or newline to escape).
 * Plain objects, arrays, strings, finite numbers, booleans and null are written here, objects
 * through writers compiled once per key list; anything else (toJSON, class instances, cycles,
 * deep nesting) is left to the caller, which takes JSON.stringify for the whole value.
 */

/** Where the bytes go: a growable buffer and the position to write at. */
export interface ByteSink {
  buffer: Buffer;
  pos: number;
  room(bytes: number): void;
  /** A finite, non-zero number as `String(n)` prints it. */
  number(n: number): void;
}

/** A value {@link writeJson} leaves to JSON.stringify. */
export const UNSUPPORTED = -1;
const MAX_DEPTH = 32;
const MAX_SHAPES = 256;
const HEX = "0123456789abcdef";
/** Per ASCII code: 0 copies the byte; else the letter of its short escape, or 1 for `\u00XX`. */
const ESCAPE = new Uint8Array(128);
for (let c = 0; c < 32; c++) ESCAPE[c] = 1;
ESCAPE[8] = 98; // b
ESCAPE[9] = 116; // t
ESCAPE[10] = 110; // n
ESCAPE[12] = 102; // f
ESCAPE[13] = 114; // r
ESCAPE[34] = 34; // "
ESCAPE[92] = 92; // \

/** A JSON escape; as COPY text each backslash is doubled (four for an escaped backslash). */
function writeEscape(sink: ByteSink, letter: number, copy: boolean): void {
  const b = sink.buffer;
  b[sink.pos++] = 92;
  if (copy) {
    b[sink.pos++] = 92;
    if (letter === 92) b[sink.pos++] = 92;
  }
  b[sink.pos++] = letter;
}

/** `\u` and four lowercase hex digits (the backslash doubled as COPY text). */
function unicodeEscape(sink: ByteSink, code: number, copy: boolean): void {
  const b = sink.buffer;
  b[sink.pos++] = 92;
  if (copy) b[sink.pos++] = 92;
  b[sink.pos++] = 117;
  for (let shift = 12; shift >= 0; shift -= 4) b[sink.pos++] = HEX.charCodeAt((code >> shift) & 15);
}

/** A JSON string literal (`copy`: as COPY text). */
export function writeJsonString(s: string, sink: ByteSink, copy: boolean): void {
  const n = s.length;
  // At most 7 bytes per UTF-16 code unit (`\\u001f`), plus the quotes.
  sink.room(n * 7 + 2);
  const b = sink.buffer;
  b[sink.pos++] = 34;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 128) {
      const e = ESCAPE[c] as number;
      if (e === 0) b[sink.pos++] = c;
      else if (e === 1) unicodeEscape(sink, c, copy);
      else writeEscape(sink, e, copy);
    } else if (c < 0x800) {
      b[sink.pos++] = 0xc0 | (c >> 6);
      b[sink.pos++] = 0x80 | (c & 63);
    } else if (c < 0xd800 || c > 0xdfff) {
      b[sink.pos++] = 0xe0 | (c >> 12);
      b[sink.pos++] = 0x80 | ((c >> 6) & 63);
      b[sink.pos++] = 0x80 | (c & 63);
    } else {
      const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (c < 0xdc00 && d >= 0xdc00 && d <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
        b[sink.pos++] = 0xf0 | (cp >> 18);
        b[sink.pos++] = 0x80 | ((cp >> 12) & 63);
        b[sink.pos++] = 0x80 | ((cp >> 6) & 63);
        b[sink.pos++] = 0x80 | (cp & 63);
      } else unicodeEscape(sink, c, copy); // a lone surrogate, escaped as JSON.stringify does
    }
  }
  b[sink.pos++] = 34;
}

/** Writes text that needs no escaping (ASCII, no backslash). */
function writeAscii(text: string, sink: ByteSink): void {
  sink.room(text.length);
  const b = sink.buffer;
  for (let i = 0; i < text.length; i++) b[sink.pos++] = text.charCodeAt(i);
}

/** A compiled writer of objects with one list of keys. */
interface Shape {
  keys: readonly string[];
  write: (object: Record<string, unknown>, sink: ByteSink, depth: number) => number;
}

/**
 * Writes JSON values into a {@link ByteSink}; keeps the compiled object shapes of one column.
 *
 * @example
 * const json = new JsonCopyWriter();
 * json.write({ a: "x\\y" }, sink); // {"a":"x\\\\y"} as bytes
 */
export class JsonCopyWriter {
  readonly #shapes = new Map<string, Shape>();
  readonly #last: (Shape | undefined)[] = [];
  readonly #copy: boolean;

  /** `copy`: write COPY text (backslashes doubled); otherwise plain JSON bytes. */
  constructor(copy = true) {
    this.#copy = copy;
  }

  /** Writes `value`; returns {@link UNSUPPORTED} (and leaves `pos` where it was) for what it leaves to JSON.stringify. */
  write(value: unknown, sink: ByteSink): number {
    const start = sink.pos;
    if (this.#value(value, sink, 0) === UNSUPPORTED) {
      sink.pos = start;
      return UNSUPPORTED;
    }
    return sink.pos;
  }

  /** One value; UNSUPPORTED when it must go to JSON.stringify. Undefined is the caller's concern. */
  #value(value: unknown, sink: ByteSink, depth: number): number {
    switch (typeof value) {
      case "string":
        writeJsonString(value, sink, this.#copy);
        return 0;
      case "number":
        if (value === 0)
          writeAscii("0", sink); // -0 too
        else if (Number.isFinite(value)) sink.number(value);
        else writeAscii("null", sink);
        return 0;
      case "boolean":
        writeAscii(value ? "true" : "false", sink);
        return 0;
      case "object": {
        if (value === null) {
          writeAscii("null", sink);
          return 0;
        }
        if (depth >= MAX_DEPTH || typeof (value as { toJSON?: unknown }).toJSON === "function") return UNSUPPORTED;
        if (Array.isArray(value)) return this.#array(value, sink, depth);
        const proto = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) return UNSUPPORTED;
        return this.#object(value as Record<string, unknown>, sink, depth);
      }
      default:
        return UNSUPPORTED;
    }
  }

  #array(array: readonly unknown[], sink: ByteSink, depth: number): number {
    if (Object.getPrototypeOf(array) !== Array.prototype) return UNSUPPORTED;
    sink.room(2);
    sink.buffer[sink.pos++] = 91;
    for (let i = 0; i < array.length; i++) {
      if (i > 0) {
        sink.room(1);
        sink.buffer[sink.pos++] = 44;
      }
      const v = array[i];
      const type = typeof v;
      // undefined, functions and symbols (and holes) are null in arrays.
      if (type === "undefined" || type === "function" || type === "symbol") writeAscii("null", sink);
      else if (this.#value(v, sink, depth + 1) === UNSUPPORTED) return UNSUPPORTED;
    }
    sink.room(1);
    sink.buffer[sink.pos++] = 93;
    return 0;
  }

  #object(object: Record<string, unknown>, sink: ByteSink, depth: number): number {
    const keys = Object.keys(object);
    let shape = this.#last[depth];
    if (shape === undefined || !sameKeys(shape.keys, keys)) {
      const id = keys.join("\u0000");
      shape = this.#shapes.get(id);
      if (shape === undefined) {
        // An own toJSON is called by JSON.stringify; `o["__proto__"]` would read the prototype.
        if (this.#shapes.size >= MAX_SHAPES || keys.includes("toJSON") || keys.includes("__proto__")) {
          return UNSUPPORTED;
        }
        shape = compileShape(keys, this, this.#copy);
        this.#shapes.set(id, shape);
      }
      this.#last[depth] = shape;
    }
    return shape.write(object, sink, depth);
  }

  /** Used by compiled shapes: a member's value (UNSUPPORTED when JSON.stringify must take it). */
  member(value: unknown, sink: ByteSink, depth: number): number {
    return this.#value(value, sink, depth + 1);
  }
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `,"key":` (JSON-quoted key; as COPY text, backslashes doubled) as bytes. */
function keyBytes(key: string, first: boolean, copy: boolean): Buffer {
  const quoted = JSON.stringify(key);
  const json = copy ? quoted.replaceAll("\\", "\\\\") : quoted;
  return Buffer.from(`${first ? "" : ","}${json}:`, "utf8");
}

/**
 * A writer for objects with exactly these keys, in this order: the key prefixes are written by
 * unrolled stores; a member whose value is undefined, a function or a symbol is dropped, as
 * JSON.stringify does.
 */
function compileShape(keys: readonly string[], json: JsonCopyWriter, copy: boolean): Shape {
  const lines = ['"use strict";', "return function writeShape(o, s, d) {", "  let v, b, first = true;"];
  lines.push("  s.room(1); s.buffer[s.pos++] = 123;");
  const store = (bytes: Buffer) => Array.from(bytes, (byte) => `b[s.pos++] = ${byte};`).join(" ");
  for (const key of keys) {
    const first = keyBytes(key, true, copy);
    const rest = keyBytes(key, false, copy);
    lines.push(`  v = o[${JSON.stringify(key)}];`);
    lines.push('  if (v !== undefined && typeof v !== "function" && typeof v !== "symbol") {');
    lines.push(`    s.room(${rest.length}); b = s.buffer;`);
    lines.push(`    if (first) { ${store(first)} first = false; } else { ${store(rest)} }`);
    lines.push("    if (J.member(v, s, d) === -1) return -1;");
    lines.push("  }");
  }
  lines.push("  s.room(1); s.buffer[s.pos++] = 125;", "  return 0;", "};");
  const write = new Function("J", lines.join("\n"))(json) as Shape["write"];
  return { keys, write };
}
