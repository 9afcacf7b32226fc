// The benchmark dataset, byte-identical to the Rust faucet-stream's (its generator is a Python
// script driving `random.Random(seed)`): seven columns, CRLF line ends, minimal quoting. The
// order of draws per row is part of the format; changing it changes every byte after row 1.
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { pythonRepr, pythonRound } from "./python-float.js";
import { PythonRandom } from "./python-random.js";

/** The CSV header line's column names, in order. */
export const DATASET_COLUMNS = ["id", "first_name", "country", "amount", "created_at", "active", "attributes"] as const;

const TIERS = ["free", "pro", "enterprise"] as const;
const TAGS = ["alpha", "beta", "gamma", "delta", "epsilon"] as const;
const FIRST_NAMES = [
  "Ada",
  "Bo",
  "Chen",
  "Dinesh",
  "Eve",
  "Farah",
  "Gus",
  "Hana",
  "Ivan",
  "Juno",
  "Kato",
  "Lena",
  "Mira",
  "Nils",
  "Omar",
  "Priya",
] as const;
const COUNTRIES = ["US", "GB", "DE", "IN", "JP", "BR", "NG", "CA", "AU", "FR"] as const;
const START_SECONDS = Date.UTC(2020, 0, 1) / 1000;
const CHUNK_BYTES = 1024 * 1024;
/** The tag names as they appear inside the quoted `attributes` field: `""beta""`. */
const QUOTED_TAGS = TAGS.map((tag) => `""${tag}""`);

/** What to generate: `rows` data rows from `random.Random(seed)`. */
export interface DatasetOptions {
  rows: number;
  seed: number;
}

/**
 * The dataset as chunks of about 1 MiB of bytes (whole rows, the header first), so a caller can
 * write or hash any size with bounded memory. Each chunk is a fresh buffer the caller may keep.
 *
 * @example
 * for (const chunk of datasetChunks({ rows: 10, seed: 42 })) process.stdout.write(chunk);
 */
export function* datasetChunks(options: DatasetOptions): Generator<Buffer> {
  const rng = new PythonRandom(options.seed);
  const clock = new TimestampFormatter();
  const pool: string[] = [...QUOTED_TAGS];
  let seconds = 0;
  // Every row is ASCII, so characters are bytes; rows go straight into a buffer, which keeps
  // the garbage collector out of the way (concatenating megabytes of strings costs ~4x more).
  let chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let used = chunk.write(`${DATASET_COLUMNS.join(",")}\r\n`, 0, "latin1");
  for (let id = 1; id <= options.rows; id++) {
    seconds += 1 + rng.below(90);
    const tier = TIERS[rng.below(3)]!;
    const score = pythonRound(100 * rng.random(), 3);
    const tagCount = 1 + rng.below(3);
    for (let j = 0; j < QUOTED_TAGS.length; j++) pool[j] = QUOTED_TAGS[j]!;
    let tags = "";
    for (let j = 0; j < tagCount; j++) {
      const x = rng.below(5 - j);
      tags += j === 0 ? pool[x] : `,${pool[x]}`;
      pool[x] = pool[4 - j]!;
    }
    const firstName = FIRST_NAMES[rng.below(16)]!;
    const country = COUNTRIES[rng.below(10)]!;
    const amount = pythonRound(1 + 9999 * rng.random(), 2);
    const active = rng.random() < 0.5;
    // `attributes` is compact JSON, which always holds `,` and `"`, so minimal quoting always
    // quotes it and doubles its quotes: it is built here already in that form (see csvField).
    const row =
      `${id},${firstName},${country},${pythonRepr(amount)},${clock.format(START_SECONDS + seconds)},` +
      `${active ? "true" : "false"},"{""tier"":""${tier}"",""score"":${pythonRepr(score)},""tags"":[${tags}]}"\r\n`;
    if (used + row.length > CHUNK_BYTES) {
      yield chunk.subarray(0, used);
      chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, row.length));
      used = 0;
    }
    used += chunk.write(row, used, "latin1");
  }
  if (used > 0) yield chunk.subarray(0, used);
}

/**
 * Writes the dataset to `path` (creating its directory) and returns the number of bytes written.
 *
 * @example
 * writeDataset("bench/data/bench-1000000-42.csv", { rows: 1_000_000, seed: 42 });
 */
export function writeDataset(path: string, options: DatasetOptions): number {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, "w");
  let bytes = 0;
  try {
    for (const chunk of datasetChunks(options)) {
      let offset = 0;
      while (offset < chunk.length) offset += writeSync(fd, chunk, offset);
      bytes += chunk.length;
    }
  } finally {
    closeSync(fd);
  }
  return bytes;
}

/** Python's csv.QUOTE_MINIMAL: quote a field holding the delimiter, a quote or a line break. */
export function csvField(value: string): string {
  if (!/[",\r\n]/.test(value)) return value;
  return `"${value.replaceAll('"', '""')}"`;
}

/** `YYYY-MM-DDTHH:MM:SSZ` for Unix seconds, formatting the date part once per day. */
class TimestampFormatter {
  private day = Number.NaN;
  private datePrefix = "";

  format(unixSeconds: number): string {
    const day = Math.floor(unixSeconds / 86400);
    if (day !== this.day) {
      this.day = day;
      this.datePrefix = new Date(day * 86400_000).toISOString().slice(0, 11);
    }
    const inDay = unixSeconds - day * 86400;
    const hours = Math.floor(inDay / 3600);
    const minutes = Math.floor((inDay % 3600) / 60);
    return `${this.datePrefix}${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[inDay % 60]}Z`;
  }
}

const TWO_DIGITS = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, "0"));
