// `resilience:` from YAML through the real binary, against an HTTP sink whose loopback server
// fails in scripted ways: retries, retry_on, replay safety, the circuit breaker, and connector
// retries that do not multiply with pipeline retries (docs/resilience.md).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { startFaucet, TICKER_SOURCE, tempDir, write } from "./helpers.js";

/** What the server answers to request number `n` (1-based). */
let script: (n: number) => number = () => 200;
let requests: { at: number; status: number }[] = [];
let received: number[] = [];
let server: Server;
let port = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      const status = script(requests.length + 1);
      requests.push({ at: performance.now(), status });
      if (status < 300) for (const record of JSON.parse(body) as { n: number }[]) received.push(record.n);
      res.writeHead(status, { "content-type": "application/json" }).end(status < 300 ? "{}" : '{"error":"down"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  requests = [];
  received = [];
});

/** Runs a 3-page pipeline (15 records) into the HTTP sink; resolves to the process result. */
async function run(sink: string, resilience: string) {
  const dir = tempDir();
  write(
    dir,
    "faucet.yaml",
    `version: 1
name: events
plugins: [${TICKER_SOURCE}]
pipeline:
  source: { type: ticker, config: { page_size: 5, pages: 3 } }
  sink:
    type: http
    config: { url: "http://127.0.0.1:${port}/events", batch_mode: array, batch_size: 0, retry_backoff: 0.01, ${sink} }
  state: { type: memory }
resilience:
${resilience}`,
  );
  const result = await startFaucet(["run", "-o", "json"], { cwd: dir }).done;
  return { ...result, json: JSON.parse(result.stdout) as Record<string, unknown> };
}

const ALL = Array.from({ length: 15 }, (_, i) => i + 1);
const retry = (attempts: number) =>
  `  retry: { max_attempts: ${attempts}, backoff: none, base_ms: 0, jitter: false }\n`;

describe("resilience from YAML against a failing HTTP sink", () => {
  test("retry: two 503s, then success; every record arrives exactly once", async () => {
    script = (n) => (n <= 2 ? 503 : 200);
    const result = await run("max_retries: 0, idempotent: true", retry(3));
    expect(result.code, result.stderr).toBe(0);
    expect(requests.map((r) => r.status)).toEqual([503, 503, 200, 200, 200]);
    expect(received).toEqual(ALL);
    expect(result.stderr).toContain("write failed; retrying");
  });

  test("retry_on narrows retries: a 503 is not retried when only timeouts are", async () => {
    script = (n) => (n <= 2 ? 503 : 200);
    const result = await run("max_retries: 0, idempotent: true", `${retry(3)}  retry_on: [timeout]\n`);
    expect(result.code).toBe(1);
    expect(requests).toHaveLength(1);
    expect(result.json).toMatchObject({ status: "failed", error: { kind: "http_status" } });
    expect(received).toEqual([]);
  });

  test("retry_on: [http_5xx] retries the 503s", async () => {
    script = (n) => (n <= 2 ? 503 : 200);
    const result = await run("max_retries: 0, idempotent: true", `${retry(3)}  retry_on: [http_5xx]\n`);
    expect(result.code, result.stderr).toBe(0);
    expect(requests).toHaveLength(5);
    expect(received).toEqual(ALL);
  });

  test("a sink that is not replay-safe is never retried blindly by the pipeline", async () => {
    script = (n) => (n <= 1 ? 500 : 200);
    const result = await run("max_retries: 0", retry(5));
    expect(result.code).toBe(1);
    expect(requests).toHaveLength(1);
    expect(result.stderr.trim().split("\n").at(-1)).toContain("500");
  });

  test("circuit_breaker: opens after 2 failures, waits the cooldown, and stops when the probe fails too", async () => {
    script = () => 503;
    const result = await run(
      "max_retries: 0, idempotent: true",
      `${retry(10)}  circuit_breaker: { consecutive_failures: 2, cooldown_secs: 0.5 }\n`,
    );
    expect(result.code).toBe(1);
    expect(result.json).toMatchObject({ status: "failed", error: { kind: "circuit_open" } });
    // Not the 10 attempts the retry policy allows: 2 failures open it, 1 probe after the cooldown.
    expect(requests).toHaveLength(3);
    const [, second, probe] = requests;
    expect((probe?.at ?? 0) - (second?.at ?? 0)).toBeGreaterThanOrEqual(450);
  });

  test("circuit_breaker: a probe that succeeds closes the circuit and the run completes", async () => {
    script = (n) => (n <= 2 ? 503 : 200);
    const result = await run(
      "max_retries: 0, idempotent: true",
      `${retry(10)}  circuit_breaker: { consecutive_failures: 2, cooldown_secs: 0.3 }\n`,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(requests.map((r) => r.status)).toEqual([503, 503, 200, 200, 200]);
    expect((requests[2]?.at ?? 0) - (requests[1]?.at ?? 0)).toBeGreaterThanOrEqual(250);
    expect(received).toEqual(ALL);
  });

  test("connector retries and pipeline retries do not multiply: max_retries 2 and max_attempts 3 send 3 requests", async () => {
    script = () => 503;
    const result = await run("max_retries: 2, idempotent: true", retry(3));
    expect(result.code).toBe(1);
    expect(requests).toHaveLength(3);
  });
});
