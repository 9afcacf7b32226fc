import { LazyResource } from "faucet-common-sql";
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
