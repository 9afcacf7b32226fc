import { AuthConfig, HttpClient, type HttpClientOptions, parseJsonResponse } from "faucet-common-http";
import { FaucetError, silentLogger } from "faucet-core";
import { describe, expect, it } from "vitest";
import { closedAfterEach, type Handler, rejection, sendJson, sendText } from "./server.js";

const { serve, track } = closedAfterEach();

function client(baseUrl: string, auth: unknown, extra: Partial<HttpClientOptions> = {}): HttpClient {
  return track(
    new HttpClient({
      connector: "test-http",
      baseUrl,
      auth: AuthConfig.parse(auth),
      logger: silentLogger,
      retry: { backoffMs: 5, maxRetries: 1 },
      ...extra,
    }),
  );
}

/** Echoes the credentials a request carried. */
const echo: Handler = (req, res) =>
  sendJson(res, 200, {
    authorization: req.headers.authorization ?? null,
    key: req.headers["x-api-key"] ?? null,
    query: req.query.toString(),
  });

describe("static auth", () => {
  it.each([
    [{ type: "none" }, { authorization: null, key: null, query: "" }],
    [
      { type: "bearer", config: { token: "t0ken" } },
      { authorization: "Bearer t0ken", key: null, query: "" },
    ],
    [
      { type: "basic", config: { username: "ann", password: "pässword" } },
      { authorization: `Basic ${Buffer.from("ann:pässword").toString("base64")}`, key: null, query: "" },
    ],
    [
      { type: "api_key", config: { header: "X-Api-Key", value: "k-1" } },
      { authorization: null, key: "k-1", query: "" },
    ],
    [
      { type: "api_key_query", config: { param: "api_key", value: "k 2" } },
      { authorization: null, key: null, query: "api_key=k+2" },
    ],
    [
      { type: "custom", config: { headers: { "X-Api-Key": "c-3", Authorization: "Token c-4" } } },
      { authorization: "Token c-4", key: "c-3", query: "" },
    ],
  ])("%j", async (auth, expected) => {
    const server = await serve(echo);
    expect(parseJsonResponse(await client(server.url, auth).request({ url: "/" }), "t")).toEqual(expected);
  });

  it("a refused static credential is an auth error, sent once, with the secret redacted", async () => {
    const server = await serve((req, res) => sendText(res, 401, `bad key ${req.query.get("api_key")}`));
    const error = await rejection(
      client(server.url, { type: "api_key_query", config: { param: "api_key", value: "sup3r-secret-key" } }).request({
        url: "/items",
      }),
    );
    expect(FaucetError.is(error, "auth")).toBe(true);
    expect((error as Error).message).not.toContain("sup3r-secret-key");
    expect((error as Error).message).toContain("api_key=***");
    expect(server.requests).toHaveLength(1);
  });
});

/**
 * An OAuth2 server: tokens are `tok-<n>`, valid for `lifetime` seconds (as the server judges),
 * and the API refuses a token after `maxUses` uses when that is set (a revoked token).
 */
async function oauthServer(options: { lifetime: number; expiresIn?: number; maxUses?: number; secret?: string }) {
  let issued = 0;
  const tokens = new Map<string, { at: number; uses: number }>();
  const server = await serve((req, res) => {
    if (req.path === "/token") {
      const form = new URLSearchParams(req.body);
      if (
        form.get("grant_type") !== "client_credentials" ||
        form.get("client_secret") !== (options.secret ?? "s3cret")
      ) {
        return sendJson(res, 401, { error: "invalid_client", got: form.get("client_secret") });
      }
      const token = `tok-${++issued}`;
      tokens.set(token, { at: Date.now(), uses: 0 });
      return sendJson(res, 200, {
        access_token: token,
        token_type: "bearer",
        expires_in: options.expiresIn ?? options.lifetime,
        scope: form.get("scope"),
      });
    }
    const token = (req.headers.authorization ?? "").replace(/^Bearer /, "");
    const known = tokens.get(token);
    if (
      !known ||
      Date.now() - known.at > options.lifetime * 1000 ||
      (options.maxUses && known.uses >= options.maxUses)
    ) {
      return sendJson(res, 401, { error: "expired" });
    }
    known.uses++;
    sendJson(res, 200, { token });
  });
  return { server, issued: () => issued };
}

const oauth = (url: string, secret = "s3cret") => ({
  type: "oauth2",
  config: { token_url: `${url}/token`, client_id: "app", client_secret: secret, scopes: ["read", "write"] },
});

describe("oauth2 client credentials", () => {
  it("fetches one token for many concurrent requests and sends the scopes", async () => {
    const { server, issued } = await oauthServer({ lifetime: 3600 });
    const c = client(server.url, oauth(server.url));
    const answers = await Promise.all(Array.from({ length: 5 }, () => c.request({ url: "/api" })));
    expect(answers.map((a) => parseJsonResponse(a, "t"))).toEqual(Array(5).fill({ token: "tok-1" }));
    expect(issued()).toBe(1);
    const tokenRequest = server.requests.find((r) => r.path === "/token");
    expect(new URLSearchParams(tokenRequest?.body).get("scope")).toBe("read write");
  });

  it("refreshes at 90% of the lifetime, before the server refuses the token", async () => {
    const { server, issued } = await oauthServer({ lifetime: 1 });
    const c = client(server.url, oauth(server.url));
    await c.request({ url: "/api" });
    await new Promise((r) => setTimeout(r, 950));
    expect(parseJsonResponse(await c.request({ url: "/api" }), "t")).toEqual({ token: "tok-2" });
    expect(issued()).toBe(2);
    expect(server.requests.filter((r) => r.path === "/api" && r.headers.authorization)).toHaveLength(2);
  });

  it("after a 401 fetches a new token and retries once", async () => {
    const { server, issued } = await oauthServer({ lifetime: 3600, maxUses: 2 });
    const c = client(server.url, oauth(server.url), { retry: { maxRetries: 0 } });
    const seen = [];
    for (let i = 0; i < 5; i++)
      seen.push((parseJsonResponse(await c.request({ url: "/api" }), "t") as { token: string }).token);
    expect(seen).toEqual(["tok-1", "tok-1", "tok-2", "tok-2", "tok-3"]);
    expect(issued()).toBe(3);
  });

  it("a wrong client secret is an auth error that never shows the secret", async () => {
    const { server } = await oauthServer({ lifetime: 3600, secret: "right" });
    const error = await rejection(client(server.url, oauth(server.url, "wr0ng-s3cret-value")).request({ url: "/api" }));
    expect(FaucetError.is(error, "auth")).toBe(true);
    const text = `${(error as Error).message} ${JSON.stringify((error as FaucetError).toJSON())}`;
    expect(text).toContain("could not get a token");
    expect(text).toContain("invalid_client");
    expect(text).not.toContain("wr0ng-s3cret-value");
    expect((error as FaucetError).hint).toContain("client_secret");
    expect(server.requests.filter((r) => r.path === "/token")).toHaveLength(1);
  });

  it("tokens issued at run time are redacted from later errors", async () => {
    const server = await serve((req, res) => {
      if (req.path === "/token") return sendJson(res, 200, { access_token: "issued-token-xyz", expires_in: 60 });
      sendText(res, 400, `rejected ${req.headers.authorization}`);
    });
    const error = await rejection(client(server.url, oauth(server.url)).request({ url: "/api" }));
    expect((error as Error).message).toContain("rejected Bearer ***");
    expect((error as Error).message).not.toContain("issued-token-xyz");
  });
});

describe("token_endpoint", () => {
  it("posts a JSON body, picks the token by JSONPath, and refreshes by expiry_path", async () => {
    let issued = 0;
    const server = await serve((req, res) => {
      if (req.path === "/login") {
        const body = JSON.parse(req.body) as { user: string; password: string };
        if (body.password !== "pw-123456") return sendJson(res, 403, {});
        return sendJson(res, 200, { data: { session: { key: `s-${++issued}` }, ttl: 1 } });
      }
      sendJson(res, 200, { got: req.headers["x-session"] ?? null, auth: req.headers.authorization ?? null });
    });
    const c = client(server.url, {
      type: "token_endpoint",
      config: {
        url: `${server.url}/login`,
        body: { user: "ann", password: "pw-123456" },
        token_path: "$.data.session.key",
        expiry_path: "$.data.ttl",
        header_name: "X-Session",
      },
    });
    expect(parseJsonResponse(await c.request({ url: "/api" }), "t")).toEqual({ got: "s-1", auth: null });
    await new Promise((r) => setTimeout(r, 950));
    expect(parseJsonResponse(await c.request({ url: "/api" }), "t")).toEqual({ got: "s-2", auth: null });
    expect(server.requests[0]?.headers["content-type"]).toBe("application/json");
  });

  it("sends a form body and uses the token as a bearer token", async () => {
    const server = await serve((req, res) => {
      if (req.path === "/oauth/token") {
        return sendJson(res, 200, {
          access_token: new URLSearchParams(req.body).get("grant_type") === "password" ? "ok-tok" : "bad",
        });
      }
      sendJson(res, 200, { auth: req.headers.authorization });
    });
    const c = client(server.url, {
      type: "token_endpoint",
      config: {
        url: `${server.url}/oauth/token`,
        encoding: "form",
        body: { grant_type: "password", username: "ann", password: "pw-abcdef" },
        token_path: "$.access_token",
      },
    });
    expect(parseJsonResponse(await c.request({ url: "/api" }), "t")).toEqual({ auth: "Bearer ok-tok" });
    expect(server.requests[0]?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
  });

  it("a token_path that matches nothing is an auth error naming the path", async () => {
    const server = await serve((_req, res) => sendJson(res, 200, { nothing: true }));
    const error = await rejection(
      client(server.url, { type: "token_endpoint", config: { url: `${server.url}/t`, token_path: "$.token" } }).request(
        {
          url: "/api",
        },
      ),
    );
    expect(FaucetError.is(error, "auth")).toBe(true);
    expect((error as Error).message).toContain("$.token");
  });
});
