import { FaucetError } from "./errors.js";
import { inferColumns } from "./infer.js";
import type { Sink } from "./sink.js";
import { sinkName } from "./sink.js";
import type { Value } from "./value.js";
import { isValueObject } from "./value.js";

/** `evolve` adds new columns through the sink; `fail` stops the run; `ignore` leaves it to the sink. */
export type SchemaDriftPolicy = "evolve" | "fail" | "ignore";

/**
 * Compares each page's keys with the destination's columns and, per policy, evolves the
 * destination or fails with a `schema_drift` error before anything of the page is written.
 */
export class SchemaDriftGuard {
  readonly #sink: Sink;
  readonly #policy: SchemaDriftPolicy;
  #known: Set<string> | undefined;

  constructor(sink: Sink, policy: SchemaDriftPolicy) {
    if (policy === "evolve" && (!sink.currentSchema || !sink.evolveSchema)) {
      throw new FaucetError(
        "config",
        `schema.on_drift: evolve needs a sink that can evolve its schema, and ${sinkName(sink)} cannot`,
        {
          hint: "remove schema.on_drift or choose a sink with schema evolution",
        },
      );
    }
    this.#sink = sink;
    this.#policy = policy;
  }

  /** Checks one page; resolves once the destination can hold every key in it. */
  async check(records: readonly Value[]): Promise<void> {
    if (!this.#sink.currentSchema) return;
    if (this.#known === undefined) {
      const schema = await this.#call(() => this.#sink.currentSchema?.());
      // No destination yet (it will be created from the first page): nothing can drift.
      if (!schema) return;
      this.#known = new Set(schema.columns.map((c) => c.name));
    }
    const known = this.#known;
    const fresh = new Set<string>();
    for (const record of records) {
      if (!isValueObject(record)) continue;
      for (const key in record) if (!known.has(key)) fresh.add(key);
    }
    if (fresh.size === 0) return;
    const names = [...fresh];
    if (this.#policy === "fail") {
      throw new FaucetError("schema_drift", `records carry keys the destination lacks: ${names.join(", ")}`, {
        connector: sinkName(this.#sink),
        hint: "add the columns, drop the keys with a transform, or set schema.on_drift: evolve",
      });
    }
    const columns = inferColumns(records).filter((c) => fresh.has(c.name));
    await this.#call(() =>
      this.#sink.evolveSchema?.({ addColumns: columns.map((c) => ({ name: c.name, type: c.type, nullable: true })) }),
    );
    for (const name of names) known.add(name);
  }

  async #call<T>(fn: () => Promise<T> | undefined): Promise<T | undefined> {
    try {
      return await fn();
    } catch (error) {
      throw FaucetError.wrap(error, "schema_drift", {
        connector: sinkName(this.#sink),
        message: "schema evolution failed",
      });
    }
  }
}
