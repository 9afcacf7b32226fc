import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fetchAll, Pipeline, silentLogger, type Value, type ValueObject } from "faucet-core";
import { definition, ParquetSink } from "faucet-sink-parquet";
import { ParquetSource } from "faucet-source-parquet";
import { describe, expect, it } from "vitest";
import { faucetError, fixture } from "../../source-parquet/test/helpers.js";

const { dir, sql } = fixture();
let counter = 0;
/** A fresh folder per test. */
function folder(): string {
  const path = join(dir(), `t${counter++}`);
  mkdirSync(path, { recursive: true });
  return path;
}

async function write(sink: ParquetSink, ...pages: Value[][]): Promise<string[]> {
  for (const page of pages) await sink.writeBatch(page);
  await sink.close();
  return sink.files;
}

const visible = (path: string) => readdirSync(path).sort();

async function schemaOf(file: string): Promise<Record<string, string>> {
  const rows = (await sql(`DESCRIBE SELECT * FROM '${file}'`)) as { column_name: string; column_type: string }[];
  return Object.fromEntries(rows.map((r) => [r.column_name, r.column_type]));
}

async function rowGroups(file: string): Promise<number[]> {
  const rows = (await sql(
    `SELECT row_group_id, any_value(row_group_num_rows) AS n FROM parquet_metadata('${file}') GROUP BY 1 ORDER BY 1`,
  )) as { n: string }[];
  return rows.map((r) => Number(r.n));
}

function record(i: number): ValueObject {
  return {
    id: i,
    amount: i + 0.25,
    name: `n-${i}`,
    uni: 'üñí€😀 "quoted" \n newline',
    active: i % 2 === 0,
    tags: [i, "x", null],
    meta: { k: i, nested: { z: null, big: "12345678901234567890" } },
    maybe: i % 3 === 0 ? null : i,
    big: 2 ** 60 + i * 1024,
    negative: -(2 ** 53) - i * 2,
  };
}

describe("files we write are read back by DuckDB with the same values", () => {
  for (const compression of ["snappy", "zstd", "gzip", "brotli", "lz4", "uncompressed"] as const) {
    it(`${compression}`, async () => {
      const path = join(folder(), "out.parquet");
      const records = Array.from({ length: 300 }, (_, i) => record(i));
      await write(
        new ParquetSink({ path, compression, row_group_size: 128 }),
        records.slice(0, 100),
        records.slice(100),
      );

      const [meta] = (await sql(`SELECT DISTINCT compression FROM parquet_metadata('${path}')`)) as {
        compression: string;
      }[];
      expect(meta?.compression.toLowerCase()).toBe(compression === "lz4" ? "lz4_raw" : compression);
      expect(await rowGroups(path)).toEqual([128, 128, 44]);
      expect(await schemaOf(path)).toEqual({
        id: "BIGINT",
        amount: "DOUBLE",
        name: "VARCHAR",
        uni: "VARCHAR",
        active: "BOOLEAN",
        tags: "JSON",
        meta: "JSON",
        maybe: "BIGINT",
        big: "BIGINT",
        negative: "BIGINT",
      });
      const theirs = await sql(`SELECT id::VARCHAR AS id, amount, name, uni, active, tags::VARCHAR AS tags,
        meta::VARCHAR AS meta, maybe::VARCHAR AS maybe, big::VARCHAR AS big, negative::VARCHAR AS negative FROM '${path}'`);
      const str = (v: Value) => (v === null ? null : typeof v === "object" ? JSON.stringify(v) : String(v));
      expect(theirs).toEqual(
        records.map((r) => ({
          ...r,
          id: str(r.id as Value),
          tags: str(r.tags as Value),
          meta: str(r.meta as Value),
          maybe: str(r.maybe as Value),
          big: BigInt(r.big as number).toString(),
          negative: BigInt(r.negative as number).toString(),
        })),
      );
    });
  }

  it("round-trips through faucet-source-parquet unchanged", async () => {
    const path = join(folder(), "out.parquet");
    const records = Array.from({ length: 50 }, (_, i) => record(i)).map((r) => ({
      ...r,
      big: 1000 + (r.id as number), // INT64 within ±2^53 reads back as a number
      negative: -5,
    }));
    await write(new ParquetSink({ path, compression: "zstd" }), records);
    expect(await fetchAll(new ParquetSource({ path }))).toEqual(records);
  });

  it("a Pipeline copies Parquet to Parquet", async () => {
    const from = join(folder(), "in.parquet");
    const records = Array.from({ length: 1000 }, (_, i) => ({ id: i, name: `n${i}`, score: i / 8 }));
    await write(new ParquetSink({ path: from }), records);
    const to = join(folder(), "copy-{part}.parquet");
    const result = await new Pipeline(
      new ParquetSource({ path: from, batch_size: 128 }),
      new ParquetSink({ path: to, max_rows_per_file: 400 }),
    ).run();
    expect(result.recordsWritten).toBe(1000);
    expect(await fetchAll(new ParquetSource({ path: to.replace("{part}", "*") }))).toEqual(records);
  });
});

describe("row groups and rollover", () => {
  it("buffers at most one row group: nothing reaches disk before it fills, each full one is written at once", async () => {
    const path = folder();
    const sink = new ParquetSink({ path: join(path, "out.parquet"), row_group_size: 1000 });
    const rows = Array.from({ length: 2500 }, (_, i) => ({ id: i }));
    await sink.writeBatch(rows.slice(0, 999));
    expect(visible(path)).toEqual([]);
    await sink.writeBatch(rows.slice(999, 1000));
    expect(visible(path)).toEqual([".out.parquet.inprogress"]);
    const afterOne = statSync(join(path, ".out.parquet.inprogress")).size;
    expect(afterOne).toBeGreaterThan(1000);
    await sink.writeBatch(rows.slice(1000, 2500));
    expect(statSync(join(path, ".out.parquet.inprogress")).size).toBeGreaterThan(afterOne);
    await sink.close();
    expect(visible(path)).toEqual(["out.parquet"]);
    expect(await rowGroups(join(path, "out.parquet"))).toEqual([1000, 1000, 500]);
  });

  it("max_rows_per_file rolls over exactly into {part} files", async () => {
    const path = folder();
    const rows = Array.from({ length: 2500 }, (_, i) => ({ id: i }));
    const files = await write(
      new ParquetSink({ path: join(path, "events-{part}.parquet"), max_rows_per_file: 1000, row_group_size: 300 }),
      rows.slice(0, 700),
      rows.slice(700),
    );
    expect(visible(path)).toEqual(["events-00000.parquet", "events-00001.parquet", "events-00002.parquet"]);
    expect(files).toEqual(visible(path).map((f) => join(path, f)));
    const counts =
      await sql(`SELECT filename, count(*)::INTEGER AS n FROM read_parquet('${path}/*.parquet', filename = true)
      GROUP BY 1 ORDER BY 1`);
    expect(counts.map((r) => (r as { n: number }).n)).toEqual([1000, 1000, 500]);
    expect(await fetchAll(new ParquetSource({ path: join(path, "*.parquet") }))).toEqual(rows);
  });

  it("max_bytes_per_file keeps every part near the limit and loses no row", async () => {
    const path = folder();
    const rows = Array.from({ length: 6000 }, (_, i) => ({
      id: i,
      text: `${i}-${"abcdefghij".repeat(10)}-${i * 7919}`,
    }));
    const pages = Array.from({ length: 30 }, (_, p) => rows.slice(p * 200, p * 200 + 200));
    await write(new ParquetSink({ path: join(path, "p-{part}.parquet"), max_bytes_per_file: 100_000 }), ...pages);
    const files = visible(path);
    expect(files.length).toBeGreaterThan(2);
    for (const file of files) expect(statSync(join(path, file)).size).toBeLessThan(100_000);
    expect(await fetchAll(new ParquetSource({ path: join(path, "*.parquet") }))).toEqual(rows);
  });

  it("a single-file path grows -NNNNN suffixed parts when it must roll over", async () => {
    const path = folder();
    const rows = Array.from({ length: 5 }, (_, i) => ({ id: i }));
    await write(new ParquetSink({ path: join(path, "out.parquet"), max_rows_per_file: 2 }), rows);
    expect(visible(path)).toEqual(["out-00001.parquet", "out-00002.parquet", "out.parquet"]);
  });

  it("a folder path (Rust destination block) writes run-named, ordered parts", async () => {
    const path = folder();
    const rows = Array.from({ length: 5 }, (_, i) => ({ id: i }));
    await write(new ParquetSink({ destination: { type: "local_path", path }, max_rows_per_file: 2 }), rows);
    const files = visible(path);
    expect(files).toHaveLength(3);
    for (const file of files) expect(file).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{8}-0000[0-2]\.parquet$/);
    expect(await fetchAll(new ParquetSource({ path: join(path, "*.parquet") }))).toEqual(rows);
  });

  it("flush() publishes the part; the next page starts a new one", async () => {
    const path = folder();
    const sink = new ParquetSink({ path: join(path, "f-{part}.parquet") });
    await sink.writeBatch([{ id: 1 }]);
    await sink.flush();
    expect(visible(path)).toEqual(["f-00000.parquet"]);
    await sink.flush(); // nothing buffered: no empty part
    await sink.writeBatch([{ id: 2 }]);
    await sink.close();
    await sink.close(); // idempotent
    expect(visible(path)).toEqual(["f-00000.parquet", "f-00001.parquet"]);
    const error = await faucetError(() => sink.writeBatch([{ id: 3 }]));
    expect(error.kind).toBe("sink");
  });

  it("an empty run writes no file", async () => {
    const path = folder();
    await write(new ParquetSink({ path: join(path, "out.parquet") }), []);
    expect(visible(path)).toEqual([]);
  });
});

describe("schema inference", () => {
  it("widens within a row group: integer → double, anything mixed → string", async () => {
    const path = join(folder(), "w.parquet");
    await write(new ParquetSink({ path }), [
      { n: 1, s: 1, b: true, j: { a: 1 }, z: null },
      { n: 2.5, s: "two", b: 3, j: "text", z: null },
    ]);
    expect(await schemaOf(path)).toEqual({ n: "DOUBLE", s: "VARCHAR", b: "VARCHAR", j: "VARCHAR", z: "VARCHAR" });
    expect(await fetchAll(new ParquetSource({ path }))).toEqual([
      { n: 1, s: "1", b: "true", j: '{"a":1}', z: null },
      { n: 2.5, s: "two", b: "3", j: "text", z: null },
    ]);
  });

  it("a wider type or a new column after the schema is fixed starts a new part; nothing is dropped", async () => {
    const path = folder();
    const pages: Value[][] = [
      [{ a: 1 }, { a: 2 }], // a row group is written: part 0 is fixed with a BIGINT
      [{ a: 2.5 }], // does not fit: part 1, with a widened to DOUBLE
      [{ a: 3 }], // fits; part 1's row group is written and fixed
      [{ a: 4, late: "new" }], // a new column: part 2
      [{ a: 5, later: true }], // part 2 is not fixed yet (one row buffered): `later` joins it
      [{ a: 6, never: null }], // only a null in an unknown column: fits, nothing to keep
    ];
    const files = await write(new ParquetSink({ path: join(path, "s-{part}.parquet"), row_group_size: 2 }), ...pages);
    expect(files.map((f) => f.slice(path.length + 1))).toEqual([
      "s-00000.parquet",
      "s-00001.parquet",
      "s-00002.parquet",
    ]);
    expect(await schemaOf(files[0] as string)).toEqual({ a: "BIGINT" });
    expect(await schemaOf(files[1] as string)).toEqual({ a: "DOUBLE" });
    expect(await schemaOf(files[2] as string)).toEqual({ a: "DOUBLE", late: "VARCHAR", later: "BOOLEAN" });
    expect(await fetchAll(new ParquetSource({ path: join(path, "*.parquet") }))).toEqual([
      { a: 1 },
      { a: 2 },
      { a: 2.5 },
      { a: 3 },
      { a: 4, late: "new", later: null },
      { a: 5, late: null, later: true },
      { a: 6, late: null, later: null },
    ]);
  });

  it("a column that held only nulls when fixed takes strings; another type starts a new part", async () => {
    const path = folder();
    const strings = await write(
      new ParquetSink({ path: join(path, "s-{part}.parquet"), row_group_size: 1 }),
      [{ id: 1, x: null }],
      [{ id: 2, x: "s" }],
    );
    expect(strings).toHaveLength(1);
    const numbers = await write(
      new ParquetSink({ path: join(path, "n-{part}.parquet"), row_group_size: 1 }),
      [{ id: 1, x: null }],
      [{ id: 2, x: 7 }],
    );
    expect(numbers).toHaveLength(2);
    expect(await schemaOf(numbers[1] as string)).toEqual({ id: "BIGINT", x: "BIGINT" });
    expect(await fetchAll(new ParquetSource({ path: join(path, "n-*.parquet") }))).toEqual([
      { id: 1, x: null },
      { id: 2, x: 7 },
    ]);
  });

  it("nulls everywhere: missing keys and all-null columns read back as null", async () => {
    const path = join(folder(), "nulls.parquet");
    await write(new ParquetSink({ path }), [{ a: 1 }, { b: "x" }, {}, { a: null, b: null, c: null }]);
    expect(await fetchAll(new ParquetSource({ path }))).toEqual([
      { a: 1, b: null, c: null },
      { a: null, b: "x", c: null },
      { a: null, b: null, c: null },
      { a: null, b: null, c: null },
    ]);
  });

  it("integers outside INT64 are written as doubles", async () => {
    const path = join(folder(), "huge.parquet");
    await write(new ParquetSink({ path }), [{ v: 2 ** 63 }, { v: 1e300 }]);
    expect(await schemaOf(path)).toEqual({ v: "DOUBLE" });
  });
});

describe("bad input fails with a clear FaucetError", () => {
  it("a record that is not an object", async () => {
    const sink = new ParquetSink({ path: join(folder(), "x.parquet") });
    const error = await faucetError(() => sink.writeBatch([{ id: 1 }, [1, 2] as Value]));
    expect(error.kind).toBe("sink");
    expect(error.message).toContain("must be a JSON object, got an array");
    // The page was refused whole: its first row is not published either, so a rerun loses nothing.
    await sink.close();
    expect(sink.files).toEqual([]);
  });

  it("a path that cannot be created", async () => {
    const blocker = join(folder(), "file");
    writeFileSync(blocker, "x");
    const sink = new ParquetSink({ path: join(blocker, "out.parquet") });
    await sink.writeBatch([{ id: 1 }]);
    const error = await faucetError(() => sink.close());
    expect(error.kind).toBe("sink");
    expect(error.message).toContain("could not create the directory for");
    expect(error.hint).toContain("remove or rename the file that is in the way");
    await sink.close(); // the failure was reported once; closing again is a no-op
    expect(readdirSync(join(blocker, ".."))).toEqual(["file"]); // no temporary file left behind
    const report = await new ParquetSink({ path: join(blocker, "sub", "out.parquet") }).check();
    expect(report.probes[0]?.status).toBe("fail");
  });

  it("invalid configs", async () => {
    const unknown = await faucetError(async () => new ParquetSink({ path: "x.parquet", compresion: "zstd" } as never));
    expect(unknown.kind).toBe("config");
    expect(unknown.message).toContain("did you mean `compression`?");
    const codec = await faucetError(async () => new ParquetSink({ path: "x.parquet", compression: "lz5" as never }));
    expect(codec.message).toContain("compression");
    const groups = await faucetError(async () => new ParquetSink({ path: "x.parquet", row_group_size: 0 }));
    expect(groups.message).toContain("row_group_size");
    const s3 = await faucetError(async () => new ParquetSink({ destination: { type: "s3", bucket: "b" } }));
    expect(s3.message).toContain("S3 destinations are not written");
    const explicit = await faucetError(
      async () => new ParquetSink({ path: "x.parquet", schema: { type: "explicit" } }),
    );
    expect(explicit.message).toContain("explicit schemas are not supported");
    const neither = await faucetError(async () => new ParquetSink({}));
    expect(neither.message).toContain("exactly one of `path`");
  });
});

describe("definition", () => {
  it("resolves a relative path against the config file's folder and accepts Rust keys", async () => {
    const base = folder();
    const context = { baseDir: base, logger: silentLogger, pipeline: "t" };
    const sink = (await definition.create(
      definition.config.parse({
        destination: { type: "local_path", path: "out/data.parquet" },
        compression: "zstd",
        row_group_size: 10,
        schema: { type: "inferred", sample_size: 100 },
        batch_size: 0,
      }),
      context,
    )) as ParquetSink;
    await write(sink, [{ id: 1 }]);
    expect(existsSync(join(base, "out", "data.parquet"))).toBe(true);
    const folderSink = (await definition.create(definition.config.parse({ path: "parts/" }), context)) as ParquetSink;
    await write(folderSink, [{ id: 1 }]);
    expect(readdirSync(join(base, "parts"))).toHaveLength(1);
  });
});
