import { FaucetError, type NativePage } from "faucet-core";

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
