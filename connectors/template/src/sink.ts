// The template sink: the one place it performs I/O (here: writes the in-memory backend).
import {
  type CheckReport,
  FaucetError,
  isValueObject,
  type JsonSchema,
  parseConfig,
  probe,
  type Sink,
  type SinkCapabilities,
  schemaFor,
  type Value,
  type ValueObject,
} from "faucet-core";
import { TemplateSinkConfig, type TemplateSinkInput } from "./config.js";
import { memory } from "./memory.js";

const NAME = "sink-template";

/**
 * Writes each page to a dataset in one step: appends it, or with `write_mode: upsert` /
 * `delete` inserts, replaces and removes records by `key`.
 *
 * @example
 * const sink = new TemplateSink({ dataset: "orders", write_mode: "upsert", key: ["id"] });
 * await new Pipeline(source, sink).run();
 */
export class TemplateSink implements Sink {
  readonly config: TemplateSinkConfig;
  #closed = false;

  constructor(input: TemplateSinkInput) {
    this.config = parseConfig(TemplateSinkConfig, input, { connector: NAME });
  }

  connectorName(): string {
    return NAME;
  }

  configSchema(): JsonSchema {
    return schemaFor(TemplateSinkConfig);
  }

  /** Capabilities are data and must be true: the conformance battery tests every claim. */
  capabilities(): SinkCapabilities {
    const keyed = this.config.write_mode !== "append";
    return {
      writeModes: ["append", "upsert", "delete"],
      replaySafeWrites: keyed,
      atomicWatermark: false,
      dedupsByKey: keyed,
      schemaEvolution: false,
    };
  }

  /** Validates the whole page first, so a bad record fails the page before anything is written. */
  async writeBatch(records: readonly Value[]): Promise<number> {
    if (this.#closed) throw new FaucetError("sink", "the sink is closed", { connector: NAME });
    const rows = records as readonly ValueObject[];
    if (this.config.write_mode === "append") {
      memory.append(this.config.dataset, rows);
      return rows.length;
    }
    const keys = rows.map((row, index) => this.#keyOf(row, index));
    const current = memory.rows(this.config.dataset) ?? [];
    const byKey = new Map(current.map((row, index) => [this.#keyOf(row, index), row]));
    const marker = this.config.delete_marker?.field;
    rows.forEach((row, index) => {
      const key = keys[index] as string;
      if (this.#isDelete(row)) byKey.delete(key);
      else if (marker === undefined) byKey.set(key, row);
      else byKey.set(key, withoutField(row, marker));
    });
    memory.replace(this.config.dataset, [...byKey.values()]);
    return rows.length;
  }

  /** Non-mutating pre-flight probes. */
  async check(): Promise<CheckReport> {
    const dataset = this.config.dataset;
    return {
      probes: [
        await probe("dataset exists", () =>
          memory.rows(dataset) ? undefined : { skip: "created on the first write" },
        ),
      ],
    };
  }

  /** Idempotent. A real sink flushes and ends its pool here. */
  async close(): Promise<void> {
    this.#closed = true;
  }

  #isDelete(row: ValueObject): boolean {
    if (this.config.write_mode === "delete") return true;
    const marker = this.config.delete_marker;
    const flag = marker ? row[marker.field] : undefined;
    return typeof flag === "string" && (marker?.values.includes(flag) ?? false);
  }

  /** The record's key as text, compared the way a database compares key columns. */
  #keyOf(row: ValueObject, index: number): string {
    const parts = this.config.key.map((field) => {
      const value = isValueObject(row) ? row[field] : undefined;
      if (value === undefined || value === null) {
        throw new FaucetError("sink", `record ${index} has no value for key field \`${field}\``, {
          connector: NAME,
          hint: "every record written with upsert or delete needs each `key` field",
        });
      }
      return String(value);
    });
    return JSON.stringify(parts);
  }
}

function withoutField(row: ValueObject, field: string): ValueObject {
  const { [field]: _marker, ...rest } = row;
  return rest;
}
