import type { Value } from "faucet-core";

/** One accepted POST, waiting for its records to be handed to the pipeline. */
export interface Delivery {
  /** Records of this POST not handed over yet. */
  remaining: number;
  /** Settles the POST: true → 2xx, false → 503 (the run ended before its records were handed over). */
  settle(handedOver: boolean): void;
}

/** Why the inbox stopped taking POSTs. */
export type CloseReason = "max_records" | "max_payloads" | "timeout" | "idle" | "stopped";

/** What {@link Inbox.offer} decided. */
export type Offer = "accepted" | "full" | "closed" | "too_large";

/** A page taken from the inbox, to be acknowledged once the pipeline has taken it. */
export interface TakenPage {
  records: Value[];
  /** Settles every POST whose last records were in this page. */
  ack(): void;
  /** Answers every POST with records in this page 503 (it was never taken). */
  nack(): void;
}

/**
 * The bounded buffer between the HTTP handlers and the source's page loop. Handlers `offer`
 * whole POSTs (never split, never partly accepted); the loop `take`s pages in arrival order.
 * Records not yet taken are bounded by `capacity`: a POST that does not fit is refused so the
 * handler can answer 503 with Retry-After. Counting accepted records and POSTs, it closes itself
 * once `max_records` or `max_payloads` is reached. No I/O.
 *
 * @example
 * const inbox = new Inbox({ capacity: 1000 });
 * inbox.offer([{ a: 1 }], { remaining: 1, settle: (ok) => respond(ok ? 200 : 503) });
 * const page = inbox.take(100);
 * // … once the pipeline has taken the page:
 * page.ack();
 */
export class Inbox {
  readonly #capacity: number;
  readonly #maxRecords: number;
  readonly #maxPayloads: number;
  readonly #queue: Array<{ record: Value; delivery: Delivery }> = [];
  #head = 0;
  #acceptedRecords = 0;
  #acceptedPayloads = 0;
  #closed: CloseReason | undefined;
  #lastAcceptedAt = performance.now();
  #wake: (() => void) | undefined;

  constructor(options: { capacity: number; maxRecords?: number | undefined; maxPayloads?: number | undefined }) {
    this.#capacity = options.capacity;
    this.#maxRecords = options.maxRecords ?? Number.POSITIVE_INFINITY;
    this.#maxPayloads = options.maxPayloads ?? Number.POSITIVE_INFINITY;
  }

  /** Records accepted and not taken yet. */
  get pending(): number {
    return this.#queue.length - this.#head;
  }

  /** Why the inbox closed, or undefined while it takes POSTs. */
  get closed(): CloseReason | undefined {
    return this.#closed;
  }

  get acceptedRecords(): number {
    return this.#acceptedRecords;
  }

  /** When the last POST was accepted (performance.now() ms), or when the inbox was made. */
  get lastAcceptedAt(): number {
    return this.#lastAcceptedAt;
  }

  /** Accepts all of a POST's records, or none. An empty POST is accepted and settled at once. */
  offer(records: readonly Value[], delivery: Delivery): Offer {
    if (this.#closed) return "closed";
    if (records.length > this.#capacity) return "too_large";
    if (this.pending + records.length > this.#capacity) return "full";
    this.#acceptedRecords += records.length;
    this.#acceptedPayloads++;
    this.#lastAcceptedAt = performance.now();
    if (records.length === 0) delivery.settle(true);
    for (const record of records) this.#queue.push({ record, delivery });
    if (this.#acceptedRecords >= this.#maxRecords) this.close("max_records");
    else if (this.#acceptedPayloads >= this.#maxPayloads) this.close("max_payloads");
    this.#notify();
    return "accepted";
  }

  /** Takes up to `max` records (all when `max` is 0) in arrival order. */
  take(max: number): TakenPage {
    const end = max > 0 ? Math.min(this.#queue.length, this.#head + max) : this.#queue.length;
    const taken = this.#queue.slice(this.#head, end);
    this.#head = end;
    if (this.#head > 4096 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
    const counts = new Map<Delivery, number>();
    for (const { delivery } of taken) counts.set(delivery, (counts.get(delivery) ?? 0) + 1);
    let settled = false;
    return {
      records: taken.map((t) => t.record),
      ack: () => {
        if (settled) return;
        settled = true;
        for (const [delivery, count] of counts) {
          delivery.remaining -= count;
          if (delivery.remaining === 0) delivery.settle(true);
        }
      },
      nack: () => {
        if (settled) return;
        settled = true;
        for (const delivery of counts.keys()) delivery.settle(false);
      },
    };
  }

  /** Stops taking POSTs (they get 503); records already accepted can still be taken. */
  close(reason: CloseReason): void {
    this.#closed ??= reason;
    this.#notify();
  }

  /** Answers every POST still waiting 503: the run ends without handing their records over. */
  refuseAll(): void {
    this.close("stopped");
    const waiting = new Set(this.#queue.slice(this.#head).map((entry) => entry.delivery));
    this.#queue.length = 0;
    this.#head = 0;
    for (const delivery of waiting) delivery.settle(false);
  }

  /** Resolves on the next offer or close, after `ms`, or when `signal` aborts. */
  changed(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        if (this.#wake === done) this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, Math.min(ms, 2_147_483_647)));
      signal?.addEventListener("abort", done, { once: true });
      this.#wake = done;
    });
  }

  #notify(): void {
    this.#wake?.();
  }
}
