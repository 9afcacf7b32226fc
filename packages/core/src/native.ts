import type { DeliveryReport } from "./delivery.js";
import type { PipelineOptions } from "./pipeline.js";
import type { Sink } from "./sink.js";
import type { Source } from "./source.js";
import type { Value } from "./value.js";

/** One column of a native page, as the source's system names it. */
export interface NativeColumn {
  name: string;
  /** The source system's type, with its modifier: e.g. `numeric(38,10)`, `timestamp with time zone`. */
  type: string;
}

/**
 * How a source's pages are encoded when it hands them over as bytes (docs/concepts.md, "Native
 * pass-through"): an encoding a sink of the same family may write as it is, without decoding a
 * single value.
 */
export interface NativeFormat {
  /** The encoding, e.g. `postgres/copy-text`. A sink accepts only encodings it knows. */
  encoding: string;
  /** Each row's columns, in order. */
  columns: readonly NativeColumn[];
}

/** One page in a source's native encoding: whole rows only. */
export interface NativePage {
  bytes: Uint8Array;
  /** Rows in `bytes`. */
  count: number;
  /** Where a later run resumes after this page, when the source bookmarks. */
  bookmark?: Value;
}

/**
 * Whether a run may hand the source's native pages to the sink, or why not (logged at debug
 * level). Native pages carry no records, so everything that needs the records themselves rules
 * them out: transforms, a dead-letter sink, poison isolation, schema drift handling and a record
 * limit; exactly-once (watermarked) writes need a sink that writes a native page and its token
 * together. Source and sink still have their say later:
 * `nativeFormat` may find nothing to offer and `acceptNative` may decline.
 */
export function planNative(
  options: Readonly<PipelineOptions>,
  source: Source,
  sink: Sink,
  delivery: DeliveryReport,
): true | string {
  if (options.native === false) return "native: false";
  if (!source.nativeFormat || !source.nativePages) return "the source has no native encoding";
  if (!sink.acceptNative || !sink.writeNative) return "the sink takes no native pages";
  if ((options.transforms?.length ?? 0) > 0 || (options.transformSpecs?.length ?? 0) > 0) {
    return "transforms need the records";
  }
  if (options.deadLetter) return "a dead-letter sink needs the records";
  if (options.poison) return "poison isolation needs the records";
  if (options.schemaDrift && options.schemaDrift !== "ignore") return "schema drift handling needs the records";
  if (options.limit !== undefined) return "a record limit cuts pages by record";
  if (delivery.mechanism === "atomic_watermark" && !sink.writeNativeIdempotent) {
    return "exactly-once writes need the sink's writeNativeIdempotent";
  }
  return true;
}
