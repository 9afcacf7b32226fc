import { HttpClient, type HttpClientOptions, parseJsonResponse } from "faucet-common-http";
import { FaucetError, silentLogger } from "faucet-core";
import { describe, expect, it } from "vitest";
import { captureLogger, closedAfterEach, rejection, sendJson, sendText, startServer } from "./server.js";

const { serve, track } = closedAfterEach();

function client(options: Partial<HttpClientOptions> & { baseUrl: string }): HttpClient {
  return track(
    new HttpClient({
      connector: "test-http",
      logger: silentLogger,
      retry: { backoffMs: 5, ...options.retry },
      ...options,
    }),
  );
}

function asFaucet(error: unknown): FaucetError {
  expect(error).toBeInstanceOf(FaucetError);
  return error as FaucetError;
}

describe("HttpClient: requests and keep-alive", () => {
  it("sends method, query, headers and JSON body, and reuses one socket", async () => {
    const server = await serve((req, res) => sendJson(res, 200, { echo: req.body, q: req.query.getAll("tag") }));
    const c = client({ baseUrl: `${server.url}/v1/`, headers: { "X-Static": "yes" } });
    const first = await c.request({
      url: "items?fixed=1",
      method: "post",
      query: [
        ["tag", "a"],
        ["tag", "b"],
      ],
      json: { n: 1 },
    });
    for (let i = 0; i < 9; i++) await c.request({ url: "items" });
    expect(first.status).toBe(200);
    expect(parseJsonResponse(first, "test-http")).toEqual({ echo: '{"n":1}', q: ["a", "b"] });
    const [a] = server.requests;
    expect(a?.method).toBe("POST");
    expect(a?.path).toBe("/v1/items");
    expect(a?.query.get("fixed")).toBe("1");
    expect(a?.headers["content-type"]).toBe("application/json");
    expect(a?.headers["x-static"]).toBe("yes");
    expect(a?.headers["user-agent"]).toBe("faucet (test-http)");
    // Ten requests in a row travel over one or two kept-alive sockets, not ten.
    expect(new Set(server.requests.map((r) => r.remotePort)).size).toBeLessThanOrEqual(2);
    expect(c.stats).toEqual({ requests: 10, retries: 0 });
  });
});

describe("HttpClient: status codes become FaucetError kinds", () => {
  it.each([
    [401, "auth", false],
    [403, "auth", false],
    [404, "http_status", false],
    [400, "http_status", false],
  ])("HTTP %i → %s, not retried", async (status, kind, retryable) => {
    const server = await serve((_req, res) => sendJson(res, status, { error: "nope" }));
    const error = asFaucet(await rejection(client({ baseUrl: server.url }).request({ url: "/x" })));
    expect(error.kind).toBe(kind);
    expect(error.retryable).toBe(retryable);
    expect(error.status).toBe(status);
    expect(error.message).toContain(`HTTP ${status}`);
    expect(error.message).toContain('{"error":"nope"}');
    expect(error.hint).toBeTruthy();
    expect(server.requests).toHaveLength(1);
  });

  it("retries 5xx and succeeds when the server recovers", async () => {
    let calls = 0;
    const server = await serve((_req, res) =>
      ++calls <= 2 ? sendText(res, 503, "busy") : sendJson(res, 200, { ok: 1 }),
    );
    const c = client({ baseUrl: server.url, retry: { maxRetries: 3, backoffMs: 5 } });
    const res = await c.request({ url: "/x" });
    expect(res.status).toBe(200);
    expect(server.requests).toHaveLength(3);
    expect(c.stats.retries).toBe(2);
  });

  it("gives up after max_retries and says how many attempts were made", async () => {
    const server = await serve((_req, res) => sendText(res, 500, "boom"));
    const error = asFaucet(
      await rejection(client({ baseUrl: server.url, retry: { maxRetries: 2 } }).request({ url: "/x" })),
    );
    expect(error.kind).toBe("http_status");
    expect(error.message).toContain("gave up after 3 attempts");
    expect(server.requests).toHaveLength(3);
  });

  it("never retries a request marked retry: false", async () => {
    const server = await serve((_req, res) => sendText(res, 500, "boom"));
    await rejection(client({ baseUrl: server.url }).request({ url: "/x", method: "POST", retry: false }));
    expect(server.requests).toHaveLength(1);
  });

  it("returns tolerated statuses instead of throwing", async () => {
    const server = await serve((_req, res) => sendText(res, 404, "gone"));
    const res = await client({ baseUrl: server.url }).request({ url: "/x", tolerate: [404] });
    expect(res.status).toBe(404);
    expect(res.text()).toBe("gone");
  });

  it("names an HTML error page by its title", async () => {
    const page =
      "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>";
    const server = await serve((_req, res) => sendText(res, 502, page, "text/html"));
    const error = asFaucet(
      await rejection(client({ baseUrl: server.url, retry: { maxRetries: 0 } }).request({ url: "/" })),
    );
    expect(error.kind).toBe("http_status");
    expect(error.message).toContain('HTML page "502 Bad Gateway — Bad Gateway"');
  });

  it("parseJsonResponse turns an HTML 200 into a json error with a hint", async () => {
    const server = await serve((_req, res) => sendText(res, 200, "<html><title>Sign in</title></html>", "text/html"));
    const res = await client({ baseUrl: server.url }).request({ url: "/" });
    const error = asFaucet(await rejection(Promise.resolve().then(() => parseJsonResponse(res, "test-http"))));
    expect(error.kind).toBe("json");
    expect(error.message).toContain('HTML page "Sign in"');
    expect(error.hint).toContain("HTML page");
  });
});

describe("HttpClient: Retry-After and rate limits", () => {
  it("waits for Retry-After in seconds before retrying a 429", async () => {
    let calls = 0;
    const server = await serve((_req, res) =>
      ++calls === 1 ? sendText(res, 429, "slow down", "text/plain", { "retry-after": "1" }) : sendJson(res, 200, {}),
    );
    await client({ baseUrl: server.url }).request({ url: "/" });
    const [a, b] = server.requests;
    expect((b?.at ?? 0) - (a?.at ?? 0)).toBeGreaterThanOrEqual(990);
  });

  it("waits for Retry-After given as an HTTP date", async () => {
    let calls = 0;
    const server = await serve((_req, res) =>
      ++calls === 1
        ? sendText(res, 503, "later", "text/plain", { "retry-after": new Date(Date.now() + 2000).toUTCString() })
        : sendJson(res, 200, {}),
    );
    await client({ baseUrl: server.url }).request({ url: "/" });
    const [a, b] = server.requests;
    // An HTTP date has whole seconds, so the wait is between 1 and 2 s.
    expect((b?.at ?? 0) - (a?.at ?? 0)).toBeGreaterThanOrEqual(990);
  });

  it("fails at once when Retry-After asks for longer than it will wait", async () => {
    const server = await serve((_req, res) => sendText(res, 429, "quota", "text/plain", { "retry-after": "3600" }));
    const started = performance.now();
    const error = asFaucet(
      await rejection(client({ baseUrl: server.url, retry: { maxRetryAfterMs: 60_000 } }).request({ url: "/" })),
    );
    expect(error.kind).toBe("rate_limited");
    expect(error.retryable).toBe(false);
    expect(error.message).toContain("asked to wait 3600 s");
    expect(server.requests).toHaveLength(1);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it("spaces requests by the rate limit, across concurrent callers", async () => {
    const server = await serve((_req, res) => sendJson(res, 200, {}));
    // One kept-alive socket, opened by the first request, so arrival times show send times.
    const c = client({ baseUrl: server.url, rateLimit: 20, concurrency: 1 });
    await c.request({ url: "/" });
    await Promise.all(Array.from({ length: 6 }, () => c.request({ url: "/" })));
    const times = server.requests.map((r) => r.at);
    expect((times[6] as number) - (times[1] as number)).toBeGreaterThanOrEqual(5 * 50 - 10);
  });

  it("keeps at most `concurrency` requests in flight", async () => {
    const server = await serve(async (_req, res) => {
      await new Promise((r) => setTimeout(r, 30));
      sendJson(res, 200, {});
    });
    const c = client({ baseUrl: server.url, concurrency: 3 });
    await Promise.all(Array.from({ length: 10 }, () => c.request({ url: "/" })));
    expect(server.requests).toHaveLength(10);
    expect(server.inFlight.max).toBeLessThanOrEqual(3);
    expect(server.inFlight.max).toBeGreaterThan(1);
  });
});

describe("HttpClient: transport failures", () => {
  it("a slow server trips the timeout, retried, then a timeout error", async () => {
    const server = await serve(async (_req, res) => {
      await new Promise((r) => setTimeout(r, 3000));
      sendJson(res, 200, {});
    });
    const error = asFaucet(
      await rejection(client({ baseUrl: server.url, timeoutMs: 150, retry: { maxRetries: 1 } }).request({ url: "/" })),
    );
    expect(error.kind).toBe("timeout");
    expect(error.retryable).toBe(true);
    expect(error.message).toContain("took longer than 0.15 s");
    expect(server.requests).toHaveLength(2);
  });

  it("a server that is not there is a connection error", async () => {
    const gone = await startServer((_req, res) => sendJson(res, 200, {}));
    await gone.close();
    const error = asFaucet(
      await rejection(client({ baseUrl: gone.url, retry: { maxRetries: 1 } }).request({ url: "/" })),
    );
    expect(error.kind).toBe("connection");
    expect(error.message).toContain("ECONNREFUSED");
    expect(error.hint).toContain("running");
  });

  it("a dropped connection is a retryable connection error", async () => {
    let calls = 0;
    const server = await serve((req, res) => {
      if (++calls === 1) {
        res.socket?.destroy();
        return;
      }
      sendJson(res, 200, { path: req.path });
    });
    const res = await client({ baseUrl: server.url }).request({ url: "/again" });
    expect(res.status).toBe(200);
    expect(calls).toBe(2);
  });

  it("cancellation stops a request in flight with a cancelled error", async () => {
    const server = await serve(async (_req, res) => {
      await new Promise((r) => setTimeout(r, 3000));
      sendJson(res, 200, {});
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = performance.now();
    const error = asFaucet(
      await rejection(client({ baseUrl: server.url }).request({ url: "/", signal: controller.signal })),
    );
    expect(error.kind).toBe("cancelled");
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it("close() is idempotent and later requests fail clearly", async () => {
    const server = await serve((_req, res) => sendJson(res, 200, {}));
    const c = client({ baseUrl: server.url });
    await c.request({ url: "/" });
    await c.close();
    await c.close();
    const error = asFaucet(await rejection(c.request({ url: "/" })));
    expect(error.message).toContain("closed");
  });

  it("an invalid base URL is a config error", () => {
    expect(() => new HttpClient({ connector: "t", baseUrl: "ftp://x" })).toThrow(/not a valid http/);
  });
});

describe("HttpClient: redirects and credentials", () => {
  it("follows same-origin redirects with credentials and drops them across origins", async () => {
    const other = await serve((req, res) => sendJson(res, 200, { auth: req.headers.authorization ?? null }));
    const server = await serve((req, res) => {
      if (req.path === "/old") return sendText(res, 301, "", "text/plain", { location: "/new" });
      if (req.path === "/away") return sendText(res, 302, "", "text/plain", { location: `${other.url}/there` });
      sendJson(res, 200, { auth: req.headers.authorization ?? null });
    });
    const logger = captureLogger();
    const c = client({ baseUrl: server.url, auth: { type: "bearer", config: { token: "tok-123" } }, logger });
    expect(parseJsonResponse(await c.request({ url: "/old" }), "t")).toEqual({ auth: "Bearer tok-123" });
    expect(parseJsonResponse(await c.request({ url: "/away" }), "t")).toEqual({ auth: null });
    // An absolute URL on another origin never gets credentials either.
    expect(parseJsonResponse(await c.request({ url: `${other.url}/direct` }), "t")).toEqual({ auth: null });
    expect(logger.warnings().join("\n")).toContain(`not sending credentials to ${other.url}`);
  });
});
