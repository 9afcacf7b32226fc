import { compareValues, valueFamily } from "./compare.js";
import type { Logger } from "./logger.js";
import { consoleLogger } from "./logger.js";
import type { Value } from "./value.js";
import { getPath } from "./value.js";

/** Options of {@link IncrementalFilter}. */
export interface IncrementalOptions {
  /** The record field (dotted path allowed) whose value only grows, e.g. `updated_at`. */
  replicationKey: string;
  /** Records whose key is not strictly greater than this are dropped. */
  start?: Value | undefined;
  logger?: Logger;
  /** Used in warnings, e.g. `source-rest`. */
  connector?: string;
}

/**
 * The incremental-replication helper sources share: it drops records whose replication key is
 * not strictly newer than the start bookmark and tracks the maximum key seen, which becomes the
 * bookmark of each page. A record whose key has a different JSON type from the bookmark is kept
 * (with one warning); a record without the key is dropped (with one warning).
 *
 * @example
 * const inc = new IncrementalFilter({ replicationKey: "updated_at", start: savedBookmark });
 * for (const records of pagesFromApi) {
 *   yield { records: inc.filter(records), bookmark: inc.bookmark };
 * }
 */
export class IncrementalFilter {
  readonly replicationKey: string;
  #bookmark: Value | undefined;
  readonly #start: Value | undefined;
  readonly #logger: Logger;
  readonly #connector: string;
  #missingWarned = 0;
  #mismatchWarned = 0;

  constructor(options: IncrementalOptions) {
    this.replicationKey = options.replicationKey;
    this.#start = options.start ?? undefined;
    this.#bookmark = this.#start;
    this.#logger = options.logger ?? consoleLogger;
    this.#connector = options.connector ?? "source";
  }

  /** The greatest key kept so far, or the start bookmark when nothing newer was seen. */
  get bookmark(): Value | undefined {
    return this.#bookmark;
  }

  /** Drops records not newer than the start bookmark and advances the bookmark. */
  filter(records: readonly Value[]): Value[] {
    const kept: Value[] = [];
    const start = this.#start;
    const startFamily = start === undefined ? undefined : valueFamily(start);
    for (const record of records) {
      const key = getPath(record, this.replicationKey);
      if (key === undefined || key === null) {
        this.#warnMissing(key);
        continue;
      }
      const family = valueFamily(key);
      const bookmarkFamily = this.#bookmark === undefined ? undefined : valueFamily(this.#bookmark);
      if (startFamily !== undefined && family !== startFamily) {
        this.#warnMismatch(key, start as Value);
        kept.push(record);
        continue;
      }
      if (start !== undefined && compareValues(key, start) <= 0) continue;
      kept.push(record);
      if (this.#bookmark === undefined || (bookmarkFamily === family && compareValues(key, this.#bookmark) > 0)) {
        this.#bookmark = key;
      }
    }
    return kept;
  }

  #warnMissing(key: Value | undefined): void {
    this.#missingWarned++;
    if (this.#missingWarned > 1 && this.#missingWarned % 1000 !== 0) return;
    this.#logger.warn(`record without replication key \`${this.replicationKey}\` dropped`, {
      connector: this.#connector,
      value: key === null ? "null" : "missing",
      dropped_so_far: this.#missingWarned,
    });
  }

  #warnMismatch(key: Value, start: Value): void {
    this.#mismatchWarned++;
    if (this.#mismatchWarned > 1 && this.#mismatchWarned % 1000 !== 0) return;
    this.#logger.warn(
      `replication key \`${this.replicationKey}\` has type ${valueFamily(key)} but the bookmark is ${valueFamily(start)}; record kept`,
      { connector: this.#connector, kept_so_far: this.#mismatchWarned },
    );
  }
}
