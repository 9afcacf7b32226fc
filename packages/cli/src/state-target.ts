/**
 * The pipeline's state store and its own state key, found exactly as `faucet run` finds them:
 * the connectors are built the same way and the key is `Pipeline.stateKey()` (the source's own
 * `stateKey()`, else the pipeline name). Used by `faucet state` and `faucet dlq replay`.
 */
import {
  DEFAULT_LEASE_TTL_MS,
  FaucetError,
  type Logger,
  type Sink,
  type StateLease,
  type StateStore,
} from "faucet-core";
import { type BuiltPipeline, buildPipeline, DiscardSink } from "./build.js";
import type { ResolvedPipeline } from "./config/resolve.js";

/** The opened state store of a pipeline. */
export interface StateTarget {
  store: StateStore;
  /** The state key a run of this pipeline reads and writes. */
  key: string;
  /** The built pipeline (its source, transforms and, when asked for, its sink). */
  built: BuiltPipeline;
  /** Closes the connectors and the store. */
  close(): Promise<void>;
}

/**
 * Builds the pipeline without its dead-letter sink (and, unless `sink` is `"real"`, without its
 * sink) and opens its state store.
 */
export async function openStateTarget(
  resolved: ResolvedPipeline,
  logger: Logger,
  options: { sink?: "real" | Sink } = {},
): Promise<StateTarget> {
  const { dlq: _unused, ...withoutDeadLetters } = resolved;
  const sink = options.sink === "real" ? undefined : (options.sink ?? new DiscardSink());
  const built = await buildPipeline(withoutDeadLetters, { logger, ...(sink ? { sink } : {}) });
  return { store: built.stateStore, key: built.pipeline.stateKey(), built, close: () => built.close() };
}

/** Refuses the `memory` store, which has nothing to show or change outside a run. */
export function requireDurableStore(resolved: ResolvedPipeline): void {
  if (resolved.state.type !== "memory") return;
  throw new FaucetError(
    "config",
    `${resolved.loaded.file}: pipeline.state is \`memory\`: bookmarks live only inside one run, so there is no state to inspect or change`,
    { hint: "use a durable store (file, redis, postgres), or --state-path DIR for files" },
  );
}

/**
 * Takes the lease on `key` (when the store has leases) for the length of `work`, so no run
 * advances the bookmark while it is being changed; an active run makes this fail with
 * "already running". Stores without leases run `work` unguarded, after a warning.
 */
export async function withLease<T>(
  resolved: ResolvedPipeline,
  store: StateStore,
  key: string,
  logger: Logger,
  work: (lease: StateLease | undefined) => Promise<T>,
): Promise<T> {
  let lease: StateLease | undefined;
  if (store.acquireLease) {
    lease = await store.acquireLease(key, { ttlMs: resolved.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS });
  } else {
    logger.warn(`the ${resolved.state.type} state store has no leases: make sure no run of this pipeline is active`, {
      key,
    });
  }
  try {
    const result = await work(lease);
    // Lost while held (it expired and someone else took the key): the change may not stand alone.
    if (lease?.signal?.aborted) throw lease.signal.reason;
    return result;
  } finally {
    await lease?.release();
  }
}
