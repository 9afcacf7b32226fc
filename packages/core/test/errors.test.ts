import { readFile } from "node:fs/promises";
import { clearSecrets, ERROR_KINDS, FaucetError, registerSecret } from "faucet-core";
import { afterEach, expect, test } from "vitest";

afterEach(() => clearSecrets());

test("docs/errors.md lists exactly the kinds in the code, in order", async () => {
  const docs = await readFile(new URL("../../../docs/errors.md", import.meta.url), "utf8");
  const documented = [...docs.matchAll(/^\| `([a-z_]+)` +\|/gm)].map((m) => m[1]);
  expect(documented).toEqual([...ERROR_KINDS]);
});

test("custom keeps the third-party error as cause and FaucetErrors pass through", () => {
  const original = new RangeError("out of range");
  const wrapped = FaucetError.custom(original);
  expect(wrapped).toBeInstanceOf(FaucetError);
  expect(wrapped.kind).toBe("custom");
  expect(wrapped.cause).toBe(original);
  expect(wrapped.retryable).toBe(false);
  expect(FaucetError.custom(wrapped)).toBe(wrapped);
  expect(FaucetError.custom("plain text").message).toBe("[faucet] plain text");
});

test("messages carry the connector, the hint, and never a registered secret", () => {
  registerSecret("hunter2-secret");
  const error = new FaucetError("auth", "login failed with password hunter2-secret", {
    connector: "source-postgres",
    hint: "check the password",
  });
  expect(error.message).toBe("[faucet] [source-postgres] login failed with password *** (hint: check the password)");
  expect(JSON.stringify(error.toJSON())).not.toContain("hunter2");
});

test("passwords inside URLs are masked even when never registered", () => {
  const error = new FaucetError("connection", "could not connect to postgres://app:s3cr3t@db:5432/test");
  expect(error.message).toContain("postgres://app:***@db:5432/test");
});

test("retryable defaults by kind and can be overridden", () => {
  expect(new FaucetError("connection", "x").retryable).toBe(true);
  expect(new FaucetError("rate_limited", "x").retryable).toBe(true);
  expect(new FaucetError("config", "x").retryable).toBe(false);
  expect(new FaucetError("http_status", "x", { retryable: true }).retryable).toBe(true);
});

test("wrap reads retryable from third-party errors that declare it", () => {
  const vendor = Object.assign(new Error("try later"), { retryable: true });
  expect(FaucetError.wrap(vendor, "sink").retryable).toBe(true);
});
