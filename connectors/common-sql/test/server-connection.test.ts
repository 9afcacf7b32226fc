import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  connectionRequirement,
  describeServer,
  parseServerUrl,
  readTlsFiles,
  resolveServer,
  type ServerUrlOptions,
  serverConnectError,
  serverConnectionFields,
  withBaseDir,
} from "faucet-common-sql";
import { FaucetError, parseConfig, z } from "faucet-core";
import { describe, expect, test } from "vitest";

const options: ServerUrlOptions = {
  schemes: ["pg", "pgsql"],
  example: "pg://user:password@host:1/database",
  connector: "sink-x",
  certificateParams: { root: ["ca", "rootcert"], cert: ["cert"], key: ["key"] },
};

describe("connection config", () => {
  const Config = z
    .strictObject(serverConnectionFields({ url: "URL", defaultPort: 1, defaultUser: "me", database: "DB" }))
    .superRefine(connectionRequirement("pg://host/db"));

  test("fields with the dialect's texts; connection_url or host is required", () => {
    expect(parseConfig(Config, { host: "h" })).toEqual({ host: "h", connect_timeout_secs: 10 });
    expect(() => parseConfig(Config, {})).toThrow(/set connection_url \(pg:\/\/host\/db\) or host/);
    expect(() => parseConfig(Config, { host: "h", ssl_mode: "prefer" })).toThrow(/ssl_mode/);
    const shape = Config.shape;
    expect(shape.port.description).toBe("Server port; default 1");
    expect(shape.user.description).toBe("User name; default the URL's, else `me`");
  });

  test("URL parts; explicit fields over them over the defaults", () => {
    const { parts, params } = parseServerUrl("pgsql://a%40b:p%3Ass@[::1]:7/d%20b?rootcert=r.pem&ca=c.pem&x=1", options);
    expect(parts).toEqual({
      host: "::1",
      port: 7,
      user: "a@b",
      password: "p:ss",
      database: "d b",
      sslRootCert: "c.pem",
    });
    expect(params.get("x")).toBe("1");
    const target = resolveServer({ port: 9, connect_timeout_secs: 1.5 }, parts, { port: 1, user: "me" });
    expect(target).toEqual({
      host: "::1",
      port: 9,
      user: "a@b",
      password: "p:ss",
      sslMode: "disable",
      sslRootCert: "c.pem",
      sslCert: undefined,
      sslKey: undefined,
      connectTimeoutMs: 1500,
    });
    expect(describeServer(target, "d b")).toBe("a@b@[::1]:9/d b");
    expect(describeServer({ user: "u", host: "/run/pg", port: 1 }, "d")).toBe("u@/run/pg:1/d");
    expect(resolveServer({}, {}, { port: 1, user: "me" })).toMatchObject({ host: "127.0.0.1", port: 1, user: "me" });
  });

  test("host and port in the query only where the dialect reads them there", () => {
    const url = "pg://h:5/d?host=/tmp&port=6";
    expect(parseServerUrl(url, options).parts).toMatchObject({ host: "h", port: 5 });
    expect(parseServerUrl(url, { ...options, hostInQuery: true }).parts).toMatchObject({ host: "/tmp", port: 6 });
  });

  test("a URL that is not usable is a config error that never prints it", () => {
    for (const [url, why] of [
      ["not a url", /not a valid URL/],
      ["mysql://u:hunter2@h/db", /its scheme is mysql, not pg/],
      ["pg://u:hunter2@h:0/db", /port 0 is not a port number/],
    ] as const) {
      const error = (() => {
        try {
          parseServerUrl(url, options);
        } catch (e) {
          return e;
        }
      })();
      expect(FaucetError.is(error, "config"), url).toBe(true);
      expect((error as FaucetError).message).toMatch(why);
      expect((error as FaucetError).message).not.toContain("hunter2");
      // The hint's example URL has its user:password part redacted like any credential.
      expect((error as FaucetError).hint).toMatch(
        /^write it as pg:\/\/.+@host:1\/database \(percent-encode special characters\)$/,
      );
    }
  });

  test("certificate paths resolve against the config's directory; unreadable files are config errors", () => {
    expect(withBaseDir({ ssl_cert: "c.pem", other: 1 }, "/etc/x")).toEqual({ ssl_cert: "/etc/x/c.pem", other: 1 });
    const dir = mkdtempSync(join(tmpdir(), "faucet-tls-"));
    writeFileSync(join(dir, "ca.pem"), "CA");
    expect(readTlsFiles({ sslRootCert: join(dir, "ca.pem"), sslCert: undefined, sslKey: undefined }, "x")).toEqual({
      ca: "CA",
    });
    expect(() =>
      readTlsFiles({ sslRootCert: undefined, sslCert: join(dir, "no.pem"), sslKey: undefined }, "x"),
    ).toThrow(/could not read ssl_cert/);
  });
});

describe("connect errors", () => {
  const target = { user: "u", host: "h", connectTimeoutMs: 2500, database: "d" };
  const failure = {
    code: undefined,
    text: "boom",
    auth: false,
    missingDatabase: false,
    authHint: "check the password",
    server: "TheDB",
  };
  const map = (error: unknown, more: Partial<typeof failure> & { retryable?: boolean } = {}) =>
    serverConnectError(error, target, "u@h:1/d", "source-x", { ...failure, ...more });

  test("auth, missing database, timeout, unknown host and the rest, each with its kind and hint", () => {
    const auth = map(new Error("denied"), { auth: true, text: "denied" });
    expect([auth.kind, auth.retryable, auth.hint]).toEqual(["auth", false, "check the password"]);
    expect(auth.message).toContain('authentication failed for user "u" at u@h:1/d: denied');
    expect(map(new Error("x"), { missingDatabase: true }).message).toContain('database "d" does not exist at u@h:1/d');
    expect(map(new Error("x"), { text: "Connection timed out" }).message).toContain("no answer within 2.5s");
    const lookup = map(new Error("x"), { code: "EAI_AGAIN" });
    expect([lookup.kind, lookup.retryable, lookup.detail]).toEqual([
      "connection",
      true,
      'could not connect to u@h:1/d: host "h" not found',
    ]);
    const other = map(new Error("x"));
    expect([other.kind, other.retryable]).toEqual(["connection", true]);
    expect(other.hint).toContain("check that TheDB is running");
    expect(map(new Error("x"), { retryable: false }).retryable).toBe(false);
    const kept = new FaucetError("config", "as it was");
    expect(map(kept)).toBe(kept);
  });
});
