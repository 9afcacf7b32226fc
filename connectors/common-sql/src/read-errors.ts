import { FaucetError, type Logger } from "faucet-core";
import { LossyNumberError } from "./exact-json.js";

/** A value a source could not turn into JSON, with the column it stood in. */
export class CellError extends Error {
  override readonly name = "CellError";
  readonly column: string;

  constructor(column: string, cause: unknown) {
    super(`column "${column}": ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.column = column;
  }
}

/**
 * A failure to decode what a source read as the FaucetError it reports, or undefined when
 * `error` is no decoding failure (the caller maps it as a query error): a FaucetError as it
 * is, a JSON number a double cannot hold (alone or in a {@link CellError}) with the
 * `json_big_numbers` hint, any other {@link CellError} as `could not decode …`.
 *
 * @example
 * catch (error) { throw decodeFailure(error, "source-mysql") ?? queryError(error, "source", "source-mysql", "reading the query failed"); }
 */
export function decodeFailure(error: unknown, connector: string): FaucetError | undefined {
  if (FaucetError.is(error)) return error;
  if (error instanceof LossyNumberError || (error instanceof CellError && error.cause instanceof LossyNumberError)) {
    return new FaucetError("source", `${error.message} (read as a double it would change)`, {
      connector,
      cause: error,
      hint: "set json_big_numbers: string to read such numbers as strings of their exact digits",
    });
  }
  if (error instanceof CellError) {
    return new FaucetError("source", `could not decode ${error.message}`, { connector, cause: error });
  }
  return undefined;
}

/**
 * The `config` error of a replication key that is not a column of the query's result.
 *
 * @example
 * if (!columns.includes(key)) throw missingKeyError(key, "source-duckdb");
 */
export function missingKeyError(key: string, connector: string): FaucetError {
  return new FaucetError("config", `replication_key \`${key}\` is not a column of the query's result`, {
    connector,
    hint: "name an output column of the query (check its spelling and case)",
  });
}

/**
 * The `onBigNumber` callback of a source with `json_big_numbers: string`: a warning for each JSON
 * number read as a string, or only the first with `once`.
 *
 * @example
 * readerFor(type, { jsonBigNumbers: "string", onBigNumber: bigNumberWarning(logger, "source-duckdb") });
 */
export function bigNumberWarning(logger: Logger, connector: string, once = false): (token: string) => void {
  let warned = false;
  return (token) => {
    if (once && warned) return;
    warned = true;
    logger.warn("a JSON number a double cannot hold was read as a string (json_big_numbers: string)", {
      connector,
      number: token.slice(0, 40),
    });
  };
}
