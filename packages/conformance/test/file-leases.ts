// The lease double the testStateStoreLeases battery is tested with: faucet-core's FileStateStore
// and its lock-file lease in a temporary directory, given the close() a shared store has (core's
// HeldLeases, as the Postgres and Redis stores use it). Each `fault` breaks one promise of a
// leasing store, so the broken suites can show the battery catches it.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { readFile, stat, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { LeaseSpace, LeasingStateStore } from "faucet-conformance";
import {
  alreadyRunning,
  DEFAULT_LEASE_TTL_MS,
  FaucetError,
  FileStateStore,
  HeldLeases,
  type LeaseOptions,
  type Logger,
  type StateLease,
  silentLogger,
} from "faucet-core";
import { afterAll } from "vitest";

export type LeaseFault =
  /** Takes the key even while another holder has it (writes the lock instead of creating it). */
  | "never-excludes"
  /** `release()` gives nothing up. */
  | "release-noop"
  /** `close()` releases nothing (so it neither frees its leases nor refuses the ones being taken). */
  | "close-keeps-leases"
  /** A live-looking lock blocks the key until its ttl, even when its holder's process is dead. */
  | "dead-holder-blocks";

const HOLDER = fileURLToPath(new URL("./fixtures/leases/hold-file-lease.mjs", import.meta.url));

/** The lock file core's FileStateStore keeps `key`'s lease in. */
function lockPath(directory: string, key: string): string {
  return `${new FileStateStore(directory).pathFor(key)}.lock`;
}

/** A FileStateStore with a close() that releases its leases, broken as `faults` say. */
class FileLeaseStore extends FileStateStore implements LeasingStateStore {
  readonly #faults: ReadonlySet<LeaseFault>;
  readonly #leases: HeldLeases<StateLease>;

  constructor(directory: string, faults: ReadonlySet<LeaseFault>, logger: Logger = silentLogger) {
    super(directory);
    this.#faults = faults;
    this.#leases = new HeldLeases({
      logger,
      closedError,
      releaseWarning: "releasing a file lease failed",
    });
  }

  override async acquireLease(key: string, options?: LeaseOptions): Promise<StateLease> {
    if (this.#leases.closed) throw closedError();
    const path = lockPath(this.directory, key);
    if (this.#faults.has("never-excludes")) await unlink(path).catch(() => {});
    if (this.#faults.has("dead-holder-blocks")) await refuseUntilTtl(path, key, options);
    const lease = await super.acquireLease(key, options);
    const release = this.#faults.has("release-noop") ? async () => {} : () => lease.release();
    const held: StateLease = {
      key,
      ...(lease.signal ? { signal: lease.signal } : {}),
      release: async () => {
        await release();
        this.#leases.forget(held);
      },
    };
    return await this.#leases.hold(held);
  }

  close(): Promise<void> {
    if (this.#faults.has("close-keeps-leases")) return Promise.resolve();
    return this.#leases.close(async () => {});
  }
}

function closedError(): FaucetError {
  return new FaucetError("state", "the file state store is closed");
}

/** A ttl-only lock check: "already running" while the lock was touched within the ttl, whoever holds it. */
async function refuseUntilTtl(path: string, key: string, options?: LeaseOptions): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (info === undefined || Date.now() - info.mtimeMs > (options?.ttlMs ?? DEFAULT_LEASE_TTL_MS)) return;
  const text = await readFile(path, "utf8").catch(() => undefined);
  if (text === undefined) return;
  const holder = JSON.parse(text) as { pid: number; host: string; acquired_at: string };
  throw alreadyRunning(key, `pid ${holder.pid} on ${holder.host} since ${holder.acquired_at}`);
}

/**
 * Fresh lease spaces (one temporary directory each) for testStateStoreLeases, removed after
 * the suite: `holder` reads the lock file, `spawnHolder` runs hold-file-lease.mjs.
 */
export function fileLeaseSpaces(faults: LeaseFault[] = []): (label: string) => LeaseSpace {
  const root = mkdtempSync(join(tmpdir(), "faucet-file-leases-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const faultSet = new Set(faults);
  let spaces = 0;
  return (label) => {
    const directory = join(root, `${label}-${spaces++}`);
    return {
      store: (logger) => new FileLeaseStore(directory, faultSet, logger),
      holder: async (key) => {
        const text = await readFile(lockPath(directory, key), "utf8").catch(() => undefined);
        return text === undefined ? undefined : (JSON.parse(text) as { pid: number; host: string });
      },
      spawnHolder: (key) => spawn(process.execPath, [HOLDER, directory, key], { stdio: ["ignore", "pipe", "inherit"] }),
    };
  };
}
