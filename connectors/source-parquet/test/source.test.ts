import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { type FetchContext, fetchAll, type StreamPage, silentLogger, streamPagesOf } from "faucet-core";
import { definition, ParquetSource } from "faucet-source-parquet";
import { beforeAll, describe, expect, it } from "vitest";
import { faucetError, fixture } from "./helpers.js";

const { dir, db, sql } = fixture();
const path = () => join(dir(), "events.parquet");

async function pages(source: ParquetSource, batchSize = 0, ctx: FetchContext = {}): Promise<StreamPage[]> {
  const out: StreamPage[] = [];
  for await (const page of streamPagesOf(source, ctx, batchSize)) out.push(page);
  return out;
}

beforeAll(async () => {
  // 10 000 rows in row groups of 2 048 (the last 1 808), with a wide text column the projection tests leave out.
  await db().run(`COPY (SELECT i AS id, 'user-' || i AS name,
    md5(i::VARCHAR) || md5((i + 1e6)::VARCHAR) || md5((i + 2e6)::VARCHAR) || md5((i + 3e6)::VARCHAR) AS payload, i * 1.5::DOUBLE AS amount
    FROM range(10000) t(i)) TO '${path()}' (FORMAT PARQUET, ROW_GROUP_SIZE 2048)`);
});

describe("streaming by row group", () => {
  it("reads every row in file order", async () => {
    const rows = await fetchAll(new ParquetSource({ path: path() }));
    expect(rows).toHaveLength(10_000);
    expect(rows[1]).toEqual({ id: 1, name: "user-1", payload: expect.stringMatching(/^[0-9a-f]{128}$/), amount: 1.5 });
    expect(rows.map((r) => (r as { id: number }).id)).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
  });

  it("pages hold at most batch_size records and never cross a row group", async () => {
    const sizes = (await pages(new ParquetSource({ path: path(), batch_size: 1000 }))).map((p) => p.records.length);
    expect(sizes).toEqual([...[1000, 1000, 48, 1000, 1000, 48, 1000, 1000, 48, 1000, 1000, 48], 1000, 808]);
  });

  it("the pipeline's batch size applies when batch_size is unset; 0 gives one page per row group", async () => {
    const groups = [2048, 2048, 2048, 2048, 1808];
    expect((await pages(new ParquetSource({ path: path() }), 4000)).map((p) => p.records.length)).toEqual(groups);
    expect((await pages(new ParquetSource({ path: path(), batch_size: 0 }), 10)).map((p) => p.records.length)).toEqual(
      groups,
    );
  });

  it("projection decodes only the named columns, in the order given", async () => {
    const rows = await fetchAll(new ParquetSource({ path: path(), columns: ["amount", "id"] }));
    expect(rows[3]).toEqual({ amount: 4.5, id: 3 });
    expect(Object.keys(rows[3] as object)).toEqual(["amount", "id"]);
  });

  it("reads byte ranges of one row group at a time, and with a projection only those columns' bytes", async () => {
    const size = readFileSync(path()).length;
    const probeHandle = await open(path());
    const proto = Object.getPrototypeOf(probeHandle) as { read: (...args: unknown[]) => Promise<unknown> };
    await probeHandle.close();
    const reads: number[] = [];
    const original = proto.read;
    proto.read = async function (this: unknown, ...args: unknown[]) {
      reads.push(args[2] as number);
      return await original.apply(this, args);
    };
    try {
      await fetchAll(new ParquetSource({ path: path() }));
      const whole = reads.reduce((a, b) => a + b, 0);
      expect(Math.max(...reads)).toBeLessThan(size / 3); // never the whole file at once
      expect(whole).toBeGreaterThan(size * 0.9);
      reads.length = 0;
      await fetchAll(new ParquetSource({ path: path(), columns: ["id"] }));
      const projected = reads.reduce((a, b) => a + b, 0);
      expect(projected).toBeLessThan(size / 4);
    } finally {
      proto.read = original;
    }
  });

  it("stops promptly when the signal aborts and closes the file", async () => {
    const controller = new AbortController();
    const source = new ParquetSource({ path: path(), batch_size: 100 });
    let seen = 0;
    for await (const page of source.streamPages({}, 100, controller.signal)) {
      seen += page.records.length;
      if (seen >= 300) controller.abort();
    }
    expect(seen).toBe(300);
    await source.close();
  });

  it("a consumer that stops early releases the file handle", async () => {
    const source = new ParquetSource({ path: path(), batch_size: 10 });
    for await (const _page of source.streamPages({}, 10)) break;
    expect((source as unknown as { open: Set<unknown> }).open.size).toBe(0);
  });
});

describe("paths", () => {
  beforeAll(async () => {
    mkdirSync(join(dir(), "parts", "2024", "01"), { recursive: true });
    mkdirSync(join(dir(), "parts", "2024", "02"), { recursive: true });
    for (const [file, first] of [
      ["parts/2024/02/b.parquet", 20],
      ["parts/2024/01/b.parquet", 10],
      ["parts/2024/01/a.parquet", 0],
    ] as const) {
      await db().run(`COPY (SELECT ${first} + i AS id FROM range(3) t(i)) TO '${join(dir(), file)}' (FORMAT PARQUET)`);
    }
    writeFileSync(join(dir(), "parts", "2024", "01", "notes.txt"), "not parquet");
  });
  const ids = (rows: unknown[]) => rows.map((r) => (r as { id: number }).id);

  it("a glob reads matching files in sorted order", async () => {
    const rows = await fetchAll(new ParquetSource({ path: join(dir(), "parts/2024/*/*.parquet") }));
    expect(ids(rows)).toEqual([0, 1, 2, 10, 11, 12, 20, 21, 22]);
    const deep = await fetchAll(new ParquetSource({ path: join(dir(), "parts/**/b.parquet") }));
    expect(ids(deep)).toEqual([10, 11, 12, 20, 21, 22]);
    const braces = await fetchAll(new ParquetSource({ path: join(dir(), "parts/2024/0{2,3}/*.parquet") }));
    expect(ids(braces)).toEqual([20, 21, 22]);
  });

  it("accepts the Rust faucet-stream `source` block (local_path and glob)", async () => {
    const one = await fetchAll(
      new ParquetSource({ source: { type: "local_path", path: join(dir(), "parts/2024/01/a.parquet") } }),
    );
    expect(ids(one)).toEqual([0, 1, 2]);
    const many = await fetchAll(
      new ParquetSource({ source: { type: "glob", pattern: join(dir(), "parts/2024/01/*.parquet") }, concurrency: 4 }),
    );
    expect(ids(many)).toEqual([0, 1, 2, 10, 11, 12]);
  });

  it("definition.create resolves relative paths against the config file's folder", async () => {
    const context = { baseDir: join(dir(), "parts"), logger: silentLogger, pipeline: "t" };
    const source = await definition.create(
      definition.config.parse({ source: { type: "glob", pattern: "2024/01/*.parquet" } }),
      context,
    );
    expect(ids(await fetchAll(source))).toEqual([0, 1, 2, 10, 11, 12]);
    const flat = await definition.create(definition.config.parse({ path: "2024/02/b.parquet" }), context);
    expect(ids(await fetchAll(flat))).toEqual([20, 21, 22]);
  });

  it("check() passes for a readable file and fails, without throwing, for a missing one", async () => {
    const ok = await new ParquetSource({ path: path() }).check();
    expect(ok.probes.map((p) => p.status)).toEqual(["pass", "pass"]);
    const missing = await new ParquetSource({ path: join(dir(), "nope-*.parquet") }).check();
    expect(missing.probes[0]?.status).toBe("fail");
  });
});

describe("bad input fails with a clear FaucetError", () => {
  it("a missing file", async () => {
    const error = await faucetError(() => fetchAll(new ParquetSource({ path: join(dir(), "missing.parquet") })));
    expect(error.kind).toBe("source");
    expect(error.connector).toBe("source-parquet");
    expect(error.message).toContain("missing.parquet: it does not exist");
    expect(error.hint).toContain("relative paths resolve against the config file's directory");
  });

  it("a glob that matches nothing", async () => {
    const error = await faucetError(() => fetchAll(new ParquetSource({ path: join(dir(), "nothing/*.parquet") })));
    expect(error.kind).toBe("source");
    expect(error.message).toContain("no file matches");
  });

  it("a directory instead of a file", async () => {
    const error = await faucetError(() => fetchAll(new ParquetSource({ path: join(dir(), "parts") })));
    expect(error.message).toContain("it is a directory, not a file");
  });

  it("a file that is not Parquet", async () => {
    const file = join(dir(), "text.parquet");
    writeFileSync(file, "id,name\n1,a\n");
    const error = await faucetError(() => fetchAll(new ParquetSource({ path: file })));
    expect(error.kind).toBe("source");
    expect(error.message).toContain("is not a readable Parquet file");
    expect(error.hint).toContain("PAR1");
  });

  it("an empty file", async () => {
    const file = join(dir(), "empty.parquet");
    writeFileSync(file, "");
    const error = await faucetError(() => fetchAll(new ParquetSource({ path: file })));
    expect(error.message).toContain("is not a readable Parquet file");
  });

  it("a truncated file (footer cut off)", async () => {
    const file = join(dir(), "truncated.parquet");
    const bytes = readFileSync(path());
    writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const error = await faucetError(() => fetchAll(new ParquetSource({ path: file })));
    expect(error.kind).toBe("source");
    expect(error.message).toContain("is not a readable Parquet file");
  });

  it("a file whose data was cut out but whose footer survived", async () => {
    const file = join(dir(), "hollow.parquet");
    const bytes = Buffer.from(readFileSync(path()));
    bytes.fill(0xff, 4, Math.floor(bytes.length / 2)); // the first row groups' pages become garbage
    writeFileSync(file, bytes);
    const error = await faucetError(() => fetchAll(new ParquetSource({ path: file })));
    expect(error.kind).toBe("source");
    expect(error.message).toMatch(/could not decode row group \d+ of .*hollow\.parquet/);
  });

  it("an unknown column in the projection names the column and the closest match", async () => {
    const error = await faucetError(() => fetchAll(new ParquetSource({ path: path(), columns: ["id", "amout"] })));
    expect(error.kind).toBe("config");
    expect(error.message).toContain("column `amout` is not in");
    expect(error.message).toContain("did you mean `amount`?");
    expect(error.hint).toContain("id, name, payload, amount");
  });

  it("an unknown column in one file of a glob fails before any record is read", async () => {
    await db().run(`COPY (SELECT 1 AS other) TO '${join(dir(), "parts/2024/02/z.parquet")}' (FORMAT PARQUET)`);
    const source = new ParquetSource({ path: join(dir(), "parts/2024/*/*.parquet"), columns: ["id"] });
    const iterator = source.streamPages({}, 100)[Symbol.asyncIterator]();
    const error = await faucetError(() => iterator.next());
    expect(error.message).toContain("z.parquet");
  });

  it("invalid configs: unknown key, both or neither location, S3, empty projection", async () => {
    const unknown = await faucetError(async () => new ParquetSource({ path: path(), colums: ["id"] } as never));
    expect(unknown.kind).toBe("config");
    expect(unknown.message).toContain("did you mean `columns`?");
    const both = await faucetError(
      async () => new ParquetSource({ path: path(), source: { type: "glob", pattern: "*" } }),
    );
    expect(both.message).toContain("exactly one of `path`");
    const neither = await faucetError(async () => new ParquetSource({}));
    expect(neither.message).toContain("exactly one of `path`");
    const s3 = await faucetError(async () => new ParquetSource({ source: { type: "s3", bucket: "b", key: "k" } }));
    expect(s3.message).toContain("S3 locations are not read");
    const empty = await faucetError(async () => new ParquetSource({ path: path(), columns: [] }));
    expect(empty.kind).toBe("config");
    const batch = await faucetError(async () => new ParquetSource({ path: path(), batch_size: -1 }));
    expect(batch.message).toContain("batch_size");
  });
});

describe("values", () => {
  it("INT64 beyond ±2^53 becomes a string, within stays a number; DuckDB reads the same digits", async () => {
    const file = join(dir(), "big.parquet");
    await db().run(`COPY (SELECT * FROM (VALUES (9007199254740991::BIGINT), (9007199254740992::BIGINT),
      (-9007199254740991::BIGINT), (-9007199254740992::BIGINT), (NULL::BIGINT)) t(v)) TO '${file}' (FORMAT PARQUET)`);
    const rows = await fetchAll(new ParquetSource({ path: file }));
    expect(rows).toEqual([
      { v: 9007199254740991 },
      { v: "9007199254740992" },
      { v: -9007199254740991 },
      { v: "-9007199254740992" },
      { v: null },
    ]);
    const theirs = await sql(`SELECT v::VARCHAR AS v FROM '${file}'`);
    expect(rows.map((r) => ((r as { v: unknown }).v === null ? null : String((r as { v: unknown }).v)))).toEqual(
      theirs.map((r) => (r as { v: string | null }).v),
    );
  });

  it("a file with no rows yields no records", async () => {
    const file = join(dir(), "none.parquet");
    await db().run(`COPY (SELECT 1 AS id WHERE false) TO '${file}' (FORMAT PARQUET)`);
    expect(await fetchAll(new ParquetSource({ path: file }))).toEqual([]);
  });
});
