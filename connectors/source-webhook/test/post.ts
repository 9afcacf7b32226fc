import { request } from "node:http";
import type { Value } from "faucet-core";
import { WebhookSource, type WebhookSourceConfigInput } from "faucet-source-webhook";
import { afterEach, vi } from "vitest";
import { captureLogger } from "../../common-http/test/server.js";

export { captureLogger, rejection, seededRandom } from "../../common-http/test/server.js";

vi.setConfig({ testTimeout: 20_000, hookTimeout: 20_000 });

/** What a sender saw. */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: { accepted?: number; error?: string };
}

/**
 * POSTs (or `method`s) a body to the receiver the way a webhook sender does: one connection per
 * request (so nothing stays open after a test), resolving with the answer — also when the
 * receiver answers before the whole body was sent (413) and then hangs up.
 */
export function post(
  url: string,
  body: string | Buffer | Value,
  headers: Record<string, string> = {},
  method = "POST",
): Promise<Answer> {
  const payload = typeof body === "string" || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  const all: Record<string, string | number> = {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(payload),
    ...headers,
  };
  if (all["transfer-encoding"] === "chunked") delete all["content-length"];
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request(url, { method, agent: false, headers: all }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", () => undefined);
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : {} });
      });
    });
    req.on("error", (error) => {
      if (!answered) reject(error);
    });
    req.end(payload);
  });
}

const sources: WebhookSource[] = [];

afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.close()));
});

/** A webhook source on a free loopback port, closed after the test, with a capturing logger. */
export function source(
  config: WebhookSourceConfigInput = {},
  logger = captureLogger(),
): WebhookSource & { logger: typeof logger } {
  const s = new WebhookSource(
    { listen_addr: "127.0.0.1:0", timeout_secs: 10, ...config },
    { logger },
  ) as WebhookSource & {
    logger: typeof logger;
  };
  s.logger = logger;
  sources.push(s);
  return s;
}

/** `n` records `{ id, v }` from `from`. */
export function events(n: number, from = 1): Array<{ id: number; v: string }> {
  return Array.from({ length: n }, (_, i) => ({ id: from + i, v: `v${from + i}` }));
}

/** Ids of records. */
export function ids(records: readonly Value[]): number[] {
  return records.map((r) => (r as { id: number }).id);
}

/** Resolves after `ms`. */
export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
