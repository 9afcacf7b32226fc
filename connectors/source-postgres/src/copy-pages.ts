import { sameKey } from "faucet-common-sql";
import { FaucetError, type NativePage, type Value, type ValueObject } from "faucet-core";

const NEWLINE = 0x0a;

/**
 * Cuts the byte stream of `COPY … TO STDOUT` (text format) into pages of whole rows without
 * decoding them: in COPY text every row ends with a newline byte and a newline inside a value is
 * written as `\n`, so counting newline bytes counts rows. A page is the chunks' own bytes (joined
 * only when a page spans chunks).
 *
 * @example
 * const pages = new CopyPageCutter(10_000);
 * const out: NativePage[] = [];
 * for await (const chunk of copyStream) pages.push(chunk, out);
 * const last = pages.end();
 */
export class CopyPageCutter {
  readonly #size: number;
  #parts: Buffer[] = [];
  #rows = 0;

  /** `size` rows a page; 0 puts every row in one page. */
  constructor(size: number) {
    this.#size = size > 0 ? size : Number.POSITIVE_INFINITY;
  }

  /** Adds one chunk; every page it completes is appended to `out`. */
  push(chunk: Buffer, out: NativePage[]): void {
    const size = this.#size;
    const n = chunk.length;
    let start = 0;
    let pos = 0;
    while (pos < n) {
      const newline = chunk.indexOf(NEWLINE, pos);
      if (newline < 0) break;
      pos = newline + 1;
      if (++this.#rows === size) {
        this.#parts.push(chunk.subarray(start, pos));
        out.push(this.#take());
        start = pos;
      }
    }
    if (start < n) this.#parts.push(start === 0 ? chunk : chunk.subarray(start));
  }

  /** The last page (short, or undefined when no row is left); fails when the bytes end inside a row. */
  end(): NativePage | undefined {
    const last = this.#parts.at(-1);
    if (last && last[last.length - 1] !== NEWLINE) {
      throw new FaucetError("source", "COPY output ended inside a row", {
        connector: "source-postgres",
        hint: "the server stopped mid-row; run again, and check the server's log if it repeats",
      });
    }
    return this.#rows > 0 ? this.#take() : undefined;
  }

  #take(): NativePage {
    const parts = this.#parts;
    const page = { bytes: parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts), count: this.#rows };
    this.#parts = [];
    this.#rows = 0;
    return page;
  }
}

/**
 * Gives native pages of an incremental read their bookmarks, with the records path's rule: a page
 * never ends inside a run of rows with the same replication key (the next read asks for
 * `key > bookmark`, which would skip the rest of the run). Each page is held until the next one
 * shows where its last run ends; rows of that run move over, and the bookmark is the key of the
 * page's last row. Only rows at page boundaries are decoded (`decodeRow`, with the same readers
 * as records, so bookmarks are the same values).
 *
 * @example
 * const keyed = new KeyedCopyPages("id", (row) => decodeOne(row));
 * for (const page of cut) { const done = keyed.push(page); if (done) yield done; }
 * const last = keyed.end();
 */
export class KeyedCopyPages {
  readonly #key: string;
  readonly #decodeRow: (row: Buffer) => ValueObject;
  #held: NativePage | undefined;

  constructor(key: string, decodeRow: (row: Buffer) => ValueObject) {
    this.#key = key;
    this.#decodeRow = decodeRow;
  }

  /** Adds the next page of rows; returns the page before it once that one is complete. */
  push(page: NativePage): NativePage | undefined {
    const held = this.#held;
    if (!held) {
      this.#held = page;
      return undefined;
    }
    const last = this.#keyOf(lastRow(held.bytes as Buffer));
    const bytes = page.bytes as Buffer;
    let moved = 0;
    let pos = 0;
    while (pos < bytes.length) {
      const end = bytes.indexOf(NEWLINE, pos) + 1;
      if (!sameKey(this.#keyOf(bytes.subarray(pos, end)), last)) break;
      pos = end;
      moved++;
    }
    if (moved === page.count) {
      // The whole page continues the run: keep holding both.
      this.#held = { bytes: Buffer.concat([held.bytes, bytes]), count: held.count + page.count };
      return undefined;
    }
    this.#held = { bytes: bytes.subarray(pos), count: page.count - moved };
    const done =
      moved === 0 ? held : { bytes: Buffer.concat([held.bytes, bytes.subarray(0, pos)]), count: held.count + moved };
    return { ...done, bookmark: last };
  }

  /** The last page, with its bookmark. */
  end(): NativePage | undefined {
    const held = this.#held;
    this.#held = undefined;
    return held && { ...held, bookmark: this.#keyOf(lastRow(held.bytes as Buffer)) };
  }

  #keyOf(row: Buffer): Value {
    return this.#decodeRow(row)[this.#key] as Value;
  }
}

/** The last row of a page (with its newline). */
function lastRow(bytes: Buffer): Buffer {
  return bytes.subarray(bytes.lastIndexOf(NEWLINE, bytes.length - 2) + 1);
}
