import { FaucetError } from "./errors.js";
import type { Sink } from "./sink.js";
import { sinkCapabilities, sinkName } from "./sink.js";
import type { Source } from "./source.js";
import { sourceCapabilities, sourceName } from "./source.js";
import type { StateStore } from "./state.js";
import type { Value } from "./value.js";
import { isValueObject } from "./value.js";

/** The delivery guarantee a pipeline asks for. */
export type DeliveryMode = "at_least_once" | "exactly_once";

/** How a pipeline achieves effectively-once delivery. */
export type DeliveryMechanism = "atomic_watermark" | "keyed_upsert";

/** What {@link deliveryGuarantee} finds. */
export interface DeliveryReport {
  /** The guarantee the pipeline will have. */
  guarantee: DeliveryMode;
  mechanism?: DeliveryMechanism;
  /** Why `exactly_once` is not possible, one line per failed condition. */
  problems: string[];
}

/** What decides the delivery guarantee. */
export interface DeliveryInputs {
  source: Source;
  sink: Sink;
  stateStore?: StateStore | undefined;
  hasDeadLetter?: boolean;
  delivery?: DeliveryMode;
}

/**
 * Works out which guarantee a pipeline has. `exactly_once` holds through an atomic watermark
 * (an idempotent sink, a deterministic-replay source, a durable state store and no dead-letter
 * sink) or through keyed upsert (a sink that dedups by key).
 *
 * @example
 * const report = deliveryGuarantee({ source, sink, stateStore, delivery: "exactly_once" });
 * if (report.problems.length) console.error(report.problems.join("\n"));
 */
export function deliveryGuarantee(inputs: DeliveryInputs): DeliveryReport {
  const sinkCaps = sinkCapabilities(inputs.sink);
  if (inputs.delivery !== "exactly_once") return { guarantee: "at_least_once", problems: [] };
  if (sinkCaps.dedupsByKey) return { guarantee: "exactly_once", mechanism: "keyed_upsert", problems: [] };
  const problems: string[] = [];
  const sink = sinkName(inputs.sink);
  const source = sourceName(inputs.source);
  if (!sinkCaps.atomicWatermark || !inputs.sink.writeBatchIdempotent || !inputs.sink.lastCommittedToken) {
    problems.push(
      `${sink} cannot commit a page and its watermark atomically, and does not upsert on a key (use a sink with atomic-watermark writes, or write_mode: upsert with a key)`,
    );
  }
  if (!sourceCapabilities(inputs.source).deterministicReplay) {
    problems.push(
      `${source} does not replay deterministically from a bookmark (configure incremental replication, e.g. replication_key)`,
    );
  }
  if (!inputs.stateStore) problems.push("there is no state store (configure pipeline.state)");
  else if (inputs.stateStore.durable === false)
    problems.push("the state store is not durable (use file, postgres or redis state)");
  if (inputs.hasDeadLetter)
    problems.push("a dead-letter sink is configured (rows routed there are outside the transaction)");
  return problems.length === 0
    ? { guarantee: "exactly_once", mechanism: "atomic_watermark", problems }
    : { guarantee: "at_least_once", problems };
}

/** The state an exactly-once pipeline stores: the bookmark and the sequence of its page. */
export interface CommittedPosition {
  bookmark: Value | undefined;
  seq: number;
}

/**
 * The commit token of page `seq`: `<seq, 20 digits zero-padded>#<bookmark JSON>`.
 *
 * @example
 * formatCommitToken(7, { id: 42 }); // "00000000000000000007#{\"id\":42}"
 */
export function formatCommitToken(seq: number, bookmark: Value | undefined): string {
  return `${String(seq).padStart(20, "0")}#${JSON.stringify(bookmark ?? null)}`;
}

/**
 * Parses a commit token written by {@link formatCommitToken}.
 *
 * @example
 * parseCommitToken("00000000000000000007#42"); // { seq: 7, bookmark: 42 }
 */
export function parseCommitToken(token: string): CommittedPosition {
  const hash = token.indexOf("#");
  const seq = Number(token.slice(0, hash));
  if (hash !== 20 || !Number.isSafeInteger(seq)) {
    throw new FaucetError("state", `malformed commit token ${JSON.stringify(token.slice(0, 60))}`, {
      hint: "the sink's _faucet_commit_token table holds a value faucet did not write; delete that row to resume from the state store",
    });
  }
  try {
    const bookmark = JSON.parse(token.slice(hash + 1)) as Value;
    return { bookmark: bookmark === null ? undefined : bookmark, seq };
  } catch (error) {
    throw new FaucetError("state", "malformed commit token: its bookmark is not JSON", { cause: error });
  }
}

/** Reads the `{ bookmark, seq }` an exactly-once run stored (a bare bookmark counts as seq 0). */
export function toCommittedPosition(stored: Value | undefined): CommittedPosition {
  if (stored === undefined) return { bookmark: undefined, seq: 0 };
  if (
    isValueObject(stored) &&
    typeof stored.seq === "number" &&
    "bookmark" in stored &&
    Object.keys(stored).length === 2
  ) {
    return { bookmark: stored.bookmark ?? undefined, seq: stored.seq };
  }
  return { bookmark: stored, seq: 0 };
}
