import { FaucetError, type Logger } from "faucet-core";
import { isReplayedToken } from "./commit-token.js";

/** Runs one statement on the page's connection; a failure becomes a FaucetError saying `what` failed. */
export type RunStatement = (sql: string, what: string) => Promise<unknown>;

/** Options of {@link inTransaction}. */
export interface TransactionOptions {
  /** The statement that opens the transaction; default `BEGIN`. */
  begin?: string;
  /** Turns a failure of the page's work that is not yet a FaucetError into one. */
  wrap: (error: unknown) => FaucetError;
}

/**
 * Runs `fn` between `BEGIN` (or `options.begin`) and `COMMIT` on one connection: any failure
 * rolls the whole page back (a failed ROLLBACK is ignored: the connection's error says more) and
 * is rethrown as a FaucetError.
 *
 * @example
 * await inTransaction((sql, what) => run(connection, sql, what), () => writeRows(connection, page), {
 *   begin: "START TRANSACTION",
 *   wrap: (error) => queryError(error, "sink", "sink-mysql", "the transaction failed"),
 * });
 */
export async function inTransaction<T>(
  run: RunStatement,
  fn: () => Promise<T>,
  options: TransactionOptions,
): Promise<T> {
  const begin = options.begin ?? "BEGIN";
  await run(begin, `${begin} failed`);
  try {
    const result = await fn();
    await run("COMMIT", "COMMIT failed");
    return result;
  } catch (error) {
    await run("ROLLBACK", "ROLLBACK failed").catch(() => undefined);
    throw FaucetError.is(error) ? error : options.wrap(error);
  }
}

/** One exactly-once page, in the dialect's words, for {@link writePageOnce}. */
export interface OncePage {
  /** Rows in the page. */
  rows: number;
  scope: string;
  /** The pipeline's commit token for this page. */
  token: string;
  connector: string;
  logger: Logger;
  /** Reads the scope's committed token, locking it until the transaction ends where the dialect can. */
  committed(): Promise<string | undefined>;
  /** Writes the page's rows (never called for an empty page); returns how many were written. */
  write(): Promise<number>;
  /** Records `token` as the scope's last commit. */
  save(): Promise<unknown>;
}

/**
 * The body of `writeBatchIdempotent`, run inside the page's transaction: a token not beyond the
 * one already committed is a replay (logged; nothing written, 0 returned), otherwise the records
 * and the token are written together.
 *
 * @example
 * return await inTransaction(run, () => writePageOnce({ rows: records.length, scope, token, connector, logger, committed, write, save }), options);
 */
export async function writePageOnce(page: OncePage): Promise<number> {
  const committed = await page.committed();
  if (isReplayedToken(committed, page.token)) {
    page.logger.info("page already committed; skipped", {
      connector: page.connector,
      scope: page.scope,
      token: committed,
    });
    return 0;
  }
  const written = page.rows > 0 ? await page.write() : 0;
  await page.save();
  return written;
}
