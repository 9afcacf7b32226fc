import { MemoryStateStore, Pipeline } from "faucet-core";
import { describe, expect, it } from "vitest";
import {
  delayed,
  faucetError,
  githubLike,
  ids,
  items,
  memorySink,
  range,
  readAll,
  rejection,
  seededRandom,
  sendJson,
  sendText,
  serve,
  source,
} from "./apis.js";

/** Twelve pages of 5 records behind `?page=`, answering slowly enough for tokens to expire. */
function pagedApi(check: (authorization: string | undefined) => boolean, delayMs = 0) {
  const all = items(60);
  return delayed(delayMs, (req, res) => {
    if (!check(req.headers.authorization)) return sendJson(res, 401, { error: "invalid_token" });
    const page = Number(req.query.get("page") ?? 1);
    sendJson(res, 200, { data: all.slice((page - 1) * 5, page * 5) });
  });
}

describe("OAuth2 token endpoint whose tokens expire mid-run", () => {
  it("refreshes tokens by lifetime and after a 401, and reads every record once", async () => {
    let issued = 0;
    const tokens = new Map<string, { at: number; uses: number }>();
    const refusals: boolean[] = [];
    const api = pagedApi((authorization) => {
      const token = tokens.get((authorization ?? "").replace("Bearer ", ""));
      // The server judges a token expired after 0.6 s, or revokes it after 4 uses.
      const ok = token !== undefined && Date.now() - token.at <= 600 && token.uses < 4;
      if (token && ok) token.uses++;
      refusals.push(!ok);
      return ok;
    }, 60);
    const server = await serve((req, res) => {
      if (req.path !== "/oauth/token") return api(req, res);
      const form = new URLSearchParams(req.body);
      if (form.get("client_secret") !== "cl1ent-s3cret") return sendJson(res, 401, { error: "invalid_client" });
      const token = `t-${++issued}`;
      tokens.set(token, { at: Date.now(), uses: 0 });
      sendJson(res, 200, { access_token: token, expires_in: 1 });
    });
    const s = source({
      base_url: server.url,
      path: "/data",
      records_path: "$.data",
      auth: {
        type: "oauth2",
        config: {
          token_url: `${server.url}/oauth/token`,
          client_id: "app",
          client_secret: "cl1ent-s3cret",
          scopes: [],
        },
      },
      pagination: { type: "page_number" },
    });
    const { records } = await readAll(s);
    expect(ids(records)).toEqual(range(60));
    // Tokens were replaced along the way: by lifetime (client side, at 90% of 1 s) and after
    // the server refused them (0.6 s, or 4 uses), each 401 followed by one retry that worked.
    expect(issued).toBeGreaterThanOrEqual(3);
    const statuses = refusals.map((refused) => (refused ? 401 : 200));
    expect(statuses.filter((st) => st === 401).length).toBeGreaterThanOrEqual(1);
    expect(statuses.join(",")).not.toContain("401,401");
    expect(statuses.filter((st) => st === 200)).toHaveLength(13);
  });

  it("a wrong client secret fails with an auth error that hides the secret", async () => {
    const server = await serve((_req, res) => sendJson(res, 401, { error: "invalid_client" }));
    const s = source({
      base_url: server.url,
      auth: {
        type: "oauth2",
        config: { token_url: `${server.url}/t`, client_id: "app", client_secret: "not-the-s3cret" },
      },
    });
    const error = faucetError(await rejection(readAll(s)), "auth");
    expect(error.message).not.toContain("not-the-s3cret");
    expect(error.message).toContain("[source-rest]");
  });
});

describe("a 429 storm with Retry-After", () => {
  it("honours every Retry-After and ends with every record", async () => {
    const all = items(40);
    let stormUntil = 0;
    let early = 0;
    const server = await serve((req, res) => {
      const now = Date.now();
      if (now < stormUntil) early++;
      const page = Number(req.query.get("page") ?? 1);
      // Every third request starts a one-second storm: answered 429 with Retry-After: 1.
      if (server.requests.length % 3 === 0) {
        stormUntil = now + 1000;
        return sendText(res, 429, "Too Many Requests", "text/plain", { "retry-after": "1" });
      }
      sendJson(res, 200, all.slice((page - 1) * 10, page * 10));
    });
    const s = source({ base_url: server.url, max_retries: 5, pagination: { type: "page_number" } });
    const { records } = await readAll(s);
    expect(ids(records)).toEqual(range(40));
    expect(server.requests.filter((r) => r.query.get("page")).length).toBeGreaterThan(5);
    expect(early).toBe(0);
    expect(s.stats.retries).toBeGreaterThanOrEqual(2);
  });

  it("a 429 that never ends fails with rate_limited after max_retries, not silently", async () => {
    const server = await serve((_req, res) => sendText(res, 429, "slow down", "text/plain", { "retry-after": "0" }));
    const s = source({ base_url: server.url, max_retries: 3 });
    const error = faucetError(await rejection(readAll(s)), "rate_limited");
    expect(error.message).toContain("gave up after 4 attempts");
    expect(server.requests).toHaveLength(4);
  });
});

describe("random 500s", () => {
  it("retries through a seeded 30% failure rate and ends with exact records", async () => {
    const random = seededRandom(42);
    const all = items(500);
    let failures = 0;
    const server = await serve((req, res) => {
      if (random() < 0.3) {
        failures++;
        return sendText(res, 500, "Internal Server Error");
      }
      const offset = Number(req.query.get("offset"));
      sendJson(res, 200, { rows: all.slice(offset, offset + 25), total: all.length });
    });
    const s = source({
      base_url: server.url,
      records_path: "$.rows",
      max_retries: 8,
      pagination: { type: "offset", limit: 25, total_path: "$.total" },
    });
    const { records } = await readAll(s);
    expect(records).toEqual(all);
    expect(failures).toBeGreaterThan(3);
    expect(server.requests).toHaveLength(20 + failures);
  });
});

describe("a slow endpoint trips the timeout", () => {
  it("fails with a timeout error after its retries; a pipeline keeps only the pages before it", async () => {
    const all = items(30);
    const server = await serve(async (req, res) => {
      const page = Number(req.query.get("page") ?? 1);
      if (page === 2) await new Promise((r) => setTimeout(r, 2000));
      sendJson(res, 200, all.slice((page - 1) * 10, page * 10));
    });
    const config = {
      base_url: server.url,
      timeout: 0.2,
      max_retries: 1,
      replication_key: "updated_at",
      state_key: "slow",
      pagination: { type: "page_number" as const },
    };
    const error = faucetError(await rejection(readAll(source(config))), "timeout");
    expect(error.message).toContain("took longer than 0.2 s");

    const sink = memorySink();
    const state = new MemoryStateStore();
    const run = await rejection(new Pipeline(source(config), sink, { stateStore: state }).run());
    faucetError(run, "timeout");
    expect(ids(sink.rows)).toEqual(range(10));
    expect(await state.get("slow")).toBe(all[9]?.updated_at);
  });
});

describe("bad responses", () => {
  it("malformed JSON fails with a json error naming the URL, without retrying", async () => {
    const server = await serve((req, res) =>
      req.query.get("page") === "2"
        ? sendText(res, 200, '[{"id": 11}, {"id": 1', "application/json")
        : sendJson(res, 200, items(10)),
    );
    const s = source({ base_url: server.url, path: "/list", pagination: { type: "page_number" } });
    const error = faucetError(await rejection(readAll(s)), "json");
    expect(error.message).toContain(`${server.url}/list?page=2`);
    expect(error.message).toContain("not valid JSON");
    expect(server.requests).toHaveLength(2);
  });

  it("an HTML error page fails with its title, after the retries", async () => {
    const page = "<html><head><title>503 Service Temporarily Unavailable</title></head><body>nginx</body></html>";
    const server = await serve((_req, res) => sendText(res, 503, page, "text/html"));
    const s = source({ base_url: server.url, max_retries: 2 });
    const error = faucetError(await rejection(readAll(s)), "http_status");
    expect(error.message).toContain('HTML page "503 Service Temporarily Unavailable"');
    expect(error.status).toBe(503);
    expect(server.requests).toHaveLength(3);
  });

  it("an HTML page with status 200 is a json error that points at auth and URL", async () => {
    const server = await serve((_req, res) => sendText(res, 200, "<!doctype html><title>Log in</title>", "text/html"));
    const error = faucetError(await rejection(readAll(source({ base_url: server.url }))), "json");
    expect(error.message).toContain('HTML page "Log in"');
    expect(error.hint).toContain("credentials");
  });

  it("an unreachable server is a connection error", async () => {
    const server = await serve((_req, res) => sendJson(res, 200, []));
    await server.close();
    const error = faucetError(await rejection(readAll(source({ base_url: server.url, max_retries: 1 }))), "connection");
    expect(error.message).toContain("ECONNREFUSED");
  });

  it("wrong credentials fail with an auth error, never showing the token", async () => {
    const server = await serve(githubLike({ "a/b": items(3) }));
    const s = source({
      base_url: server.url,
      path: "/repos/a/b/issues",
      auth: { type: "bearer", config: { token: "wr0ng-t0ken-value" } },
    });
    const error = faucetError(await rejection(readAll(s)), "auth");
    expect(error.status).toBe(401);
    expect(JSON.stringify(error.toJSON())).not.toContain("wr0ng-t0ken-value");
    expect(server.requests).toHaveLength(1);
  });

  it("tolerated_http_errors reads a 404 as an empty page", async () => {
    const server = await serve(githubLike({ "a/b": items(3) }, "t"));
    const s = source({
      base_url: server.url,
      path: "/repos/{owner}/{repo}/issues",
      auth: { type: "bearer", config: { token: "t" } },
      tolerated_http_errors: [404],
      partitions: [
        { owner: "a", repo: "b" },
        { owner: "gone", repo: "x" },
      ],
    });
    expect(ids((await readAll(s)).records)).toEqual([1, 2, 3]);
  });
});

describe("cancellation", () => {
  it("an aborted pipeline stops promptly, reports cancelled and keeps what it wrote", async () => {
    const all = items(1000);
    const server = await serve(
      delayed(20, (req, res) => {
        const page = Number(req.query.get("page") ?? 1);
        sendJson(res, 200, all.slice((page - 1) * 10, page * 10));
      }),
    );
    const controller = new AbortController();
    const sink = memorySink();
    const origWrite = sink.writeBatch.bind(sink);
    sink.writeBatch = async (records) => {
      const n = await origWrite(records);
      if (sink.rows.length >= 30) controller.abort();
      return n;
    };
    const started = performance.now();
    const result = await new Pipeline(source({ base_url: server.url, pagination: { type: "page_number" } }), sink, {
      signal: controller.signal,
    }).run();
    expect(result.cancelled).toBe(true);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(ids(sink.rows)).toEqual(range(sink.rows.length));
    expect(sink.rows.length).toBeLessThan(100);
  });
});
