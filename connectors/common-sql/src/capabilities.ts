import type { SinkCapabilities, WriteMode } from "faucet-core";
import { WRITE_MODES } from "./config.js";

/**
 * The capabilities of a SQL sink that offers every write mode and writes each page in one
 * transaction: a failed page writes nothing, keyed modes are replay-safe, upsert dedups by key,
 * and the commit token is written with the page except under overwrite (whose rows live in a
 * staging table until the run ends: a token committed beside them would outlive them if the run
 * died). Schema evolution needs `auto_map` (no JSON column).
 *
 * @example
 * capabilities() { return transactionalSinkCapabilities(this.config, this.#jsonColumn); }
 */
export function transactionalSinkCapabilities(
  config: { write_mode: WriteMode; key: readonly string[] },
  jsonColumn: string | undefined,
): SinkCapabilities {
  const mode = config.write_mode;
  return {
    writeModes: [...WRITE_MODES],
    replaySafeWrites: mode === "upsert" || mode === "delete",
    atomicWatermark: mode !== "overwrite",
    dedupsByKey: mode === "upsert" && config.key.length > 0,
    schemaEvolution: jsonColumn === undefined,
    atomicBatches: true,
  };
}
