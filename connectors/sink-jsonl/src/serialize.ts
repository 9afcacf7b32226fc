import { FaucetError, type Value } from "faucet-core";

/**
 * Serializes a page as JSON Lines into one flat string: each record through V8's native
 * `JSON.stringify`, joined once. (Measured against a serializer compiled per record shape and
 * against string concatenation: once the page is encoded to bytes, this is the fastest, because
 * joining builds one flat string instead of a rope that must be flattened.)
 *
 * @example
 * serializePage([{ id: 1 }, { id: 2 }]); // '{"id":1}\n{"id":2}\n'
 */
export function serializePage(records: readonly Value[], pretty = false, connector = "sink-jsonl"): string {
  const lines: string[] = new Array(records.length + 1);
  const indent = pretty ? 2 : undefined;
  let i = 0;
  try {
    for (; i < records.length; i++) {
      // JSON.stringify(undefined) is undefined; a record still takes one line.
      lines[i] = JSON.stringify(records[i], null, indent) ?? "null";
    }
  } catch (error) {
    throw new FaucetError("sink", `record ${i} of the page cannot be written as JSON: ${(error as Error).message}`, {
      cause: error,
      connector,
      hint: "records must be JSON values; convert BigInt and cyclic values before the sink",
    });
  }
  lines[records.length] = "";
  return lines.join("\n");
}
