import { parseCommitToken, toCommittedPosition } from "./delivery.js";
import { FaucetError } from "./errors.js";
import type { LeaseOptions, StateLease } from "./lease.js";
import { DEFAULT_LEASE_TTL_MS } from "./lease.js";
import type { Logger } from "./logger.js";
import type { Sink } from "./sink.js";
import type { Source } from "./source.js";
import { sourceName } from "./source.js";
import type { StateStore } from "./state.js";
import type { Value } from "./value.js";

/** What a run needs to find where it starts. */
export interface StartInputs {
  source: Source;
  sink: Sink;
  stateStore: StateStore | undefined;
  stateKey: string;
  lease: boolean | LeaseOptions;
  /** Exactly-once through an atomic watermark: state is `{ bookmark, seq }` and the sink has a token. */
  watermark: boolean;
  startBookmark: Value | undefined;
  logger: Logger;
  sinkCall: <T>(what: string, call: () => Promise<T>) => Promise<T>;
  stateCall: <T>(call: () => Promise<T>) => Promise<T>;
  /** Receives the lease as soon as it is taken, so it is released even if a later step fails. */
  onLease: (lease: StateLease) => void;
}

/** Where a run starts: the bookmark to resume after and the last committed page sequence. */
export interface StartPosition {
  bookmark: Value | undefined;
  seq: number;
}

/**
 * Takes the state lease, reads the saved position — and for exactly-once the sink's own commit
 * token, which wins when it is ahead — then positions the source and tells the sink it resumes.
 */
export async function resolveStart(inputs: StartInputs): Promise<StartPosition> {
  const { source, sink, stateStore: store, stateKey } = inputs;
  if (store?.acquireLease && inputs.lease !== false) {
    const options = inputs.lease === true ? { ttlMs: DEFAULT_LEASE_TTL_MS } : inputs.lease;
    inputs.onLease(await store.acquireLease(stateKey, options));
  }
  const stored = store ? await inputs.stateCall(() => store.get(stateKey)) : undefined;
  let position = inputs.watermark ? toCommittedPosition(stored) : { bookmark: stored, seq: 0 };
  if (inputs.watermark) {
    const token = await inputs.sinkCall(
      "read commit token",
      () => sink.lastCommittedToken?.(stateKey) as Promise<string | undefined>,
    );
    if (token !== undefined) {
      const committed = parseCommitToken(token);
      if (committed.seq > position.seq) {
        inputs.logger.info("the sink is ahead of the state store; resuming from the sink's commit token", {
          state_seq: position.seq,
          sink_seq: committed.seq,
        });
        position = committed;
      }
    }
  }
  const bookmark = position.bookmark ?? inputs.startBookmark;
  if (bookmark !== undefined && source.applyStartBookmark) {
    try {
      await source.applyStartBookmark(bookmark);
    } catch (error) {
      throw FaucetError.wrap(error, "source", {
        connector: sourceName(source),
        message: "could not apply the start bookmark",
      });
    }
  }
  if (bookmark !== undefined && sink.resume) {
    await inputs.sinkCall("resume", () => sink.resume?.(bookmark) as Promise<void>);
  }
  return { bookmark, seq: position.seq };
}
