import { createHash } from "node:crypto";
import { FaucetError, getPath, type Value } from "faucet-core";
import { type HttpSinkConfig, hasPlaceholders, type IdempotencyKeyConfig, PLACEHOLDER } from "./config.js";

const CONNECTOR = "sink-http";

/** One request the sink will send, and the rows of the page it carries. */
export interface Delivery {
  /** Index of the first row, in the page. */
  first: number;
  /** How many consecutive rows it carries (1 in individual mode). */
  count: number;
  url: string;
  /** The serialized body, built once. */
  body: string;
  /** The idempotency-key header, when configured. */
  headers?: Record<string, string>;
}

/** A row that cannot be sent at all (its key field or URL placeholder is missing). */
export interface UnsendableRow {
  index: number;
  error: FaucetError;
}

/** The requests for one page, and the rows that could not become a request. */
export interface DeliveryPlan {
  deliveries: Delivery[];
  unsendable: UnsendableRow[];
}

/**
 * Turns a page into requests. Pure: no I/O. Individual mode makes one request per record (with
 * `{field}` placeholders of `url` filled from it); array mode one JSON array per `batch_size`
 * records (0 = the whole page). Each request carries the idempotency key when one is
 * configured: in individual mode the record's key, in array mode a SHA-256 of the chunk's keys,
 * so the same chunk always carries the same key.
 *
 * @example
 * planDeliveries(config, [{ id: 1 }, { id: 2 }]).deliveries.length; // 2 in individual mode
 */
export function planDeliveries(config: HttpSinkConfig, records: readonly Value[]): DeliveryPlan {
  const deliveries: Delivery[] = [];
  const unsendable: UnsendableRow[] = [];
  const key = config.idempotency_key;
  if (config.batch_mode === "individual") {
    const templated = hasPlaceholders(config.url);
    for (let index = 0; index < records.length; index++) {
      const record = records[index] as Value;
      try {
        const url = templated ? fillUrl(config.url, record) : config.url;
        const delivery: Delivery = { first: index, count: 1, url, body: JSON.stringify(record) };
        if (key) delivery.headers = { [key.header]: recordKey(key, record) };
        deliveries.push(delivery);
      } catch (error) {
        unsendable.push({ index, error: FaucetError.wrap(error, "sink", { connector: CONNECTOR }) });
      }
    }
    return { deliveries, unsendable };
  }
  const size = config.batch_size === 0 ? records.length : config.batch_size;
  for (let first = 0; first < records.length; first += size) {
    const chunk = records.slice(first, first + size);
    try {
      const delivery: Delivery = { first, count: chunk.length, url: config.url, body: JSON.stringify(chunk) };
      if (key) delivery.headers = { [key.header]: chunkKey(key, chunk) };
      deliveries.push(delivery);
    } catch (error) {
      // A record without its key field: the chunk cannot be keyed, so none of its rows is sent.
      const wrapped = FaucetError.wrap(error, "sink", { connector: CONNECTOR });
      for (let index = first; index < first + chunk.length; index++) unsendable.push({ index, error: wrapped });
    }
  }
  return { deliveries, unsendable };
}

/**
 * The idempotency key of one record: its `field`, its `template` filled, or a SHA-256 of its
 * JSON. A missing or null field fails the row.
 *
 * @example
 * recordKey({ header: "Idempotency-Key", field: "id" }, { id: 7 }); // "7"
 */
export function recordKey(key: IdempotencyKeyConfig, record: Value): string {
  if (key.field !== undefined) return scalarText(required(record, key.field, "idempotency_key.field"));
  if (key.template !== undefined) {
    return key.template.replace(PLACEHOLDER, (_whole, path: string) =>
      scalarText(required(record, path, "idempotency_key.template")),
    );
  }
  return sha256(JSON.stringify(record));
}

function chunkKey(key: IdempotencyKeyConfig, chunk: readonly Value[]): string {
  const hash = createHash("sha256");
  for (const record of chunk) hash.update(`${recordKey(key, record)}\n`);
  return hash.digest("hex");
}

function fillUrl(url: string, record: Value): string {
  return url.replace(PLACEHOLDER, (_whole, path: string) =>
    encodeURIComponent(scalarText(required(record, path, "url"))),
  );
}

function required(record: Value, path: string, where: string): Value {
  const value = getPath(record, path);
  if (value === undefined || value === null) {
    throw new FaucetError("sink", `the record has no value for \`${path}\`, which \`${where}\` needs`, {
      connector: CONNECTOR,
      retryable: false,
      hint: `every record needs \`${path}\`; route such records elsewhere with a filter transform, or fix ${where}`,
    });
  }
  return value;
}

function scalarText(value: Value): string {
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
