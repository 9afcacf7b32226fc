import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { StateStore } from "faucet-core";
import { FileStateStore, MemoryStateStore } from "faucet-core";
import { afterAll, describe, expect, test } from "vitest";

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "faucet-state-"));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe.each([
  ["MemoryStateStore", async () => new MemoryStateStore()],
  ["FileStateStore", async () => new FileStateStore(join(await tempDir(), "nested", "state"))],
] as [string, () => Promise<StateStore>][])("%s", (_name, create) => {
  test("get, put, delete and list", async () => {
    const store = await create();
    expect(await store.get("a")).toBeUndefined();
    await store.put("a", { cursor: "x", n: [1, 2] });
    await store.put("b/with spaces:ü", 42);
    expect(await store.get("a")).toEqual({ cursor: "x", n: [1, 2] });
    expect(await store.get("b/with spaces:ü")).toBe(42);
    expect(await store.list?.()).toEqual(["a", "b/with spaces:ü"]);
    await store.delete("a");
    await store.delete("never-there");
    expect(await store.get("a")).toBeUndefined();
    expect(await store.list?.()).toEqual(["b/with spaces:ü"]);
  });

  test("a stored value is a copy", async () => {
    const store = await create();
    const value = { n: 1 };
    await store.put("k", value);
    value.n = 2;
    expect(await store.get("k")).toEqual({ n: 1 });
  });
});

test("a corrupt state file is a clear state error", async () => {
  const dir = await tempDir();
  const store = new FileStateStore(dir);
  await store.put("k", 1);
  await writeFile(store.pathFor("k"), "{ not json");
  await expect(store.get("k")).rejects.toMatchObject({
    kind: "state",
    message: expect.stringContaining("is not valid JSON"),
  });
});

test("an unwritable state directory is a clear state error", async () => {
  const dir = await tempDir();
  await writeFile(join(dir, "file"), "");
  const store = new FileStateStore(join(dir, "file", "state"));
  await expect(store.put("k", 1)).rejects.toMatchObject({ kind: "state" });
});

test("FileStateStore survives SIGKILL mid-write: the file always holds the old or the new value", async () => {
  const dir = await tempDir();
  const writer = fileURLToPath(new URL("./fixtures/state-writer.mjs", import.meta.url));
  const store = new FileStateStore(dir);
  let last = 0;
  for (let round = 0; round < 25; round++) {
    const child = spawn(process.execPath, [writer, dir], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    await new Promise((r) => setTimeout(r, 5 + Math.random() * 40));
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    const text = await readFile(store.pathFor("bookmark"), "utf8");
    const parsed = JSON.parse(text) as { key: string; value: { n: number; pad: string } };
    expect(parsed.key).toBe("bookmark");
    expect(parsed.value.pad).toBe("x".repeat(4096 + (parsed.value.n % 97)));
    expect(parsed.value.n).toBeGreaterThanOrEqual(last);
    last = parsed.value.n;
  }
  expect(last).toBeGreaterThan(0);
  // The next writer cleans up temporary files the killed writers left behind.
  await store.put("other", 1);
  expect((await readdir(dir)).filter((n) => n.endsWith(".tmp"))).toEqual([]);
});
