import { LazyResource, lazyPool } from "faucet-common-sql";
import type { LogFields, Logger } from "faucet-core";
import { expect, test } from "vitest";

test("a lazy resource opens once, retries a failed open, refuses use once closed and closes once", async () => {
  let opens = 0;
  const ended: number[] = [];
  const failures: unknown[] = [];
  const resource = new LazyResource({
    open: async () => {
      opens++;
      if (opens === 1) throw new Error("first open fails");
      return opens;
    },
    end: (n: number) => {
      ended.push(n);
      throw new Error("end fails");
    },
    connector: "source-x",
    closedMessage: "the pool is closed",
    onEndError: (error) => failures.push(error),
  });
  await expect(resource.get()).rejects.toThrow("first open fails");
  expect(await Promise.all([resource.get(), resource.get()])).toEqual([2, 2]);
  await resource.close();
  await resource.close();
  expect(ended).toEqual([2]);
  expect(failures).toHaveLength(1);
  await expect(resource.get()).rejects.toMatchObject({ kind: "connection", detail: "the pool is closed" });
});

test("a lazy pool ends the driver's pool once and warns, never throws, when that fails", async () => {
  const warnings: [string, LogFields | undefined][] = [];
  const logger = { warn: (message: string, fields?: LogFields) => warnings.push([message, fields]) } as Logger;
  let ends = 0;
  const pool = lazyPool(
    async () => ({
      end: async () => {
        ends++;
        throw new Error("socket gone");
      },
    }),
    { connector: "sink-x", logger, server: "TheDB" },
  );
  await pool.get();
  await pool.close();
  await pool.close();
  expect(ends).toBe(1);
  expect(warnings).toEqual([["closing the TheDB pool failed", { connector: "sink-x", error: "Error: socket gone" }]]);
  await expect(pool.get()).rejects.toMatchObject({ kind: "connection", detail: "the connection pool is closed" });
});
