import { FaucetError, Pipeline, type Sink, type Source, silentLogger, type Value } from "faucet-core";
import { describe, expect, it } from "vitest";
import { echoApi, faucetError, ids, rejection, rows, seededRandom, sendJson, sink } from "./echo.js";

/** A source of `pages` pages of `size` rows. */
function pagedSource(pages: number, size: number): Source {
  return {
    fetchWithContext: async () => rows(pages * size),
    async *streamPages() {
      for (let p = 0; p < pages; p++) yield { records: rows(size, p * size + 1) };
    },
  };
}

/** A sink that keeps what it is given: the dead-letter sink of these tests. */
function memorySink(): Sink & { rows: Value[] } {
  const kept: Value[] = [];
  return {
    rows: kept,
    async writeBatch(records) {
      kept.push(...records);
      return records.length;
    },
  };
}

describe("failure storms", () => {
  it("retries 503 and 429 (the server did not process them) until every row lands exactly once", async () => {
    const random = seededRandom(7);
    let refused = 0;
    const api = await echoApi((_req, res) => {
      const roll = random();
      if (roll < 0.3) {
        refused++;
        sendJson(res, 503, { error: "overloaded" }, { "retry-after": "0" });
        return false;
      }
      if (roll < 0.4) {
        refused++;
        sendJson(res, 429, { error: "slow down" });
        return false;
      }
      return true;
    });
    const s = sink({ url: api.url, concurrency: 8, max_retries: 10 });
    expect(await s.writeBatch(rows(300))).toBe(300);
    expect(ids(api.records).sort((a, b) => a - b)).toEqual(ids(rows(300)));
    expect(refused).toBeGreaterThan(50);
    expect(s.stats.retries).toBe(refused);
  });

  it("does not retry a 500 or a dropped connection unless the endpoint is idempotent (it may have been processed)", async () => {
    let calls = 0;
    const api = await echoApi((req, res) => {
      calls++;
      if (calls % 2 === 1) {
        // Process the row, then fail: exactly the case where a retry would duplicate it.
        if (req.path === "/drop") res.socket?.destroy();
        else sendJson(res, 500, { error: "boom" });
        return false;
      }
      return true;
    });
    for (const path of ["/fail", "/drop"]) {
      calls = 0;
      const plain = sink({ url: `${api.url}${path}`, max_retries: 3 });
      const error = await rejection(plain.writeBatch(rows(1)));
      expect(FaucetError.is(error)).toBe(true);
      expect(calls).toBe(1);
      expect(plain.stats.retries).toBe(0);
      calls = 0;
      const idempotent = sink({ url: `${api.url}${path}`, max_retries: 3, idempotent: true });
      expect(await idempotent.writeBatch(rows(1))).toBe(1);
      expect(calls).toBe(2);
    }
  });

  it("honours Retry-After and gives up after max_retries with the attempt count", async () => {
    const api = await echoApi((_req, res) => {
      sendJson(res, 503, { error: "maintenance" }, { "retry-after": "0.05" });
      return false;
    });
    const s = sink({ url: api.url, max_retries: 2 });
    const started = performance.now();
    const error = faucetError(await rejection(s.writeBatch(rows(1))), "http_status");
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
    expect(api.requests).toHaveLength(3);
    expect(error.detail).toContain("HTTP 503 Service Unavailable");
    expect(error.detail).toContain("gave up after 3 attempts");
    expect(error.detail).toContain("no row of this page was delivered");
  });

  it("an unreachable server fails with a connection error after retrying (nothing was sent)", async () => {
    const s = sink({ url: "http://127.0.0.1:9/x", max_retries: 2 });
    const error = faucetError(await rejection(s.writeBatch(rows(3))), "connection");
    expect(error.detail).toContain("gave up after 3 attempts");
    expect(s.stats.retries).toBe(6);
  });

  it("a slow server times out", async () => {
    const api = await echoApi(async () => {
      await new Promise((r) => setTimeout(r, 400));
      return true;
    });
    const s = sink({ url: api.url, timeout: 0.1, max_retries: 0 });
    const error = faucetError(await rejection(s.writeBatch(rows(1))), "timeout");
    expect(error.detail).toContain("took longer than 0.1 s");
  });
});

describe("partial failures and the dead-letter path", () => {
  /** An API that refuses records whose id is a multiple of 7 with 422, and stores the rest. */
  const picky = () =>
    echoApi((_req, res, records) => {
      const bad = records.filter((r) => (r as { id: number }).id % 7 === 0);
      if (bad.length === 0) return true;
      sendJson(res, 422, { error: `ids ${bad.map((r) => (r as { id: number }).id).join(",")} are invalid` });
      return false;
    });

  it("writeBatchPartial reports each refused row; the rest are delivered", async () => {
    const api = await picky();
    const s = sink({ url: api.url, concurrency: 5 });
    const outcome = await s.writeBatchPartial(rows(30));
    expect(outcome.written).toBe(26);
    expect(outcome.failures.map((f) => f.index)).toEqual([6, 13, 20, 27]);
    expect(outcome.failures[0]?.error.kind).toBe("http_status");
    expect(outcome.failures[0]?.error.detail).toContain('HTTP 422 Unprocessable Entity: {"error":"ids 7 are invalid"}');
    expect(api.records).toHaveLength(26);
  });

  it("a real Pipeline sends refused rows to the dead-letter sink and commits the rest", async () => {
    const api = await picky();
    const dlq = memorySink();
    const result = await new Pipeline(pagedSource(5, 10), sink({ url: api.url, concurrency: 4 }), {
      batchSize: 10,
      logger: silentLogger,
      deadLetter: { sink: dlq },
    }).run();
    expect(result.recordsWritten).toBe(43);
    expect(result.deadLettered).toBe(7);
    expect(ids(api.records).sort((a, b) => a - b)).toEqual(ids(rows(50)).filter((id) => id % 7 !== 0));
    expect(dlq.rows.map((e) => (e as { payload: { id: number } }).payload.id)).toEqual([7, 14, 21, 28, 35, 42, 49]);
    expect(dlq.rows[0]).toMatchObject({ reason: "sink_rejected", error: { kind: "http_status" }, record_index: 6 });
  });

  it("array mode: a refused chunk dead-letters its rows, other chunks land", async () => {
    const api = await picky();
    const dlq = memorySink();
    const result = await new Pipeline(
      pagedSource(2, 10),
      sink({ url: api.url, batch_mode: "array", batch_size: 5, concurrency: 1 }),
      { batchSize: 10, logger: silentLogger, deadLetter: { sink: dlq } },
    ).run();
    // Chunks 6–10 and 11–15 hold id 7 and 14.
    expect(result.recordsWritten).toBe(10);
    expect(dlq.rows.map((e) => (e as { payload: { id: number } }).payload.id)).toEqual([
      6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
    ]);
  });

  it("an outage fails the run instead of dead-lettering everything, saying how far the page got", async () => {
    let served = 0;
    const api = await echoApi((_req, res) => {
      if (++served <= 15) return true;
      sendJson(res, 401, { error: "token revoked" });
      return false;
    });
    const dlq = memorySink();
    const error = faucetError(
      await rejection(
        new Pipeline(pagedSource(3, 10), sink({ url: api.url, concurrency: 1 }), {
          batchSize: 10,
          logger: silentLogger,
          deadLetter: { sink: dlq },
        }).run(),
      ),
      "auth",
    );
    expect(error.detail).toContain("5 of 10 rows of this page were delivered before it");
    expect(dlq.rows).toHaveLength(0);
    expect(api.records).toHaveLength(15);
  });

  it("without a dead-letter sink the first refused row fails the run", async () => {
    const api = await picky();
    const error = faucetError(
      await rejection(
        new Pipeline(pagedSource(1, 10), sink({ url: api.url, concurrency: 1 }), {
          batchSize: 10,
          logger: silentLogger,
        }).run(),
      ),
      "http_status",
    );
    expect(error.detail).toContain("6 of 10 rows of this page were delivered before it");
    expect(api.records).toHaveLength(6);
  });

  it("a replay-safe sink lets the pipeline retry a failed page; the server drops the replayed rows", async () => {
    let served = 0;
    const api = await echoApi((req, res, records) => {
      // The 4th request is processed, then its connection drops before the answer: the case
      // where a blind retry would duplicate the row.
      if (++served === 4) {
        api.records.push(...records);
        api.keys.set(String(req.headers["idempotency-key"]), records.length);
        res.socket?.destroy();
        return false;
      }
      return true;
    });
    const s = sink({ url: api.url, idempotency_key: { field: "id" }, max_retries: 0, concurrency: 1 });
    const result = await new Pipeline(pagedSource(2, 5), s, {
      batchSize: 5,
      logger: silentLogger,
      retry: { maxAttempts: 3, baseMs: 1 },
    }).run();
    expect(result.recordsWritten).toBe(10);
    expect(ids(api.records)).toEqual(ids(rows(10)));
    // 1–4 (the 4th drops), the page again (1–4 dropped as duplicates, 5 new), then 6–10.
    expect(api.requests).toHaveLength(14);
  });
});
