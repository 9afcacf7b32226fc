import {
  describeTarget,
  literalFor,
  type MysqlColumn,
  MysqlPool,
  quoteIdent,
  quoteString,
  resolveConnection,
  splitQualifiedName,
} from "faucet-common-mysql";
import { describeWithService } from "faucet-conformance";
import { FaucetError } from "faucet-core";
import { expect, test } from "vitest";

test("connection_url and fields resolve into one target; fields win; bad URLs are config errors", () => {
  const t = resolveConnection({
    connection_url: "mysql://app:p%40ss@db.internal:3307/shop?ssl-mode=VERIFY_IDENTITY",
    port: 3308,
  });
  expect(t).toMatchObject({
    host: "db.internal",
    port: 3308,
    user: "app",
    password: "p@ss",
    database: "shop",
    sslMode: "verify-full",
  });
  expect(describeTarget(t)).toBe("app@db.internal:3308/shop");
  expect(resolveConnection({ host: "h", timezone: "+05:30" })).toMatchObject({
    port: 3306,
    user: "root",
    offsetMinutes: 330,
  });
  expect(() => resolveConnection({ connection_url: "postgres://x@y/z" }, "sink-mysql")).toThrow(
    /scheme is postgres, not mysql/,
  );
  expect(() => resolveConnection({ connection_url: "mysql://h/?ssl-mode=MAYBE" })).toThrow(/ssl-mode=MAYBE/);
});

test("quoting: identifiers in backticks, strings with backslash escapes, qualified names split", () => {
  expect(quoteIdent("a`b")).toBe("`a``b`");
  expect(quoteString("it's \\ \n \0")).toBe("'it\\'s \\\\ \\n \\0'");
  expect(splitQualifiedName("shop.`order lines`")).toEqual({ database: "shop", table: "order lines" });
  expect(() => splitQualifiedName("a.b.c")).toThrow(/not a table name/);
});

test("literals by column type: binary from base64, timestamps to the session offset, JSON text, no rounding", () => {
  const column = (dataType: string, columnType = dataType, json = false): MysqlColumn => ({
    name: "c",
    dataType,
    columnType,
    nullable: true,
    generated: false,
    json,
  });
  expect(literalFor(column("blob"), 0)("AAH/")).toBe("X'0001ff'");
  expect(() => literalFor(column("blob"), 0)("not base64!")).toThrow(/base64/);
  expect(literalFor(column("datetime", "datetime(6)"), 0)("2024-02-29T23:59:59.5+05:30")).toBe(
    "'2024-02-29 18:29:59.500000'",
  );
  expect(literalFor(column("datetime", "datetime(3)"), 120)("2024-02-29T23:59:59.5Z")).toBe(
    "'2024-03-01 01:59:59.500'",
  );
  expect(literalFor(column("longtext", "longtext", true), 0)({ a: "x" })).toBe(`'{\\"a\\":\\"x\\"}'`);
  expect(literalFor(column("longtext", "longtext", true), 0)("s")).toBe(`'\\"s\\"'`);
  expect(() => literalFor(column("int", "int(11)"), 0)(1.5)).toThrow(/not an integer/);
  expect(literalFor(column("bigint"), 0)("9223372036854775807")).toBe("'9223372036854775807'");
  expect(literalFor(column("varchar"), 0)(null)).toBe("NULL");
  expect(literalFor(column("varchar"), 0)([1, "a"])).toBe(`'[1,\\"a\\"]'`);
});

await describeWithService({ name: "MariaDB", port: 3306 }, "the pool against MariaDB", () => {
  test("sessions get the time zone; max_allowed_packet is read; failures name the target, never the password", async () => {
    const pool = new MysqlPool(
      { connection_url: "mysql://root@127.0.0.1:3306/test", timezone: "-03:00" },
      { connector: "t" },
    );
    const [rows] = await pool.query<never>("SELECT @@session.time_zone AS tz", [], "source");
    expect(rows).toEqual([{ tz: "-03:00" }]);
    expect(await pool.maxAllowedPacket()).toBeGreaterThan(1024);
    await pool.close();
    await pool.close();
    const wrong = new MysqlPool(
      { connection_url: "mysql://root:sw0rdfish-secret@127.0.0.1:3306/test" },
      { connector: "t" },
    );
    const error = await wrong.query("SELECT 1", [], "source").catch((e: unknown) => e);
    expect(FaucetError.is(error) && error.kind).toBe("auth");
    expect(`${String(error)} ${(error as Error).stack}`).not.toContain("sw0rdfish-secret");
    await wrong.close();
    const missing = new MysqlPool(
      { connection_url: "mysql://root@127.0.0.1:3306/faucet_no_such_db" },
      { connector: "t" },
    );
    const noDb = await missing.query("SELECT 1", [], "source").catch((e: unknown) => e);
    expect(FaucetError.is(noDb) && noDb.kind).toBe("config");
    await missing.close();
  });
});
