import { createHash } from "node:crypto";
import type { Value } from "faucet-core";
import { definition, HttpSink } from "faucet-sink-http";
import { describe, expect, it } from "vitest";
import { echoApi, faucetError, ids, rejection, rows, sendJson, sink } from "./echo.js";

describe("individual mode", () => {
  it("sends one request per record, `concurrency` in flight over reused keep-alive sockets", async () => {
    const api = await echoApi(async () => {
      await new Promise((r) => setTimeout(r, 5));
      return true;
    });
    const s = sink({ url: `${api.url}/events`, concurrency: 4, headers: { "X-Tenant": "acme" } });
    expect(await s.writeBatch(rows(40))).toBe(40);
    expect(api.requests).toHaveLength(40);
    expect(ids(api.records).sort((a, b) => a - b)).toEqual(ids(rows(40)));
    expect(api.inFlight.max).toBe(4);
    // Four sockets carried forty requests.
    expect(new Set(api.requests.map((r) => r.remotePort)).size).toBe(4);
    const first = api.requests[0];
    expect(first?.method).toBe("POST");
    expect(first?.headers["content-type"]).toBe("application/json");
    expect(first?.headers["x-tenant"]).toBe("acme");
    expect(JSON.parse(first?.body ?? "")).toMatchObject({ id: expect.any(Number), name: expect.any(String) });
  });

  it("fills `{field}` placeholders of the url from each record, URL-encoded", async () => {
    const api = await echoApi();
    const s = sink({ url: `${api.url}/items/{id}/{meta.slug}`, method: "put", concurrency: 1 });
    await s.writeBatch([
      { id: 1, meta: { slug: "a b" } },
      { id: 2, meta: { slug: "c/d" } },
    ]);
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["PUT /items/1/a%20b", "PUT /items/2/c%2Fd"]);
  });

  it("keeps records in order with concurrency 1", async () => {
    const api = await echoApi();
    const s = sink({ url: api.url, concurrency: 1 });
    await s.writeBatch(rows(25));
    expect(ids(api.records)).toEqual(ids(rows(25)));
  });
});

describe("array mode", () => {
  it("sends one JSON array per `batch_size` records", async () => {
    const api = await echoApi();
    const s = sink({ url: api.url, batch_mode: "array", batch_size: 10, concurrency: 1 });
    expect(await s.writeBatch(rows(25))).toBe(25);
    expect(api.requests.map((r) => (JSON.parse(r.body) as Value[]).length)).toEqual([10, 10, 5]);
    expect(ids(api.records)).toEqual(ids(rows(25)));
  });

  it("batch_size 0 sends the page as one array, and the Rust `{type: Array}` spelling works", async () => {
    const api = await echoApi();
    const s = sink({ url: api.url, batch_mode: { type: "Array" }, batch_size: 0 });
    await s.writeBatch(rows(1234));
    expect(api.requests).toHaveLength(1);
    expect(api.records).toHaveLength(1234);
  });
});

describe("idempotency keys", () => {
  it("sends the record's field, a template, or a hash of the record", async () => {
    const api = await echoApi();
    await sink({ url: api.url, idempotency_key: { field: "id" }, concurrency: 1 }).writeBatch(rows(2));
    await sink({
      url: api.url,
      idempotency_key: { header: "X-Dedup", template: "row-{id}-{name}" },
      concurrency: 1,
    }).writeBatch(rows(1, 3));
    await sink({ url: api.url, idempotency_key: {} }).writeBatch([{ id: 4 }]);
    expect(api.requests.map((r) => r.headers["idempotency-key"] ?? r.headers["x-dedup"])).toEqual([
      "1",
      "2",
      "row-3-row 3",
      createHash("sha256").update('{"id":4}').digest("hex"),
    ]);
  });

  it("makes the sink replay-safe: a replayed page is dropped by the server", async () => {
    const api = await echoApi();
    const s = sink({ url: api.url, batch_mode: "array", batch_size: 3, idempotency_key: { field: "id" } });
    expect(s.capabilities().replaySafeWrites).toBe(true);
    await s.writeBatch(rows(7));
    await s.writeBatch(rows(7));
    expect(api.records).toHaveLength(7);
    expect(api.requests).toHaveLength(6);
    // The same chunk carries the same key on replay.
    expect(api.requests[0]?.headers["idempotency-key"]).toBe(api.requests[3]?.headers["idempotency-key"]);
    expect(sink({ url: api.url }).capabilities().replaySafeWrites).toBe(false);
    expect(sink({ url: api.url, idempotent: true }).capabilities().replaySafeWrites).toBe(true);
  });

  it("a record without its key field fails that row and is never sent", async () => {
    const api = await echoApi();
    const s = sink({ url: api.url, idempotency_key: { field: "event.id" } });
    const partial = await s.writeBatchPartial([{ event: { id: "e1" } }, { event: {} }, { event: { id: "e3" } }]);
    expect(partial.written).toBe(2);
    expect(partial.failures.map((f) => f.index)).toEqual([1]);
    expect(partial.failures[0]?.error.message).toBe(
      "[faucet] [sink-http] the record has no value for `event.id`, which `idempotency_key.field` needs (hint: every record needs `event.id`; route such records elsewhere with a filter transform, or fix idempotency_key.field)",
    );
    expect(api.records).toHaveLength(2);
    const error = faucetError(await rejection(s.writeBatch([{ event: { id: "e4" } }, { other: 1 }])), "sink");
    expect(error.detail).toContain("no row of this page was delivered");
    expect(api.records).toHaveLength(2);
  });
});

describe("config", () => {
  it("names unknown keys with the closest valid one, and refuses placeholders in array mode", () => {
    expect(() => new HttpSink({ url: "http://127.0.0.1:1/x", batch_mod: "array" } as never)).toThrow(
      "`batch_mod`: unknown key; did you mean `batch_mode`?",
    );
    expect(() => new HttpSink({ url: "http://127.0.0.1:1/{id}", batch_mode: "array" })).toThrow(
      "`url`: `{field}` placeholders in `url` need `batch_mode: individual`",
    );
    expect(() => new HttpSink({ url: "ftp://example.com/x" })).toThrow(
      "url `ftp://example.com/x` is not a valid http(s) URL",
    );
    expect(() => new HttpSink({ url: "http://x/y", method: "GET" })).toThrow("`method`");
    expect(() => new HttpSink({ url: "http://x/y", idempotency_key: { field: "a", template: "{b}" } })).toThrow(
      "give either `field` or `template`, not both",
    );
  });

  it("the definition builds the sink from a YAML-shaped config", async () => {
    expect(definition).toMatchObject({ kind: "sink", type: "http" });
    const config = definition.config.parse({ url: "http://127.0.0.1:1/x", batch_mode: "Individual" });
    expect(config).toMatchObject({ method: "POST", batch_mode: "individual", concurrency: 10, batch_size: 1000 });
  });

  it("never leaks the token into errors", async () => {
    const api = await echoApi((req, res) => {
      sendJson(res, 401, { error: `token ${req.headers.authorization} refused` });
      return false;
    });
    const s = sink({ url: api.url, auth: { type: "bearer", config: { token: "s3cr3t-t0ken-value" } } });
    const error = faucetError(await rejection(s.writeBatch(rows(1))), "auth");
    expect(error.message).not.toContain("s3cr3t-t0ken-value");
    expect(error.message).toContain("HTTP 401");
  });
});

describe("check()", () => {
  it("passes on any answer but refused credentials, and writes nothing", async () => {
    const api = await echoApi((req, res) => {
      if (req.headers.authorization !== "Bearer ok") {
        sendJson(res, 403, {});
        return false;
      }
      if (req.method === "HEAD") {
        sendJson(res, 405, {});
        return false;
      }
      return true;
    });
    const good = await sink({ url: api.url, auth: { type: "bearer", config: { token: "ok" } } }).check();
    expect(good.probes.map((p) => p.status)).toEqual(["pass"]);
    const bad = await sink({ url: api.url, auth: { type: "bearer", config: { token: "no" } } }).check();
    expect(bad.probes[0]).toMatchObject({ status: "fail", reason: expect.stringContaining("HTTP 403") });
    const down = await sink({ url: "http://127.0.0.1:9/x" }).check();
    expect(down.probes[0]?.status).toBe("fail");
    expect(api.records).toHaveLength(0);
  });
});
