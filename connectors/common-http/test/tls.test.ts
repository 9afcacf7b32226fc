import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { HttpClient, parseJsonResponse, TlsConfig } from "faucet-common-http";
import { FaucetError, silentLogger } from "faucet-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rejection, sendJson, startServer, type TestServer } from "./server.js";

/** A self-signed certificate for 127.0.0.1 (it is its own CA), made with the openssl CLI. */
function selfSigned(dir: string, name: string): { cert: string; key: string } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.pem`);
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      `/CN=${name}`,
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-keyout",
      key,
      "-out",
      cert,
    ],
    { stdio: "ignore" },
  );
  return { cert: readFileSync(cert, "utf8"), key: readFileSync(key, "utf8") };
}

describe("TLS", () => {
  let dir: string;
  let server: { cert: string; key: string };
  let clientId: { cert: string; key: string };
  let https: TestServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "faucet-tls-"));
    server = selfSigned(dir, "server");
    clientId = selfSigned(dir, "client");
    https = await startServer(
      (req, res) => {
        const peer = (res.socket as TLSSocket).getPeerCertificate();
        sendJson(res, 200, { client: peer?.subject?.CN ?? null, path: req.path });
      },
      (listener) =>
        createServer(
          { key: server.key, cert: server.cert, requestCert: true, rejectUnauthorized: false, ca: [clientId.cert] },
          listener,
        ),
    );
  });

  afterAll(async () => {
    await https?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const request = async (tls: unknown) => {
    const client = new HttpClient({
      connector: "test-http",
      baseUrl: https.url,
      tls: TlsConfig.parse(tls),
      logger: silentLogger,
      retry: { maxRetries: 0 },
    });
    try {
      return parseJsonResponse(await client.request({ url: "/secure" }), "t");
    } finally {
      await client.close();
    }
  };

  it("refuses an untrusted certificate with an http error that says how to fix it", async () => {
    const error = await rejection(request({}));
    expect(FaucetError.is(error, "http")).toBe(true);
    expect((error as FaucetError).message).toContain("TLS");
    expect((error as FaucetError).hint).toContain("tls.ca_cert");
  });

  it("trusts a private CA, and presents a client certificate (mutual TLS)", async () => {
    expect(await request({ ca_cert: server.cert })).toEqual({ client: null, path: "/secure" });
    expect(
      await request({ ca_cert: server.cert, client_cert: clientId.cert, client_key: clientId.key, min_version: "1.2" }),
    ).toEqual({
      client: "client",
      path: "/secure",
    });
  });

  it("insecure_skip_verify accepts any certificate", async () => {
    expect(await request({ insecure_skip_verify: true })).toEqual({ client: null, path: "/secure" });
  });

  it("half a PEM pair is a config error", () => {
    expect(TlsConfig.safeParse({ client_cert: clientId.cert }).success).toBe(false);
  });
});
