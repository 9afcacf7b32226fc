import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, type Server } from "node:tls";
import { describeWithService } from "faucet-conformance";
import { FaucetError, silentLogger } from "faucet-core";
import { definition, RedisStateStore } from "faucet-state-redis";
import { afterAll, beforeAll, expect, test } from "vitest";
import { dropNamespace, rawClient, uniqueNamespace } from "./helpers.js";

const hasOpenssl = spawnSync("openssl", ["version"]).status === 0;

/**
 * rediss:// against a TLS terminator on loopback in front of the local Redis, with a throwaway
 * self-signed certificate for localhost and 127.0.0.1 made by openssl for this run.
 */
await describeWithService({ name: "Redis", port: 6379 }, "state-redis over TLS", () => {
  const raw = rawClient();
  const ns = uniqueNamespace("tls");
  const sockets = new Set<Socket>();
  let dir = "";
  let server: Server | undefined;
  let port = 0;

  beforeAll(async () => {
    if (!hasOpenssl) return;
    dir = await mkdtemp(join(tmpdir(), "faucet-state-redis-tls-"));
    const made = spawnSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
        ...["-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "1"],
        ...["-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
      ],
      { encoding: "utf8" },
    );
    if (made.status !== 0) throw new Error(`openssl failed: ${made.stderr}`);
    const [key, cert] = await Promise.all([readFile(join(dir, "key.pem")), readFile(join(dir, "cert.pem"))]);
    server = createServer({ key, cert }, (tlsSocket) => {
      const upstream = connect({ host: "127.0.0.1", port: 6379 });
      for (const s of [tlsSocket, upstream]) {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
        s.on("error", () => {});
      }
      tlsSocket.pipe(upstream).pipe(tlsSocket);
      tlsSocket.on("close", () => upstream.destroy());
      upstream.on("close", () => tlsSocket.destroy());
    });
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    port = (server.address() as { port: number }).port;
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    if (dir) await rm(dir, { recursive: true, force: true });
    await dropNamespace(raw, ns);
    raw.disconnect();
  });

  test.skipIf(!hasOpenssl)("rediss:// with tls_ca_file: puts, gets and leases go through TLS", async () => {
    for (const host of ["localhost", "127.0.0.1"]) {
      const store = new RedisStateStore({
        url: `rediss://${host}:${port}`,
        namespace: ns,
        tls_ca_file: join(dir, "cert.pem"),
      });
      await store.put(host, { over: "tls" });
      expect(await store.get(host)).toEqual({ over: "tls" });
      await (await store.acquireLease(host)).release();
      await store.close();
    }
    expect(await raw.get(`${ns}:localhost`)).toBe('{"over":"tls"}');
  });

  test.skipIf(!hasOpenssl)("a relative tls_ca_file resolves against the config file's directory", async () => {
    const store = await definition.create(
      { ...definition.config.parse({ url: `rediss://localhost:${port}`, namespace: ns }), tls_ca_file: "cert.pem" },
      { baseDir: dir, logger: silentLogger, pipeline: "tls" },
    );
    expect(await store.get("localhost")).toEqual({ over: "tls" });
    await store.close?.();
  });

  test.skipIf(!hasOpenssl)("an untrusted certificate is a connection error that points at tls_ca_file", async () => {
    const store = new RedisStateStore({ url: `rediss://localhost:${port}`, namespace: ns });
    const error = await store.get("k").catch((e: unknown) => e);
    expect(FaucetError.is(error, "connection")).toBe(true);
    expect((error as FaucetError).message).toMatch(/could not connect to Redis at localhost:\d+\/0: .*certificate/);
    expect((error as FaucetError).hint).toMatch(/tls_ca_file/);
    await store.close();
  });
});
