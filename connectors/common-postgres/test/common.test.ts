import { createServer, type Server, type Socket } from "node:net";
import {
  arrayLiteral,
  copyEscape,
  describeTarget,
  hasLongNumberRun,
  isCreateRace,
  isLossy,
  PostgresPool,
  parseArray,
  parseJsonbExact,
  parseJsonExact,
  qualifiedName,
  quoteIdent,
  quoteLiteral,
  resolveConnection,
  serializerFor,
  splitQualifiedName,
  TypeRegistry,
} from "faucet-common-postgres";
import { describeWithService } from "faucet-conformance";
import { clearSecrets, FaucetError } from "faucet-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type PasswordServer, passwordServerUnavailable, startPasswordServer } from "./password-server.js";
import { ADMIN_URL as URL } from "./server.js";

describe("connection config", () => {
  test("the URL gives the parts, explicit fields override them", () => {
    const t = resolveConnection({
      connection_url: "postgresql://app:p%40ss@db.example:6543/shop?sslmode=verify-full&application_name=x",
      port: 7000,
    });
    expect(t).toMatchObject({
      host: "db.example",
      port: 7000,
      user: "app",
      password: "p@ss",
      database: "shop",
      sslMode: "verify-full",
      applicationName: "x",
    });
    expect(describeTarget(t)).toBe("app@db.example:7000/shop");
    expect(resolveConnection({ host: "h" })).toMatchObject({ port: 5432, user: "postgres", database: "postgres" });
    expect(resolveConnection({ connection_url: "postgres://[::1]:5433/d" }).host).toBe("::1");
    expect(describeTarget(resolveConnection({ connection_url: "postgres://[::1]:5433/d" }))).toBe(
      "postgres@[::1]:5433/d",
    );
  });

  test("a bad URL is a config error that does not print it", () => {
    for (const url of [
      "not a url",
      "mysql://u:hunter2@h/db",
      "postgres://u:hunter2@h:99999/db",
      "postgres://h/d?sslmode=x",
    ]) {
      const error = (() => {
        try {
          resolveConnection({ connection_url: url }, "sink-postgres");
        } catch (e) {
          return e;
        }
      })();
      expect(FaucetError.is(error, "config"), url).toBe(true);
      expect((error as Error).message).not.toContain("hunter2");
    }
  });
});

describe("errors", () => {
  test("isCreateRace: a CREATE … IF NOT EXISTS another session won, raw or wrapped", () => {
    for (const code of ["42P07", "42P06", "42710", "23505"]) {
      expect(isCreateRace(Object.assign(new Error("exists"), { code }))).toBe(true);
      expect(
        isCreateRace(new FaucetError("sink", "create failed", { cause: Object.assign(new Error("x"), { code }) })),
      ).toBe(true);
    }
    for (const error of [
      Object.assign(new Error("denied"), { code: "42501" }),
      new Error("no code"),
      undefined,
      "text",
    ]) {
      expect(isCreateRace(error)).toBe(false);
    }
  });
});

describe("identifiers and literals", () => {
  test("quoting", () => {
    expect(quoteIdent('Order "Lines"')).toBe('"Order ""Lines"""');
    expect(qualifiedName("s", "t")).toBe('"s"."t"');
    expect(qualifiedName(undefined, "t")).toBe('"t"');
    expect(quoteLiteral("it's \\ ok")).toBe("E'it\\'s \\\\ ok'");
    expect(splitQualifiedName('sales."Order.Lines"')).toEqual({ schema: "sales", table: "Order.Lines" });
    expect(splitQualifiedName('"A""b"')).toEqual({ schema: undefined, table: 'A"b' });
    expect(() => splitQualifiedName("a.b.c")).toThrow();
  });
});

describe("type mapping", () => {
  test("array literals parse with quoting, NULLs, nesting and dimension prefixes", () => {
    expect(parseArray('{1,NULL,"3"}', Number)).toEqual([1, null, 3]);
    expect(parseArray('{"a\\"b","c\\\\d","NULL",""}', (s) => s)).toEqual(['a"b', "c\\d", "NULL", ""]);
    expect(parseArray("{{1,2},{3,4}}", Number)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(parseArray("[0:1]={7,8}", Number)).toEqual([7, 8]);
    expect(parseArray("{}", Number)).toEqual([]);
    expect(() => parseArray("{1,2", Number)).toThrow(/malformed/);
  });

  test("JSON numbers a double cannot hold become exact strings", () => {
    expect(parseJsonExact('{"a":12345678901234567890,"b":1.5,"c":"12345678901234567890"}')).toEqual({
      a: "12345678901234567890",
      b: 1.5,
      c: "12345678901234567890",
    });
    expect(parseJsonExact("[0.1234567890123456789, 1e400, 1e-400, 9007199254740993, 123456789012345678]")).toEqual([
      "0.1234567890123456789",
      "1e400",
      "1e-400",
      "9007199254740993",
      "123456789012345678",
    ]);
    expect(parseJsonExact("[1234567890123456.0, 0.1000000000000000, 1E+2, -0]")).toEqual([
      1234567890123456, 0.1, 100, -0,
    ]);
    expect(isLossy("9007199254740992")).toBe(false);
    expect(isLossy("9007199254740993")).toBe(true);
  });

  test("the skip-scan for long digit runs agrees with the regex it replaces", () => {
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const regex = /[\d.]{16}/;
    for (let i = 0; i < 20_000; i++) {
      const alphabet = next() < 0.5 ? "0123456789." : '0123456789.ax"{';
      let text = "";
      const length = Math.floor(next() * 70);
      for (let j = 0; j < length; j++) text += alphabet[Math.floor(next() * alphabet.length)];
      expect(hasLongNumberRun(text), text).toBe(regex.test(text));
    }
    expect(parseJsonbExact('{"n": 10000000000000000001, "m": 1000000000000000000000}')).toEqual({
      n: "10000000000000000001",
      m: 1e21,
    });
  });

  test("parsers are per registry, never global", async () => {
    const registry = new TypeRegistry();
    expect(registry.parserFor(20)("9223372036854775807")).toBe("9223372036854775807");
    expect(registry.parserFor(20)("42")).toBe(42);
    const pg = (await import("pg")).default;
    expect(pg.types.getTypeParser(20, "text")("42")).toBe("42"); // pg's own default is untouched
    registry.learn([{ oid: 90001, typtype: "d", typcategory: "N", typelem: 0, typdelim: ",", typbasetype: 20 }]);
    expect(registry.parserFor(90001)("7")).toBe(7);
  });

  test("serializers write JSON, bytea, arrays and booleans as Postgres text", () => {
    expect(serializerFor({ oid: 3802, category: "U" })({ a: [1, "x"] })).toBe('{"a":[1,"x"]}');
    expect(serializerFor({ oid: 3802, category: "U" })("s")).toBe('"s"');
    expect(serializerFor({ oid: 17, category: "U" })("AAH/")).toBe("\\x0001ff");
    expect(() => serializerFor({ oid: 17, category: "U" })("%%%")).toThrow(/base64/);
    expect(serializerFor({ oid: 16, category: "B" })(false)).toBe("f");
    expect(
      serializerFor({ oid: 1007, category: "A", elementOid: 23 })([
        [1, null],
        [3, 4],
      ]),
    ).toBe('{{"1",NULL},{"3","4"}}');
    expect(serializerFor({ oid: 3807, category: "A", elementOid: 3802 })([[1], { a: '"' }])).toBe(
      '{"[1]","{\\"a\\":\\"\\\\\\"\\"}"}',
    );
    expect(serializerFor({ oid: 25, category: "S" })(undefined)).toBeNull();
    expect(arrayLiteral(["a,b", "{}"], String, true)).toBe('{"a,b","{}"}');
    expect(copyEscape("a\tb\nc\\d\re")).toBe("a\\tb\\nc\\\\d\\re");
    expect(copyEscape(null)).toBe("\\N");
  });
});

await describeWithService({ name: "PostgreSQL", port: 5432 }, "connections", () => {
  test("session settings: UTC ISO timestamps, ISO intervals, hex bytea", async () => {
    const pool = new PostgresPool({ connection_url: URL }, { connector: "test" });
    const { rows } = await pool.query(
      "SELECT current_setting('TimeZone') AS tz, '2024-01-01 12:00+02'::timestamptz AS t, '90 minutes'::interval AS i",
      [],
      "source",
    );
    expect(rows[0]).toEqual({ tz: "UTC", t: "2024-01-01T10:00:00Z", i: "PT1H30M" });
    await pool.close();
    await pool.close();
  });

  test("withClient reuses a healthy connection and destroys one a connection error broke", async () => {
    const pool = new PostgresPool({ connection_url: URL }, { connector: "test", maxConnections: 1 });
    const pid = () =>
      pool.withClient(async (client) => (await client.query("SELECT pg_backend_pid() AS pid")).rows[0].pid as number);
    const first = await pid();
    expect(await pid()).toBe(first);
    const killed = await pool
      .query("SELECT pg_terminate_backend(pg_backend_pid())", [], "source")
      .catch((error: unknown) => error);
    expect(FaucetError.is(killed) && killed.kind).toBe("connection");
    expect(await pid()).not.toBe(first);
    await pool.close();
  });

  test("a closed port is a connection error naming host, port and user", async () => {
    const pool = new PostgresPool(
      { host: "127.0.0.1", port: 1, user: "alice", password: "pw-never-shown" },
      { connector: "source-postgres" },
    );
    const error = await pool.query("SELECT 1", [], "source").catch((e: unknown) => e);
    expect(FaucetError.is(error, "connection")).toBe(true);
    expect((error as Error).message).toMatch(
      /^\[faucet\] \[source-postgres\] could not connect to alice@127\.0\.0\.1:1\/alice/,
    );
    expect((error as Error).message).not.toContain("pw-never-shown");
    expect((error as FaucetError).retryable).toBe(true);
    await pool.close();
  });

  describe("a server that never answers", () => {
    let server: Server;
    let port = 0;
    const sockets = new Set<Socket>();
    beforeAll(async () => {
      // Accepts the TCP connection and then says nothing, like a host behind a dropping firewall.
      server = createServer((socket) => {
        sockets.add(socket);
        socket.on("error", () => {});
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      port = (server.address() as { port: number }).port;
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    });

    test("fails with a timeout error after connect_timeout_secs", async () => {
      const pool = new PostgresPool(
        { host: "127.0.0.1", port, connect_timeout_secs: 1 },
        { connector: "sink-postgres" },
      );
      const started = Date.now();
      const error = await pool.query("SELECT 1", [], "sink").catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(FaucetError.is(error, "timeout")).toBe(true);
      expect((error as Error).message).toMatch(
        /could not connect to postgres@127\.0\.0\.1:\d+\/postgres: no answer within 1s/,
      );
      await pool.close();
    });
  });

  test("a database that does not exist is a config error", async () => {
    const pool = new PostgresPool(
      { connection_url: URL, database: "faucet_no_such_db" },
      { connector: "source-postgres" },
    );
    const error = await pool.query("SELECT 1", [], "source").catch((e: unknown) => e);
    expect(FaucetError.is(error, "config")).toBe(true);
    expect((error as Error).message).toMatch(/database "faucet_no_such_db" does not exist/);
    await pool.close();
  });

  const unavailable = passwordServerUnavailable();
  describe.skipIf(unavailable !== undefined && process.env.CI !== "true")("wrong password", () => {
    let server: PasswordServer | undefined;
    beforeAll(async () => {
      if (unavailable) throw new Error(`a password-checking server cannot run here: ${unavailable}`);
      server = await startPasswordServer();
    }, 120_000);
    afterAll(() => server?.stop());

    test("the right password connects", async () => {
      const s = server as PasswordServer;
      const pool = new PostgresPool(
        { connection_url: `postgres://${s.user}:${encodeURIComponent(s.password)}@127.0.0.1:${s.port}/postgres` },
        { connector: "source-postgres" },
      );
      expect((await pool.query("SELECT 1 AS one", [], "source")).rows).toEqual([{ one: 1 }]);
      await pool.close();
    });

    test("a wrong password is an auth error naming host and user, never the password", async () => {
      const s = server as PasswordServer;
      clearSecrets();
      for (const config of [
        { connection_url: `postgres://${s.user}:Wr0ng-Secret-Value@127.0.0.1:${s.port}/postgres` },
        { host: "127.0.0.1", port: s.port, user: s.user, password: "Wr0ng-Secret-Value", database: "postgres" },
      ]) {
        const pool = new PostgresPool(config, { connector: "sink-postgres" });
        const error = await pool.query("SELECT 1", [], "sink").catch((e: unknown) => e);
        expect(FaucetError.is(error, "auth")).toBe(true);
        const text = `${(error as Error).message} ${(error as FaucetError).hint} ${JSON.stringify(error)}`;
        expect(text).toContain(`authentication failed for user "${s.user}" at ${s.user}@127.0.0.1:${s.port}/postgres`);
        expect(text).not.toContain("Wr0ng-Secret-Value");
        expect((error as FaucetError).retryable).toBe(false);
        await pool.close();
      }
    });
  });
  if (unavailable) console.warn(`!!! SKIPPING the wrong-password test: ${unavailable} !!!`);
});
