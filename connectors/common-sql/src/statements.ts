import { RowError } from "./write-plan.js";

/**
 * Rows per statement so that rows × columns stays under a bind-parameter limit (Postgres
 * 65,535, SQLite 32,766, MySQL prepared statements 65,535) and within `batchSize` (0: no cap).
 *
 * @example
 * rowsPerStatement(7, 65_535, 1000); // 1000
 * rowsPerStatement(100, 65_535, 0); // 655
 */
export function rowsPerStatement(columns: number, maxParameters: number, batchSize: number): number {
  const byLimit = Math.max(1, Math.floor(maxParameters / Math.max(1, columns)));
  return batchSize > 0 ? Math.min(batchSize, byLimit) : byLimit;
}

/** Options of {@link packStatements}. */
export interface PackOptions {
  /** Everything before the first tuple, e.g. `INSERT INTO t (a, b) VALUES `. */
  head: string;
  /** Everything after the last tuple, e.g. ` ON DUPLICATE KEY UPDATE …`. */
  tail?: string;
  /** Between tuples; default `,`. */
  separator?: string;
  /** Largest statement in bytes (UTF-8), e.g. the server's `max_allowed_packet` less headroom. */
  maxBytes: number;
  /** Most tuples per statement; 0: no cap. */
  maxRows: number;
}

/** One statement of {@link packStatements}: its text and the rows `[from, to)` it holds. */
export interface PackedStatement {
  sql: string;
  from: number;
  to: number;
}

/**
 * Packs rows into multi-row statements of text, each under a byte limit (a server's packet size)
 * and a row cap, in row order. `tuple(i)` renders row `i` (e.g. `(1,'a')`); a single row that is
 * too large alone fails with a {@link RowError} naming it.
 *
 * @example
 * for (const s of packStatements(rows.length, (i) => tupleOf(rows[i]), { head: "INSERT INTO t VALUES ", maxBytes: 1 << 20, maxRows: 1000 }))
 *   await conn.query(s.sql);
 */
export function* packStatements(
  count: number,
  tuple: (index: number) => string,
  options: PackOptions,
): Generator<PackedStatement> {
  const tail = options.tail ?? "";
  const separator = options.separator ?? ",";
  const fixed = Buffer.byteLength(options.head) + Buffer.byteLength(tail);
  const separatorBytes = Buffer.byteLength(separator);
  let parts: string[] = [];
  let bytes = fixed;
  let from = 0;
  for (let index = 0; index < count; index++) {
    const text = tuple(index);
    const size = Buffer.byteLength(text);
    const extra = parts.length === 0 ? size : size + separatorBytes;
    const full = options.maxRows > 0 && parts.length >= options.maxRows;
    if (parts.length > 0 && (full || bytes + extra > options.maxBytes)) {
      yield { sql: options.head + parts.join(separator) + tail, from, to: index };
      parts = [];
      bytes = fixed;
      from = index;
    }
    if (parts.length === 0 && fixed + size > options.maxBytes) {
      throw new RowError(
        index,
        undefined,
        `record ${index} needs a ${fixed + size}-byte statement, more than the server accepts (${options.maxBytes} bytes)`,
      );
    }
    parts.push(text);
    bytes += parts.length === 1 ? size : size + separatorBytes;
  }
  if (parts.length > 0) yield { sql: options.head + parts.join(separator) + tail, from, to: count };
}
