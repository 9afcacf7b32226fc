// faucet-sink-stdout: the conformance battery first, then formats, limits, backpressure and a closed reader.
import { spawn } from "node:child_process";
import { PassThrough, Writable } from "node:stream";
import { testSink } from "faucet-conformance";
import { FaucetError, parseConfig, type Value } from "faucet-core";
import { definition, StdoutSink, type StdoutSinkInput } from "faucet-sink-stdout";
import { describe, expect, test } from "vitest";

/** Captures what the sink prints. */
function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on("data", (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString() };
}

let shared = capture();
testSink({
  create: (config: StdoutSinkInput) => new StdoutSink(config, { stream: shared.stream }),
  config: {},
  count: () => shared.text().split("\n").filter(Boolean).length,
  reset: () => {
    shared = capture();
  },
});

const records: Value[] = [
  { id: 1, name: "Ada", tags: ["x"], note: "tab\there" },
  { id: 2, name: "Bo, Jr.", note: null },
];

describe("formats", () => {
  const print = async (config: StdoutSinkInput, pages: Value[][] = [records]) => {
    const out = capture();
    const sink = new StdoutSink(config, { stream: out.stream });
    for (const page of pages) await sink.writeBatch(page);
    await sink.close();
    return out.text();
  };

  test("jsonl (and the Rust json_lines)", async () => {
    const expected = '{"id":1,"name":"Ada","tags":["x"],"note":"tab\\there"}\n{"id":2,"name":"Bo, Jr.","note":null}\n';
    expect(await print({})).toBe(expected);
    expect(await print({ format: "json_lines" })).toBe(expected);
  });

  test("pretty (and the Rust pretty_json)", async () => {
    expect(await print({ format: "pretty" }, [[{ a: 1 }]])).toBe('{\n  "a": 1\n}\n');
    expect(await print({ format: "pretty_json" }, [[{ a: 1 }]])).toBe('{\n  "a": 1\n}\n');
  });

  test("tsv: a header from the first page, escapes, nested values as JSON", async () => {
    expect(await print({ format: "tsv" }, [records, [{ id: 3 }]])).toBe(
      'id\tname\ttags\tnote\n1\tAda\t["x"]\ttab\\there\n2\tBo, Jr.\t\t\n3\t\t\t\n',
    );
  });

  test("csv", async () => {
    expect(await print({ format: "csv" })).toBe('id,name,tags,note\n1,Ada,"[""x""]",tab\there\n2,"Bo, Jr.",,\n');
  });

  test("max_records stops printing; flush_per_record writes record by record", async () => {
    expect(await print({ max_records: 3 }, [[{ n: 1 }, { n: 2 }], [{ n: 3 }, { n: 4 }], [{ n: 5 }]])).toBe(
      '{"n":1}\n{"n":2}\n{"n":3}\n',
    );
    expect(await print({ flush_per_record: true }, [[{ n: 1 }, { n: 2 }]])).toBe('{"n":1}\n{"n":2}\n');
  });

  test("the config accepts the Rust keys and refuses unknown ones", () => {
    expect(
      parseConfig(definition.config, { destination: "stderr", format: "pretty_json", batch_size: 10 }),
    ).toMatchObject({
      destination: "stderr",
      format: "pretty",
    });
    expect(() => parseConfig(definition.config, { fromat: "tsv" })).toThrow(/did you mean `format`/);
  });
});

describe("streams", () => {
  test("waits for a slow reader (backpressure) instead of buffering everything", async () => {
    let pending = 0;
    const slow = new Writable({
      highWaterMark: 16,
      write(_chunk, _enc, done) {
        pending++;
        setTimeout(() => {
          pending--;
          done();
        }, 5);
      },
    });
    const sink = new StdoutSink({}, { stream: slow });
    for (let i = 0; i < 5; i++) {
      await sink.writeBatch([{ i, pad: "x".repeat(100) }]);
      expect(slow.writableLength).toBeLessThanOrEqual(200);
    }
    expect(pending).toBeLessThanOrEqual(1);
    await sink.close();
  });

  test("a reader that went away (EPIPE) fails the run with a clear error", async () => {
    const broken = new Writable({
      write(_chunk, _enc, done) {
        done(Object.assign(new Error("write EPIPE"), { code: "EPIPE" }));
      },
    });
    const sink = new StdoutSink({}, { stream: broken });
    await sink.writeBatch([{ a: 1 }]).catch(() => {});
    await new Promise((r) => setImmediate(r));
    const error = await sink.writeBatch([{ a: 2 }]).then(
      () => undefined,
      (e: unknown) => e as FaucetError,
    );
    expect(error).toBeInstanceOf(FaucetError);
    expect(error?.message).toContain("stdout was closed by its reader (EPIPE)");
    await sink.close();
  });

  test("writes to the real process stdout", async () => {
    const script = `
      const { StdoutSink } = await import("faucet-sink-stdout");
      const sink = new StdoutSink({ format: "tsv" });
      await sink.writeBatch([{ a: 1, b: "x" }]);
      await sink.close();`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { cwd: import.meta.dirname });
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    const code = await new Promise((resolve) => child.on("close", resolve));
    expect(code).toBe(0);
    expect(out).toBe("a\tb\n1\tx\n");
  });
});
