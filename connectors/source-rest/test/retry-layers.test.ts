import { Pipeline, silentLogger } from "faucet-core";
import { describe, expect, it } from "vitest";
import { sendJson, serve, source } from "./apis.js";

/**
 * Connector-level retries (`max_retries`) and pipeline-level retries (`retry.maxAttempts`) do
 * not multiply: one request that keeps failing is attempted no more often than the larger of
 * the two settings allows (docs/resilience.md).
 */
describe("retry layers", () => {
  async function attemptsWith(maxRetries: number, pipelineAttempts: number): Promise<number> {
    let requests = 0;
    const server = await serve((_req, res) => {
      requests++;
      sendJson(res, 503, { error: "unavailable" });
    });
    const rest = source({ base_url: server.url, path: "/items", max_retries: maxRetries });
    const sink = { writeBatch: async (records: readonly unknown[]) => records.length };
    await expect(
      new Pipeline(rest, sink, {
        logger: silentLogger,
        retry: { maxAttempts: pipelineAttempts, baseMs: 1, maxMs: 2 },
      }).run(),
    ).rejects.toMatchObject({ kind: "http_status", status: 503 });
    return requests;
  }

  it("the connector retries; the pipeline does not retry what the connector gave up on", async () => {
    expect(await attemptsWith(3, 2)).toBe(4);
    expect(await attemptsWith(3, 6)).toBe(4);
  });

  it("a connector that does not retry leaves the retries to the pipeline", async () => {
    expect(await attemptsWith(0, 5)).toBe(5);
  });
});
