import { describe, expect, it } from "vitest";
import {
  faucetError,
  graphqlApi,
  ITEMS_QUERY,
  ids,
  items,
  itemsConfig,
  readAll,
  rejection,
  seededRandom,
  sendJson,
  sendText,
  source,
} from "./api.js";

describe("GraphQL errors in a 200 response", () => {
  it("a field error beside partial data fails the read with the server's messages and paths", async () => {
    const api = await graphqlApi(items(5));
    const s = source({
      endpoint: api.url,
      query: "{ items { nodes { id secret } } }",
      records_path: "$.data.items.nodes",
    });
    const error = faucetError(await rejection(readAll(s)), "source");
    expect(error.detail).toBe(
      `the GraphQL query at ${api.url} returned errors: secret of 1 is not readable (at items.nodes.0.secret); secret of 2 is not readable (at items.nodes.1.secret); secret of 3 is not readable (at items.nodes.2.secret) (and 2 more)`,
    );
    expect(error.retryable).toBe(false);
    expect(api.requests).toHaveLength(1);
  });

  it("a validation error (no `data`) is a config error naming the bad field", async () => {
    const api = await graphqlApi(items(1));
    const s = source({ endpoint: api.url, query: "{ items { nodes { idd } } }" });
    const error = faucetError(await rejection(readAll(s)), "config");
    expect(error.detail).toContain('Cannot query field "idd" on type "Item". Did you mean "id"?');
    expect(error.hint).toContain("check `query` and `variables`");
  });

  it("a variable of the wrong type is a config error", async () => {
    const api = await graphqlApi(items(1));
    const s = source({
      endpoint: api.url,
      query: ITEMS_QUERY,
      variables: { since: "yesterday" },
      records_path: "$.data.items.nodes",
    });
    const error = faucetError(await rejection(readAll(s)), "config");
    expect(error.detail).toContain('Variable "$since" got invalid value "yesterday"');
  });

  it("THROTTLED errors are retried with backoff, then give up with the attempt count", async () => {
    const api = await graphqlApi([]);
    api.throttle.remaining = 2;
    const s = source({ endpoint: api.url, query: "{ busy }", max_retries: 3 });
    expect((await readAll(s)).records).toEqual([{ busy: 1 }]);
    expect(s.stats.retries).toBe(2);
    api.throttle.remaining = 10;
    const t = source({ endpoint: api.url, query: "{ busy }", max_retries: 2 });
    const error = faucetError(await rejection(readAll(t)), "rate_limited");
    expect(error.detail).toBe(`${api.url} is throttling: Throttled (at busy) (gave up after 3 attempts)`);
  });

  it("an UNAUTHENTICATED/FORBIDDEN code is an auth error", async () => {
    const api = await graphqlApi([]);
    const error = faucetError(await rejection(readAll(source({ endpoint: api.url, query: "{ private }" }))), "auth");
    expect(error.detail).toContain("missing scope read:private");
  });
});

describe("failure storms", () => {
  it("a server failing a third of the requests (502, 429, THROTTLED) is still read exactly once, in order", async () => {
    const random = seededRandom(11);
    let failed = 0;
    const api = await graphqlApi(items(200), {
      intercept: (_req, res) => {
        const roll = random();
        if (roll >= 0.33) return false;
        failed++;
        if (roll < 0.11) sendText(res, 502, "bad gateway");
        else if (roll < 0.22) sendJson(res, 429, { errors: [{ message: "slow down" }] }, { "retry-after": "0" });
        else sendJson(res, 200, { data: null, errors: [{ message: "Throttled", extensions: { code: "THROTTLED" } }] });
        return true;
      },
    });
    const s = source(itemsConfig(api.url, { batch_size: 10, max_retries: 10 }));
    const read = await readAll(s);
    expect(ids(read.records)).toEqual(ids(items(200)));
    expect(read.pages).toBe(20);
    expect(failed).toBeGreaterThan(3);
    expect(s.stats.retries).toBe(failed);
  });
});

describe("HTTP-level failures and malformed responses", () => {
  it("retries 5xx and fails with the status after max_retries", async () => {
    let calls = 0;
    const api = await graphqlApi(items(1), {
      intercept: (_req, res) => {
        if (++calls > 2) return false;
        sendText(res, 502, "<html><title>502 Bad Gateway</title></html>", "text/html");
        return true;
      },
    });
    const s = source({ endpoint: api.url, query: "{ items { totalCount } }", max_retries: 3 });
    expect((await readAll(s)).records).toEqual([{ items: { totalCount: 1 } }]);
    const down = await graphqlApi([], {
      intercept: (_req, res) => {
        sendText(res, 503, "down for maintenance");
        return true;
      },
    });
    const error = faucetError(
      await rejection(readAll(source({ endpoint: down.url, query: "{ a }", max_retries: 1 }))),
      "http_status",
    );
    expect(error.detail).toContain("HTTP 503 Service Unavailable: down for maintenance (gave up after 2 attempts)");
  });

  it("a 400 carrying GraphQL errors (GraphQL over HTTP) reads as those errors", async () => {
    const api = await graphqlApi([], {
      intercept: (_req, res) => {
        sendJson(res, 400, { errors: [{ message: 'Syntax Error: Unexpected Name "quer".' }] });
        return true;
      },
    });
    const error = faucetError(await rejection(readAll(source({ endpoint: api.url, query: "quer { a }" }))), "config");
    expect(error.detail).toContain('Syntax Error: Unexpected Name "quer".');
  });

  it("an HTML page, a non-object body, or a body without data or errors is a json error", async () => {
    const bodies: Array<[string, string]> = [
      ["text/html", "<!doctype html><html><title>Sign in</title></html>"],
      ["application/json", "[1,2]"],
      ["application/json", '{"result": 1}'],
    ];
    for (const [type, body] of bodies) {
      const api = await graphqlApi([], {
        intercept: (_req, res) => {
          sendText(res, 200, body, type);
          return true;
        },
      });
      faucetError(await rejection(readAll(source({ endpoint: api.url, query: "{ a }" }))), "json");
    }
  });

  it("unreachable endpoint and refused credentials", async () => {
    faucetError(
      await rejection(readAll(source({ endpoint: "http://127.0.0.1:9/graphql", query: "{ a }", max_retries: 0 }))),
      "connection",
    );
    const api = await graphqlApi([], { token: "right" });
    const error = faucetError(
      await rejection(
        readAll(
          source({ endpoint: api.url, query: "{ a }", auth: { type: "bearer", config: { token: "wr0ng-t0ken" } } }),
        ),
      ),
      "auth",
    );
    expect(error.message).not.toContain("wr0ng-t0ken");
  });

  it("check() passes with good credentials and fails with bad ones", async () => {
    const api = await graphqlApi([], { token: "right" });
    const good = await source({
      endpoint: api.url,
      query: "{ a }",
      auth: { type: "bearer", config: { token: "right" } },
    }).check();
    expect(good.probes.map((p) => p.status)).toEqual(["pass"]);
    const bad = await source({
      endpoint: api.url,
      query: "{ a }",
      auth: { type: "bearer", config: { token: "nope" } },
    }).check();
    expect(bad.probes[0]).toMatchObject({ status: "fail", reason: expect.stringContaining("HTTP 401") });
  });
});
