import type { ServerResponse } from "node:http";
import type { Value } from "faucet-core";
import { HttpSink, type HttpSinkConfigInput } from "faucet-sink-http";
import { vi } from "vitest";
import {
  captureLogger,
  closedAfterEach,
  type SeenRequest,
  sendJson,
  startServer,
  type TestServer,
} from "../../common-http/test/server.js";

export * from "../../common-http/test/server.js";

vi.setConfig({ testTimeout: 20_000, hookTimeout: 20_000 });

/** What the echo API does with one request before storing it: answer it yourself to refuse it. */
export type Gate = (req: SeenRequest, res: ServerResponse, records: Value[]) => boolean | Promise<boolean>;

/** A loopback API that stores every record it accepts, as a real ingest endpoint would. */
export interface EchoApi extends TestServer {
  /** Every record stored, in arrival order. */
  records: Value[];
  /** Records stored per idempotency key seen (a replayed key is answered 200 and not stored again). */
  keys: Map<string, number>;
  /** Forgets everything stored. */
  reset(): void;
}

const closing = closedAfterEach();

/**
 * Starts the echo API: a POST/PUT/PATCH body that is a JSON object stores one record, an array
 * stores each element; a request carrying an `Idempotency-Key` already seen is acknowledged
 * without storing again. `gate` may refuse a request first (answer it and return false).
 * Nothing is closed after the test unless `track` is true (the default).
 */
export async function echoApi(gate?: Gate, track = true): Promise<EchoApi> {
  const records: Value[] = [];
  const keys = new Map<string, number>();
  const server = await startServer(async (req, res) => {
    let parsed: Value;
    try {
      parsed = req.body === "" ? null : (JSON.parse(req.body) as Value);
    } catch {
      return sendJson(res, 400, { error: "body is not JSON" });
    }
    const batch = Array.isArray(parsed) ? parsed : [parsed];
    if (gate && !(await gate(req, res, batch))) return;
    if (req.method === "HEAD") return sendJson(res, 200, {});
    const key = req.headers["idempotency-key"];
    if (typeof key === "string" && keys.has(key)) return sendJson(res, 200, { duplicate: true });
    if (typeof key === "string") keys.set(key, batch.length);
    records.push(...batch);
    sendJson(res, 200, { stored: batch.length });
  });
  if (track) closing.keep(server);
  return Object.assign(server, {
    records,
    keys,
    reset: () => {
      records.length = 0;
      keys.clear();
      server.requests.length = 0;
    },
  });
}

/** An HTTP sink closed after the test, with a capturing logger and fast retries. */
export function sink(config: HttpSinkConfigInput, logger = captureLogger()): HttpSink & { logger: typeof logger } {
  const s = new HttpSink({ retry_backoff: 0.005, ...config }, { logger }) as HttpSink & { logger: typeof logger };
  s.logger = logger;
  return closing.track(s);
}

/** `n` records `{ id, name }` from `from`. */
export function rows(n: number, from = 1): Array<{ id: number; name: string }> {
  return Array.from({ length: n }, (_, i) => ({ id: from + i, name: `row ${from + i}` }));
}

/** Ids of records, for exact comparisons. */
export function ids(records: readonly Value[]): number[] {
  return records.map((r) => (r as { id: number }).id);
}
