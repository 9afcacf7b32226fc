import { decompressLz4Raw } from "hyparquet-compressors";
import { describe, expect, it } from "vitest";
import { lz4Compress } from "../src/lz4.js";

function roundTrip(input: Uint8Array): Uint8Array {
  const compressed = lz4Compress(input);
  return decompressLz4Raw(compressed, input.length);
}

describe("LZ4 block compression", () => {
  it("round-trips through an independent LZ4 decoder at every awkward size", () => {
    let seed = 7;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 24;
    };
    for (const size of [1, 4, 5, 12, 13, 16, 100, 255, 256, 270, 4096, 70_000, 300_000]) {
      const noise = Uint8Array.from({ length: size }, random);
      const repeats = Uint8Array.from({ length: size }, (_, i) => (i % 7) * 3);
      const runs = new Uint8Array(size).fill(42);
      for (const input of [noise, repeats, runs]) expect(roundTrip(input)).toEqual(input);
    }
  });

  it("an empty block is the single empty token the format defines", () => {
    expect(lz4Compress(new Uint8Array(0))).toEqual(new Uint8Array([0]));
  });

  it("compresses repetitive data", () => {
    const text = new TextEncoder().encode("faucet parquet ".repeat(10_000));
    expect(lz4Compress(text).length).toBeLessThan(text.length / 20);
  });
});
