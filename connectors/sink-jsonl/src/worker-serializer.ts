/**
 * The worker side of the JSONL sink's parallel pages: the same compiled page encoder the sink
 * uses, run on a faucet-core worker thread. Loaded by URL; it imports nothing that loads zod.
 */
import type { PageSerializer } from "faucet-core";
import { PageEncoder } from "./serialize.js";

/** What the sink's `serializer()` passes: the `pretty` setting. */
export interface JsonlSerializerOptions {
  pretty: boolean;
}

/** Called by the worker once per run (see `PageSerializerFactory` in faucet-core). */
export function createPageSerializer(options: JsonlSerializerOptions): PageSerializer {
  const encoder = new PageEncoder("sink-jsonl");
  return (records) => encoder.encode(records, options.pretty);
}
