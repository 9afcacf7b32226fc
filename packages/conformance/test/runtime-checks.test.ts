import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assertCancellationFlushes, assertErrorsNotCrashes, assertResourcesReleased } from "faucet-conformance";
import { FaucetError, type Sink } from "faucet-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { SocketSource, startServer, Table, TableSink, UnreachableSource } from "./doubles.js";
import { failure } from "./failure.js";

describe("assertErrorsNotCrashes", () => {
  test("passes for a source that rejects with a FaucetError of the expected kind", async () => {
    await assertErrorsNotCrashes(new UnreachableSource(), { kind: "connection" });
  });

  test("passes for a factory that refuses to build, and for a sink that cannot write", async () => {
    await assertErrorsNotCrashes(() => {
      throw new FaucetError("config", "`path` must not be empty");
    });
    const sink = {
      connectorName: () => "sink-down",
      writeBatch: async () => Promise.reject(new FaucetError("connection", "down")),
    };
    await assertErrorsNotCrashes(sink, { kind: "connection" });
  });

  test.each([
    ["plain-error", "fetchWithContext rejected with Error: ECONNREFUSED 127.0.0.1:1, not a FaucetError"],
    ["succeeds-empty", "fetchWithContext succeeded (with 0 records) although the connector was set up to fail"],
    ["uncaught", "fetchWithContext: Error: socket error in a callback escaped as an uncaught exception"],
    ["unhandled-rejection", "fetchWithContext: Error: a forgotten promise escaped"],
    ["wrong-kind", "rejected with a FaucetError of kind custom, expected connection"],
  ] as const)("fails for a source that %s", async (fault, message) => {
    const error = await failure("assertErrorsNotCrashes", () =>
      assertErrorsNotCrashes(new UnreachableSource(fault), { kind: "connection" }),
    );
    expect(error.detail).toContain(message);
  });

  test("fails for a streamPages that throws a plain error", async () => {
    const source = {
      connectorName: () => "source-half",
      fetchWithContext: async () => Promise.reject(new FaucetError("connection", "down")),
      // biome-ignore lint/correctness/useYield: it fails before its first page
      async *streamPages() {
        throw new TypeError("Cannot read properties of undefined");
      },
    };
    const error = await failure("assertErrorsNotCrashes", () => assertErrorsNotCrashes(source));
    expect(error.detail).toContain("streamPages rejected with TypeError");
  });
});

describe("assertCancellationFlushes", () => {
  test("passes for a sink that writes at once and for one that buffers until flush()", async () => {
    for (const buffered of [false, true]) {
      const table = new Table();
      await assertCancellationFlushes(new TableSink(table, { buffered }), { count: table.count, read: table.read });
      expect(table.rows.map((row) => row.id)).toEqual([1, 2, 3]);
    }
  });

  test("fails for a sink that drops buffered rows on cancel (its flush does nothing)", async () => {
    const table = new Table();
    const error = await failure("assertCancellationFlushes", () =>
      assertCancellationFlushes(new TableSink(table, { buffered: true, faults: ["flush-noop"] }), {
        count: table.count,
      }),
    );
    expect(error.detail).toBe(
      "the run counted 3 rows written but 0 are in the destination: the cancel path did not make every counted row durable",
    );
  });

  test("with read(), fails for a sink that stores other rows than it counts", async () => {
    const table = new Table();
    const error = await failure("assertCancellationFlushes", () =>
      assertCancellationFlushes(new TableSink(table), {
        count: table.count,
        read: () => table.read().map((row) => ({ ...row, id: (row.id as number) + 100 })),
      }),
    );
    expect(error.detail).toBe("rows counted as written are missing from read(): ids 1, 2, 3");
  });

  test("fails for a sink whose writes never land", async () => {
    const table = new Table();
    const error = await failure("assertCancellationFlushes", () =>
      assertCancellationFlushes(new TableSink(table, { faults: ["appends-nothing"] }), { count: table.count }),
    );
    expect(error.detail).toContain("the run counted 3 rows written but 0 are in the destination");
  });

  test("fails for a sink whose write rejects", async () => {
    const sink = { connectorName: () => "sink-down", writeBatch: async () => Promise.reject(new Error("down")) };
    const error = await failure("assertCancellationFlushes", () => assertCancellationFlushes(sink, { count: () => 0 }));
    expect(error.detail).toContain("a cancelled run must resolve with cancelled: true, but it rejected");
  });
});

describe("assertResourcesReleased", () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  test("passes for a source that closes its socket and timer", async () => {
    await assertResourcesReleased(() => new SocketSource(server.port));
  });

  test("passes for a sink, written to and closed", async () => {
    await assertResourcesReleased(() => new TableSink(new Table(), { buffered: true }));
  });

  test.each([
    ["leaks-socket", "after close() these remain open: TCPSocketWrap"],
    ["leaks-timer", "after close() these remain open: Timeout"],
    ["close-twice-throws", "a second close() failed: Error: already closed"],
  ] as const)("fails for a source that %s", async (fault, message) => {
    const source = new SocketSource(server.port, fault);
    try {
      const error = await failure("assertResourcesReleased", () =>
        assertResourcesReleased(() => source, { settleMs: 300 }),
      );
      expect(error.detail).toContain(message);
    } finally {
      source.release();
    }
  });

  test("ignores handles open before the check and timers that end meanwhile", async () => {
    const runnerTimer = setInterval(() => {}, 60_000);
    await assertResourcesReleased(() => new TableSink(new Table()), {
      use: async () => {
        clearInterval(runnerTimer);
        await new Promise((resolve) => setTimeout(resolve, 5));
      },
    });
  });

  test("follows file handles: passes when closed, fails when leaked", async () => {
    const path = join(tmpdir(), `faucet-conformance-${process.pid}.txt`);
    let file: Awaited<ReturnType<typeof open>> | undefined;
    const fileSink = (leak: boolean): Sink => {
      return {
        connectorName: () => "sink-file",
        writeBatch: async (records) => {
          file ??= await open(path, "w");
          await file.write(JSON.stringify(records));
          return records.length;
        },
        close: async () => {
          if (!leak) await file?.close();
          if (!leak) file = undefined;
        },
      };
    };
    await assertResourcesReleased(() => fileSink(false));
    const leaky = fileSink(true);
    const error = await failure("assertResourcesReleased", () =>
      assertResourcesReleased(() => leaky, { settleMs: 200 }),
    );
    expect(error.detail).toBe("after close() these remain open: FileHandle");
    await file?.close();
  });
});
