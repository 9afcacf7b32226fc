import { createServer as createHttpServer } from "node:http";
import { createServer as createTcpServer, type Server, type Socket } from "node:net";
import { assertResourcesReleased, describeWithService } from "faucet-conformance";
import { FaucetError, type Value } from "faucet-core";
import { definition, RedisStateStore } from "faucet-state-redis";
import { expect, test } from "vitest";
import { REDIS_URL, redisScratch } from "./helpers.js";

const PASSWORD = "hunter2-redis-secret";

async function failure(promise: Promise<unknown>): Promise<FaucetError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(FaucetError.is(error)).toBe(true);
  return error as FaucetError;
}

/** A loopback server that accepts connections and never answers (a black-holed Redis). */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

test("config: defaults, strict keys, namespace and REDIS_URL checks that never echo the REDIS_URL", () => {
  expect(definition).toMatchObject({ kind: "state", type: "redis" });
  const store = new RedisStateStore({ url: "redis://127.0.0.1:6379" });
  expect(store.config).toMatchObject({ namespace: "faucet", connect_timeout_secs: 10, wait_replicas: 0 });
  expect(store.redisKey("orders")).toBe("faucet:orders");
  expect(store.leaseKey("orders")).toBe("faucet|lease:orders");
  expect(() => new RedisStateStore({ url: REDIS_URL, namepsace: "x" } as never)).toThrow(/did you mean `namespace`/);
  expect(() => new RedisStateStore({ url: REDIS_URL, namespace: "a:b" })).toThrow(/namespace.*no `:`/);
  expect(() => new RedisStateStore({ url: REDIS_URL, namespace: "" })).toThrow(/namespace/);
  expect(() => new RedisStateStore({} as never)).toThrow(/url/);
  for (const url of [`http://u:${PASSWORD}@127.0.0.1:6379`, `redis://u:${PASSWORD}@h/notanumber`, "redis://"]) {
    let error: unknown;
    try {
      new RedisStateStore({ url });
    } catch (e) {
      error = e;
    }
    expect(FaucetError.is(error, "config"), url).toBe(true);
    expect((error as Error).message).toMatch(/url/);
    expect((error as Error).message).not.toContain(PASSWORD);
  }
});

await describeWithService({ name: "Redis", port: 6379 }, "state-redis", () => {
  const { raw, namespace, dropLater } = redisScratch();

  test("get, put (overwrite), delete and list; each key is one JSON string at namespace:key", async () => {
    const ns = namespace("crud");
    const store = new RedisStateStore({ url: REDIS_URL, namespace: ns });
    expect(store.durable).toBe(true);
    expect(await store.get("orders")).toBeUndefined();
    expect(await store.list()).toEqual([]);
    await store.put("orders", { updated_at: "2024-05-01T00:00:00Z", id: 7 });
    await store.put("users", 42);
    expect(await raw.get(`${ns}:orders`)).toBe('{"updated_at":"2024-05-01T00:00:00Z","id":7}');
    await store.put("orders", { bookmark: { id: 8 }, seq: 3 });
    expect(await store.get("orders")).toEqual({ bookmark: { id: 8 }, seq: 3 });
    expect(await store.list()).toEqual(["orders", "users"]);
    await store.delete("users");
    await store.delete("never-there");
    expect(await store.list()).toEqual(["orders"]);
    expect(await store.get("users")).toBeUndefined();
    await store.close();
  });

  test("values and keys round-trip exactly: unicode, big numbers as strings, nesting, glob characters", async () => {
    const ns = namespace("values");
    const store = new RedisStateStore({ url: REDIS_URL, namespace: ns });
    const values: Record<string, Value> = {
      unicode: { name: "Zoë 😀 ✓ עברית \u0301e", nul: "a\u0000b", lone: "\ud800", newline: "a\nb\r\n" },
      big: { id: "12345678901234567890", decimal: "-0.000000000000000000123456789", max: 9007199254740991 },
      nested: { a: [1, [2, [3, { b: null, c: true, d: false }]]], e: {}, f: [], g: "" },
      number: 1.7976931348623157e308,
      tiny: 5e-324,
      text: "just a string",
      nothing: null,
    };
    for (const [key, value] of Object.entries(values)) await store.put(key, value);
    for (const [key, value] of Object.entries(values)) expect(await store.get(key), key).toEqual(value);
    const oddKeys = ["orders::2024", "ключ пробел", "with*glob?[x]", "a:b:c", "faucet|lease:not-a-lease"];
    for (const key of oddKeys) await store.put(key, key);
    expect(await store.list()).toEqual([...Object.keys(values), ...oddKeys].sort());
    for (const key of oddKeys) expect(await store.get(key)).toBe(key);
    await store.close();
  });

  test("a number a double cannot hold, written by another tool, comes back as its exact digits", async () => {
    const ns = namespace("exact");
    await raw.set(`${ns}:from-rust`, '{"id":12345678901234567890,"lsn":1.5}');
    await raw.set(`${ns}:garbage`, "not json {");
    const store = new RedisStateStore({ url: REDIS_URL, namespace: ns });
    expect(await store.get("from-rust")).toEqual({ id: "12345678901234567890", lsn: 1.5 });
    const error = await failure(store.get("garbage"));
    expect(error.kind).toBe("state");
    expect(error.message).toMatch(/\[state-redis\].*garbage is not valid JSON.*faucet state set/);
    await store.close();
  });

  test("namespaces are isolated; two stores (two machines) in one namespace share it", async () => {
    const base = namespace("iso");
    const sub = `${base}.sub`;
    dropLater(sub);
    const a = new RedisStateStore({ url: REDIS_URL, namespace: base });
    const b = new RedisStateStore({ url: REDIS_URL, namespace: sub });
    const a2 = new RedisStateStore({ url: REDIS_URL, namespace: base });
    await a.put("orders", "a");
    await b.put("orders", "b");
    await b.put("only-b", 1);
    const lease = await a.acquireLease("orders");
    expect(await a.get("orders")).toBe("a");
    expect(await b.get("orders")).toBe("b");
    expect(await a.list()).toEqual(["orders"]);
    expect(await b.list()).toEqual(["only-b", "orders"]);
    // The lease is per namespace too.
    await (await b.acquireLease("orders")).release();
    await b.delete("orders");
    expect(await a.get("orders")).toBe("a");
    await a2.put("shared", { from: "a2" });
    expect(await a.get("shared")).toEqual({ from: "a2" });
    await lease.release();
    await Promise.all([a.close(), b.close(), a2.close()]);
  });

  test("wait_replicas and wait_aof fail a put that Redis cannot make durable, with a hint", async () => {
    const ns = namespace("wait");
    const replicas = new RedisStateStore({ url: REDIS_URL, namespace: ns, wait_replicas: 1, wait_timeout_secs: 0.2 });
    const error = await failure(replicas.put("k", 1));
    expect(error.kind).toBe("state");
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/written but not made durable in time \(acknowledged by 0 of 1 replicas\)/);
    await replicas.close();
    // This server has no append-only file (and 7.0 has no WAITAOF): either way a clear refusal.
    const aof = new RedisStateStore({ url: REDIS_URL, namespace: ns, wait_aof: true });
    const aofError = await failure(aof.put("k", 2));
    expect(aofError.kind).toBe("state");
    expect(aofError.message).toMatch(/WAITAOF|appendonly/);
    expect(aofError.hint).toMatch(/wait_aof needs Redis 7\.2/);
    await aof.close();
  });

  test("an unreachable port is a connection error naming the address, never the password", async () => {
    const store = new RedisStateStore({ url: `redis://app:${PASSWORD}@127.0.0.1:1/0`, connect_timeout_secs: 2 });
    const error = await failure(store.put("k", 1));
    expect(error.kind).toBe("connection");
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(
      /^\[faucet\] \[state-redis\] could not connect to Redis at 127\.0\.0\.1:1\/0: .*ECONNREFUSED/,
    );
    expect(JSON.stringify(error.toJSON())).not.toContain(PASSWORD);
    // The store stays usable: the next call tries again (and fails the same way).
    expect((await failure(store.get("k"))).kind).toBe("connection");
    await store.close();
  });

  test("wrong credentials are an auth error without the password", async () => {
    const store = new RedisStateStore({ url: `redis://faucet-no-such-user:${PASSWORD}@127.0.0.1:6379` });
    const error = await failure(store.get("k"));
    expect(error.kind).toBe("auth");
    expect(error.message).toMatch(/WRONGPASS/);
    expect(JSON.stringify(error.toJSON())).not.toContain(PASSWORD);
    await store.close();
    // The `password` field is used (with the REDIS_URL's user name) and redacted just the same.
    const separate = new RedisStateStore({ url: "redis://faucet-no-such-user@127.0.0.1:6379", password: PASSWORD });
    const separateError = await failure(separate.get("k"));
    expect(separateError.kind).toBe("auth");
    expect(JSON.stringify(separateError.toJSON())).not.toContain(PASSWORD);
    await separate.close();
  });

  test("a port that is not Redis (an HTTP server) or a database that does not exist: clear errors", async () => {
    const http = createHttpServer((_req, res) => res.end("hello"));
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const port = (http.address() as { port: number }).port;
    const notRedis = new RedisStateStore({ url: `redis://127.0.0.1:${port}` });
    const error = await failure(notRedis.get("k"));
    expect(error.kind).toBe("connection");
    expect(error.hint).toMatch(/does not speak the Redis protocol/);
    await notRedis.close();
    await new Promise<void>((resolve) => http.close(() => resolve()));

    const ns = namespace("db");
    const badDb = new RedisStateStore({ url: `${REDIS_URL}/999`, namespace: ns });
    const dbError = await failure(badDb.put("k", 1));
    expect(dbError.kind).toBe("config");
    expect(dbError.message).toMatch(/127\.0\.0\.1:6379\/999: ERR DB index is out of range/);
    expect(await raw.get(`${ns}:k`)).toBeNull(); // not silently written to db 0
    await badDb.close();
  });

  test("a server that accepts but never answers times out", async () => {
    const server = await silentServer();
    const store = new RedisStateStore({
      url: `redis://127.0.0.1:${server.port}`,
      connect_timeout_secs: 0.5,
      command_timeout_secs: 0.5,
    });
    const error = await failure(store.get("k"));
    expect(error.kind).toBe("timeout");
    expect(error.message).toMatch(/could not connect to Redis at 127\.0\.0\.1:\d+\/0: Command timed out/);
    await store.close();
    await server.close();
  });

  test("close() releases every lease and the connection, is idempotent, and later calls fail clearly", async () => {
    const ns = namespace("close");
    let store: RedisStateStore | undefined;
    await assertResourcesReleased(
      () => {
        store = new RedisStateStore({ url: REDIS_URL, namespace: ns });
        const s = store;
        return { connectorName: () => "state-redis", fetchWithContext: async () => [], close: () => s.close() };
      },
      {
        use: async () => {
          const s = store as RedisStateStore;
          await s.put("k", { a: 1 });
          await s.get("k");
          await s.list();
          await s.acquireLease("k", { ttlMs: 300 });
          await s.acquireLease("j", { ttlMs: 60_000 });
          await new Promise((resolve) => setTimeout(resolve, 250)); // a renewal or two
        },
      },
    );
    expect(await raw.exists(`${ns}|lease:k`, `${ns}|lease:j`)).toBe(0);
    const error = await failure((store as RedisStateStore).get("k"));
    expect(error.message).toMatch(/closed/);
    // A store that never connected closes without opening anything.
    await new RedisStateStore({ url: REDIS_URL }).close();
  });
});
