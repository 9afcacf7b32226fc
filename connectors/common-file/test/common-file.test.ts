// faucet-common-file: globs, compression, UTF-8 checking, writers.
import { execFileSync } from "node:child_process";
import { createReadStream, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import {
  compressPage,
  detectCompression,
  expandPaths,
  FileWriter,
  firstInvalid,
  OutputFile,
  readChunks,
  resolvePath,
  Utf8Checker,
} from "faucet-common-file";
import { FaucetError } from "faucet-core";
import { describe, expect, test } from "vitest";
import { scratchDir } from "./helpers.js";

const { dir } = scratchDir("faucet-common-file-");

async function readAll(path: string, compression: "none" | "gzip" | "zstd", chunkSize?: number): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of readChunks(path, { compression, connector: "test", ...(chunkSize ? { chunkSize } : {}) }))
    parts.push(Buffer.from(c));
  return Buffer.concat(parts).toString();
}

describe("paths", () => {
  for (const name of ["b.csv", "a.csv", "sub/c.csv", "sub/deep/d.csv", ".hidden.csv", "x.txt", "sub/e.CSV"]) {
    mkdirSync(join(dir, "tree", name, ".."), { recursive: true });
    writeFileSync(join(dir, "tree", name), name);
  }

  test("a glob matches regular files in sorted order; * skips dotfiles; ** descends", async () => {
    const rel = (paths: string[]) => paths.map((p) => p.slice(join(dir, "tree").length + 1));
    expect(rel(await expandPaths("tree/*.csv", { baseDir: dir, connector: "t" }))).toEqual(["a.csv", "b.csv"]);
    expect(rel(await expandPaths("tree/**/*.csv", { baseDir: dir, connector: "t" }))).toEqual([
      "a.csv",
      "b.csv",
      "sub/c.csv",
      "sub/deep/d.csv",
    ]);
    expect(rel(await expandPaths("tree/{a,x}.*", { baseDir: dir, connector: "t" }))).toEqual(["a.csv", "x.txt"]);
    expect(rel(await expandPaths("tree/[ab].csv", { baseDir: dir, connector: "t" }))).toEqual(["a.csv", "b.csv"]);
    expect(rel(await expandPaths("tree/?.csv", { baseDir: dir, connector: "t" }))).toEqual(["a.csv", "b.csv"]);
    expect(rel(await expandPaths("tree/.*.csv", { baseDir: dir, connector: "t" }))).toEqual([".hidden.csv"]);
  });

  test("a file named like a glob is read as it is", async () => {
    mkdirSync(join(dir, "literal"), { recursive: true });
    writeFileSync(join(dir, "literal", "report[1].csv"), "x");
    expect(await expandPaths("literal/report[1].csv", { baseDir: dir, connector: "t" })).toEqual([
      join(dir, "literal", "report[1].csv"),
    ]);
  });

  test("plain paths, missing files, directories and globs that match nothing", async () => {
    expect(await expandPaths(join(dir, "tree", "a.csv"), { connector: "t" })).toEqual([join(dir, "tree", "a.csv")]);
    await expect(expandPaths("tree/none.csv", { baseDir: dir, connector: "t" })).rejects.toThrow(
      /none\.csv: it does not exist/,
    );
    await expect(expandPaths("tree", { baseDir: dir, connector: "t" })).rejects.toThrow(/is a directory, not a file/);
    await expect(expandPaths("tree/*.parquet", { baseDir: dir, connector: "t" })).rejects.toThrow(/no file matches/);
    await expect(expandPaths(" ", { connector: "t" })).rejects.toBeInstanceOf(FaucetError);
  });

  test("relative paths resolve against the base directory", () => {
    expect(resolvePath("a/b.csv", "/base")).toBe("/base/a/b.csv");
    expect(resolvePath("/abs.csv", "/base")).toBe("/abs.csv");
  });
});

describe("compression", () => {
  const text = `${"line of text, Zoë\n".repeat(20_000)}end\n`;

  test("detected from the suffix unless set", () => {
    expect(detectCompression("a.csv.gz")).toBe("gzip");
    expect(detectCompression("a.jsonl.ZST")).toBe("zstd");
    expect(detectCompression("a.csv")).toBe("none");
    expect(detectCompression("a.csv", "gzip")).toBe("gzip");
  });

  test("gzip and zstd files decode in streams, also when written as many members or frames", async () => {
    const gz = join(dir, "t.gz");
    writeFileSync(gz, Buffer.concat([gzipSync(text.slice(0, 1000)), gzipSync(text.slice(1000))]));
    expect(await readAll(gz, "gzip", 4096)).toBe(text);
    const zst = join(dir, "t.zst");
    writeFileSync(
      zst,
      Buffer.concat([
        await compressPage(Buffer.from(text.slice(0, 1000)), "zstd"),
        await compressPage(Buffer.from(text.slice(1000)), "zstd"),
      ]),
    );
    expect(await readAll(zst, "zstd", 4096)).toBe(text);
  });

  test("files written by the zstd and gzip command-line tools read back", async () => {
    const plain = join(dir, "cli.txt");
    writeFileSync(plain, text);
    for (const [tool, args, suffix, codec] of [
      ["zstd", ["-q", "-f", "-k"], ".zst", "zstd"],
      ["gzip", ["-f", "-k"], ".gz", "gzip"],
    ] as const) {
      try {
        execFileSync(tool, [...args, plain]);
      } catch {
        continue; // the tool is not installed here
      }
      expect(await readAll(plain + suffix, codec)).toBe(text);
    }
  });

  test("a file that is not what its suffix says, and a truncated one, are clear errors", async () => {
    const fake = join(dir, "fake.gz");
    writeFileSync(fake, "not gzip at all");
    await expect(readAll(fake, "gzip")).rejects.toThrow(/fake\.gz: it is not valid gzip data/);
    // Random bytes barely compress, so cutting the file really loses data.
    const noise = Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 7919 + ((i * i) % 251)) & 0xff));
    const cut = join(dir, "cut.gz");
    writeFileSync(cut, gzipSync(noise).subarray(0, 5_000));
    await expect(readAll(cut, "gzip")).rejects.toThrow(/cut\.gz: the gzip data is truncated/);
    const zcut = join(dir, "cut.zst");
    writeFileSync(zcut, (await compressPage(noise, "zstd")).subarray(0, 5_000));
    await expect(readAll(zcut, "zstd")).rejects.toThrow(/cut\.zst/);
  });
});

describe("UTF-8", () => {
  test("valid text split at every byte passes; the first invalid byte is found at every split", () => {
    const good = Buffer.from("aé€😀z".repeat(3));
    const bad = Buffer.concat([good, Buffer.from([0xe2, 0x28, 0xa1]), good]);
    for (let size = 1; size <= 6; size++) {
      const ok = new Utf8Checker();
      for (let i = 0; i < good.length; i += size) expect(ok.push(good.subarray(i, i + size))).toBe(-1);
      expect(ok.end()).toBe(-1);
      const check = new Utf8Checker();
      let found = -1;
      for (let i = 0; i < bad.length && found === -1; i += size) found = check.push(bad.subarray(i, i + size));
      expect(found, `chunk size ${size}`).toBe(good.length);
    }
  });

  test("overlongs, surrogates and truncated characters are invalid", () => {
    expect(firstInvalid(Buffer.from([0x41, 0xc0, 0x80]), false)).toBe(1);
    expect(firstInvalid(Buffer.from([0xed, 0xa0, 0x80]), false)).toBe(0);
    expect(firstInvalid(Buffer.from([0xf4, 0x90, 0x80, 0x80]), false)).toBe(0);
    expect(firstInvalid(Buffer.from([0x41, 0xe2, 0x82]), false)).toBe(1);
    expect(firstInvalid(Buffer.from([0x41, 0xe2, 0x82]), true)).toBe(-1);
    const cut = new Utf8Checker();
    expect(cut.push(Buffer.from([0x41, 0xe2]))).toBe(-1);
    expect(cut.end()).toBe(1);
  });
});

describe("writers", () => {
  test("FileWriter creates parents, appends after trimming a torn line, writes compressed pages", async () => {
    const path = join(dir, "w", "deep", "a.txt");
    const w = await FileWriter.open(path, { connector: "t", append: false, compression: "none" });
    await w.write("one\ntwo\nthr");
    await w.close();
    const again = await FileWriter.open(path, { connector: "t", append: true, compression: "none" });
    expect(again.trimmedBytes).toBe(3);
    expect(again.initialSize).toBe(8);
    await again.write("three\n");
    await again.sync();
    await again.close();
    await again.close();
    expect(readFileSync(path, "utf8")).toBe("one\ntwo\nthree\n");
  });

  test("OutputFile truncates on the first write, appends when resumed, leaves an empty file after an empty run", async () => {
    const path = join(dir, "out.txt");
    writeFileSync(path, "old\n");
    const fresh = new OutputFile(path, { connector: "t", append: false, compression: "none" });
    expect(readFileSync(path, "utf8")).toBe("old\n");
    await fresh.write("new\n");
    await fresh.close();
    expect(readFileSync(path, "utf8")).toBe("new\n");
    const resumed = new OutputFile(path, { connector: "t", append: false, compression: "none" });
    resumed.resume();
    await resumed.write("more\n");
    await resumed.close();
    expect(readFileSync(path, "utf8")).toBe("new\nmore\n");
    const empty = new OutputFile(path, { connector: "t", append: false, compression: "none" });
    await empty.finish();
    await empty.close();
    expect(readFileSync(path, "utf8")).toBe("");
  });

  test("FileWriter starts an fdatasync in the background every writebackBytes; its failure fails every later write and sync", async () => {
    const path = join(dir, "writeback.txt");
    const probe = await open(path, "w");
    const proto = Object.getPrototypeOf(probe) as FileHandle;
    await probe.close();
    const original = proto.datasync;
    let calls = 0;
    let failNext = false;
    proto.datasync = async () => {
      calls++;
      if (failNext) {
        failNext = false;
        throw Object.assign(new Error("EIO: i/o error, fdatasync"), { code: "EIO" });
      }
      // Done at once, so the test does not wait on the disk.
    };
    try {
      const w = await FileWriter.open(path, { connector: "t", append: false, compression: "none", writebackBytes: 64 });
      const line = `${"x".repeat(99)}\n`;
      for (let i = 0; i < 10; i++) {
        await w.write(line);
        await new Promise((resolve) => setImmediate(resolve)); // let a background sync finish
      }
      expect(calls).toBeGreaterThanOrEqual(5);
      failNext = true;
      await w.write(line); // starts the failing background sync
      await new Promise((resolve) => setImmediate(resolve));
      const failed = await w.write(line).catch((error: unknown) => error);
      expect(FaucetError.is(failed, "sink")).toBe(true);
      expect((failed as FaucetError).message).toContain(path);
      // The kernel reports a failed writeback once: a later sync must not pass over lost pages.
      expect(FaucetError.is(await w.write(line).catch((error: unknown) => error), "sink")).toBe(true);
      expect(FaucetError.is(await w.sync().catch((error: unknown) => error), "sink")).toBe(true);
      await w.close();
      // The pages refused after the failed sync are not written; the rest are, whole.
      expect(readFileSync(path, "utf8")).toBe(line.repeat(11));
      const quiet = await FileWriter.open(path, {
        connector: "t",
        append: false,
        compression: "none",
        writebackBytes: 0,
      });
      const before = calls;
      for (let i = 0; i < 10; i++) await quiet.write(line);
      expect(calls).toBe(before);
      await quiet.close();
    } finally {
      proto.datasync = original;
    }
  });

  test("a FIFO is written asynchronously, so a reader in the same process is not blocked", async () => {
    const fifo = join(dir, "pipe.fifo");
    execFileSync("mkfifo", [fifo]);
    const received: Buffer[] = [];
    const reading = new Promise<void>((resolve, reject) => {
      const stream = createReadStream(fifo);
      stream.on("data", (chunk) => received.push(chunk as Buffer));
      stream.on("end", resolve);
      stream.on("error", reject);
    });
    const w = await FileWriter.open(fifo, { connector: "t", append: false, compression: "none" });
    const page = Buffer.alloc(1 << 20, 97); // far beyond a pipe's 64 KiB buffer
    await w.write(page);
    await w.write(page);
    await w.sync();
    await w.close();
    await reading;
    expect(Buffer.concat(received).length).toBe(2 << 20);
  });

  test("writing to /dev/null works (not a regular file)", async () => {
    const devnull = new OutputFile("/dev/null", { connector: "t", append: false, compression: "none" });
    await devnull.write("x\n");
    await devnull.sync();
    await devnull.close();
  });
});
