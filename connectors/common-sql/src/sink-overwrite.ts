import type { RunStatement } from "./sink-transaction.js";

/** One connection's view of a sink's tables, for {@link OverwriteTarget}; it may carry more (its connection). */
export interface TableOps<T> {
  /** The table's quoted name. */
  name(table: T): string;
  exists(table: T): Promise<boolean>;
  run: RunStatement;
}

/** Options of {@link OverwriteTarget}. */
export interface OverwriteOptions<T, O extends TableOps<T>> {
  /** The sink's table. */
  table: T;
  /** The staging table an overwrite loads (the table's name with a suffix, cut to the identifier limit). */
  staging: T;
  /** Runs `fn` with the table operations of one pooled connection. */
  withTables: <R>(fn: (tables: O) => Promise<R>) => Promise<R>;
  /** `CREATE TABLE <staging> … LIKE <table>` in the dialect (both names quoted). */
  createLikeSql: (staging: string, table: string) => string;
  /** Puts the loaded staging table in the table's place, atomically (the table may not exist yet). */
  swap: (tables: O, staging: T) => Promise<void>;
  /** Called whenever writes move to another table, so the sink forgets the columns it knew. */
  onRetarget: () => void;
}

/**
 * Where a SQL sink writes, with `write_mode: overwrite` done the same way everywhere: `begin`
 * sends writes to a fresh staging table shaped like the table, `commit` swaps it in (readers see
 * the old table until then), `abort` drops it and leaves the table untouched.
 *
 * @example
 * const overwrite = new OverwriteTarget({ table, staging: stagingTable(table), withTables, createLikeSql: (s, t) => `CREATE TABLE ${s} LIKE ${t}`, swap, onRetarget });
 * await overwrite.begin(); // …writes go to overwrite.target…
 * await overwrite.commit();
 */
export class OverwriteTarget<T, O extends TableOps<T>> {
  readonly #options: OverwriteOptions<T, O>;
  #active = false;

  constructor(options: OverwriteOptions<T, O>) {
    this.#options = options;
  }

  /** The table writes go to now: the staging table during an overwrite. */
  get target(): T {
    return this.#active ? this.#options.staging : this.#options.table;
  }

  /** Drops a staging table left by an earlier run, creates a new one (when the table exists) and sends writes to it. */
  async begin(): Promise<void> {
    const { staging, table, createLikeSql } = this.#options;
    await this.#options.withTables(async (tables) => {
      await tables.run(`DROP TABLE IF EXISTS ${tables.name(staging)}`, "dropping an old staging table failed");
      if (await tables.exists(table)) {
        await tables.run(createLikeSql(tables.name(staging), tables.name(table)), "creating the staging table failed");
      }
    });
    this.#retarget(true);
  }

  /** Swaps the staging table in (when there is one: no table and no rows leave nothing to swap). */
  async commit(): Promise<void> {
    if (!this.#active) return;
    const { staging, swap } = this.#options;
    await this.#options.withTables(async (tables) => {
      if (await tables.exists(staging)) await swap(tables, staging);
    });
    this.#retarget(false);
  }

  /** Drops the staging table; the table is untouched. */
  async abort(): Promise<void> {
    if (!this.#active) return;
    const { staging } = this.#options;
    this.#retarget(false);
    await this.#options.withTables((tables) =>
      tables.run(`DROP TABLE IF EXISTS ${tables.name(staging)}`, "dropping the staging table failed"),
    );
  }

  #retarget(active: boolean): void {
    this.#active = active;
    this.#options.onRetarget();
  }
}
