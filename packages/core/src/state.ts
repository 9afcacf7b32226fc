import { mkdir, open, readdir, readFile, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { FaucetError } from "./errors.js";
import type { LeaseOptions, StateLease } from "./lease.js";
import { acquireFileLease } from "./lease.js";
import type { Value } from "./value.js";

/**
 * Where bookmarks live between runs. `put` resolves only once the value is durable.
 *
 * @example
 * const store: StateStore = new FileStateStore(".faucet/state");
 * await store.put("orders", { updated_at: "2024-05-01T00:00:00Z" });
 */
export interface StateStore {
  get(key: string): Promise<Value | undefined>;
  /** Durable before it resolves. */
  put(key: string, value: Value): Promise<void>;
  delete(key: string): Promise<void>;
  /** Every stored key, for `faucet state list`. */
  list?(): Promise<string[]>;
  close?(): Promise<void>;
  /** False for stores that forget on exit; exactly-once delivery refuses them. Default true. */
  readonly durable?: boolean;
  /**
   * Takes exclusive ownership of `key` for a run, renewed while held and expiring if the holder
   * dies; rejects with an "already running" `state` error while another holder has it.
   */
  acquireLease?(key: string, options?: LeaseOptions): Promise<StateLease>;
}

/**
 * A state store in memory: for tests, previews and one-shot library runs.
 *
 * @example
 * const state = new MemoryStateStore();
 * await new Pipeline(source, sink, { stateStore: state }).run();
 */
export class MemoryStateStore implements StateStore {
  readonly durable = false;
  readonly #values = new Map<string, string>();

  async get(key: string): Promise<Value | undefined> {
    const text = this.#values.get(key);
    return text === undefined ? undefined : (JSON.parse(text) as Value);
  }

  async put(key: string, value: Value): Promise<void> {
    // Stored as text, so later mutation of `value` by the caller cannot change the bookmark.
    this.#values.set(key, JSON.stringify(value));
  }

  async delete(key: string): Promise<void> {
    this.#values.delete(key);
  }

  async list(): Promise<string[]> {
    return [...this.#values.keys()].sort();
  }
}

/**
 * A crash-safe state store: one JSON file per key in a directory. Each `put` writes a temporary
 * file, fsyncs it, renames it over the old file and fsyncs the directory, so after a crash the
 * file holds either the old or the new value, never a torn one.
 *
 * @example
 * const state = new FileStateStore(".faucet/state");
 */
export class FileStateStore implements StateStore {
  readonly directory: string;
  #ready: Promise<void> | undefined;
  #counter = 0;

  constructor(directory: string) {
    this.directory = directory;
  }

  /** The file that holds `key`. */
  pathFor(key: string): string {
    return join(this.directory, `${encodeKey(key)}.json`);
  }

  async get(key: string): Promise<Value | undefined> {
    const path = this.pathFor(key);
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw stateError(`could not read state file ${path}`, error);
    }
    try {
      return (JSON.parse(text) as { value: Value }).value;
    } catch (error) {
      throw new FaucetError("state", `state file ${path} is not valid JSON`, {
        cause: error,
        hint: "repair it with `faucet state set`, or delete it to start from the beginning",
      });
    }
  }

  async put(key: string, value: Value): Promise<void> {
    await this.#ensureDirectory();
    const path = this.pathFor(key);
    const temp = `${path}.${process.pid}.${this.#counter++}.tmp`;
    const body = `${JSON.stringify({ key, value, updated_at: new Date().toISOString() })}\n`;
    try {
      const handle = await open(temp, "w", 0o600);
      try {
        await handle.writeFile(body, "utf8");
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, path);
      await syncDirectory(this.directory);
    } catch (error) {
      await unlink(temp).catch(() => {});
      throw stateError(`could not write state file ${path}`, error);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await unlink(this.pathFor(key));
      await syncDirectory(this.directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw stateError(`could not delete state for ${key}`, error);
    }
  }

  async acquireLease(key: string, options?: LeaseOptions): Promise<StateLease> {
    await this.#ensureDirectory();
    return await acquireFileLease(`${this.pathFor(key)}.lock`, key, options);
  }

  async list(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw stateError(`could not list ${this.directory}`, error);
    }
    return names
      .filter((n) => n.endsWith(".json"))
      .map((n) => decodeKey(n.slice(0, -".json".length)))
      .sort();
  }

  #ensureDirectory(): Promise<void> {
    this.#ready ??= mkdir(this.directory, { recursive: true }).then(
      () => removeStaleTemporaries(this.directory),
      (error) => {
        this.#ready = undefined;
        throw stateError(`could not create state directory ${this.directory}`, error);
      },
    );
    return this.#ready;
  }
}

/** Deletes temporary files left by writers that died mid-`put` (their pid no longer runs). */
async function removeStaleTemporaries(directory: string): Promise<void> {
  const names = await readdir(directory).catch(() => [] as string[]);
  for (const name of names) {
    const match = /\.(\d+)\.\d+\.tmp$/.exec(name);
    if (!match || isRunning(Number(match[1]))) continue;
    await unlink(join(directory, name)).catch(() => {});
  }
}

function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Keys become file names: anything outside [A-Za-z0-9._-] is percent-encoded. */
function encodeKey(key: string): string {
  return key.replace(/[^A-Za-z0-9._-]|^\./gu, (c) =>
    [...Buffer.from(c, "utf8")].map((b) => `%${b.toString(16).toUpperCase().padStart(2, "0")}`).join(""),
  );
}

function decodeKey(name: string): string {
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}

function stateError(message: string, cause: unknown): FaucetError {
  const code = (cause as NodeJS.ErrnoException)?.code;
  return new FaucetError("state", `${message}: ${(cause as Error)?.message ?? String(cause)}`, {
    cause,
    retryable: code === "EAGAIN" || code === "EBUSY",
    hint: "check that the state directory exists and is writable",
  });
}
