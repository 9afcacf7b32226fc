import { z } from "faucet-core";

/** A concrete codec. */
export type Compression = "none" | "gzip" | "zstd";

/** What a config may say: a codec, or `auto` to pick one from the file's suffix. */
export type CompressionChoice = Compression | "auto";

/**
 * The `compression` config field shared by every file connector, in the Rust faucet-stream
 * spelling: `auto` (default: `.gz` → gzip, `.zst`/`.zstd` → zstd, anything else none), `none`,
 * `gzip`, `zstd`.
 */
export const compressionField = z
  .enum(["auto", "none", "gzip", "zstd"])
  .default("auto")
  .describe(
    "Compression codec: `auto` picks it from the file suffix (`.gz` gzip, `.zst` zstd), or `none`, `gzip`, `zstd`",
  );

/**
 * The codec for `path`: the configured one, or for `auto` the one its suffix names.
 *
 * @example
 * detectCompression("events.jsonl.gz"); // "gzip"
 * detectCompression("events.jsonl", "zstd"); // "zstd"
 */
export function detectCompression(path: string, choice: CompressionChoice = "auto"): Compression {
  if (choice !== "auto") return choice;
  const lower = path.toLowerCase();
  if (lower.endsWith(".gz") || lower.endsWith(".gzip")) return "gzip";
  if (lower.endsWith(".zst") || lower.endsWith(".zstd")) return "zstd";
  return "none";
}
