import { AuthConfig } from "faucet-common-http";
import { FaucetError, parseConfig, redactConfig, schemaFor } from "faucet-core";
import { definition, RestSource, RestSourceConfig } from "faucet-source-rest";
import { describe, expect, it } from "vitest";
import { readAll, rejection, sendJson, sendText, serve, source } from "./apis.js";

function configError(input: unknown): FaucetError {
  try {
    parseConfig(RestSourceConfig, input, { path: "pipeline.source.config", connector: "source-rest" });
  } catch (error) {
    expect(FaucetError.is(error, "config")).toBe(true);
    return error as FaucetError;
  }
  throw new Error("expected a config error");
}

describe("config", () => {
  it("fills the Rust faucet-stream defaults", () => {
    const config = RestSourceConfig.parse({ base_url: "https://api.example.com" });
    expect(config).toMatchObject({
      path: "",
      method: "GET",
      timeout: 30,
      max_retries: 3,
      retry_backoff: 1,
      tolerated_http_errors: [],
      pagination: { type: "none" },
      response_format: "json",
      csv_delimiter: ",",
      csv_has_headers: true,
      partitions: [],
      partition_concurrency: 1,
    });
    expect(config.max_pages).toBeUndefined();
  });

  it("accepts the Rust PascalCase pagination types and replication_method shapes, normalized", () => {
    const pascal = RestSourceConfig.parse({
      base_url: "https://x",
      method: "post",
      pagination: { type: "CursorInBody", next_token_path: "$.next", body_cursor_field: "after" },
      replication_method: { type: "Incremental" },
      replication_key: "updated_at",
      csv_delimiter: 59,
    });
    expect(pascal.pagination).toEqual({
      type: "cursor_in_body",
      next_token_path: "$.next",
      body_cursor_field: "after",
    });
    expect(pascal.replication_method).toBe("incremental");
    expect(pascal.method).toBe("POST");
    expect(pascal.csv_delimiter).toBe(";");
    // A parsed config parses again to itself, so TypeScript users may pass either.
    expect(RestSourceConfig.parse(pascal)).toEqual(pascal);
    for (const type of ["None", "Cursor", "LinkHeader", "NextLinkInBody", "PageNumber", "Offset"]) {
      const extra: Record<string, Record<string, unknown>> = {
        Cursor: { next_token_path: "$.n", param_name: "c" },
        NextLinkInBody: { next_link_path: "$.n" },
        Offset: { limit: 10 },
      };
      const parsed = RestSourceConfig.parse({ base_url: "https://x", pagination: { type, ...extra[type] } });
      expect(parsed.pagination.type).toBe(type.replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase());
    }
  });

  it("an unknown key names its path and the closest valid key", () => {
    const error = configError({
      base_url: "https://x",
      pagination: { type: "cursor", next_token_path: "$.n", param_nme: "c" },
    });
    expect(error.message).toContain("pipeline.source.config.pagination.param_nme");
    expect(error.message).toContain("did you mean `param_name`");
    expect(configError({ base_url: "https://x", recods_path: "$.a" }).message).toContain("did you mean `records_path`");
  });

  it.each([
    [{ pagination: { type: "Bogus" } }, "Invalid discriminator"],
    [{ records_path: "$.data[?(@.x)]" }, "filter and script expressions are not supported"],
    [
      { response_format: "csv", pagination: { type: "cursor", next_token_path: "$.n", param_name: "c" } },
      "reads the next page from a JSON body",
    ],
    [{ response_format: "jsonl", records_path: "$.a" }, "each line or row is already a record"],
    [{ replication_bind: { name: "since" } }, "needs `replication_key`"],
    [{ replication_key: "id", replication_bind: { into: "path", name: "since" } }, "needs a `{since}` placeholder"],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal placeholder
    [{ replication_key: "id", replication_bind: { name: "since", template: "since" } }, "must contain ${bookmark}"],
    [{ replication_method: "incremental" }, "needs `replication_key`"],
    [{ partitions: [{ a: 1 }, { a: 1 }] }, "listed twice"],
    [{ method: "TRACE" }, "method"],
    [{ timeout: 0 }, "timeout"],
    [{ auth: { type: "oauth2", config: { token_url: "https://t", client_id: "a" } } }, "client_secret"],
  ])("%j is refused", (patch, why) => {
    expect(configError({ base_url: "https://x", ...patch }).message).toContain(why);
  });

  it("the constructor validates, and the definition builds a source", async () => {
    expect(() => new RestSource({ base_url: "https://x", pagination: { type: "offset" } } as never)).toThrow(/limit/);
    expect(definition.type).toBe("rest");
    const built = await definition.create(RestSourceConfig.parse({ base_url: "https://x" }), {
      baseDir: ".",
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      pipeline: "p",
    });
    expect(built.connectorName?.()).toBe("source-rest");
    await built.close?.();
  });

  it("the JSON Schema describes every key", () => {
    const schema = schemaFor(RestSourceConfig) as { properties: Record<string, { description?: string }> };
    for (const [key, property] of Object.entries(schema.properties)) {
      expect(property.description ?? "", key).not.toBe("");
    }
  });
});

describe("secrets", () => {
  const secrets = {
    bearer: { type: "bearer", config: { token: "bearer-s3cret-1" } },
    basic: { type: "basic", config: { username: "ann", password: "basic-s3cret-2" } },
    api_key: { type: "api_key", config: { header: "X-Key", value: "apikey-s3cret-3" } },
    api_key_query: { type: "api_key_query", config: { param: "key", value: "query-s3cret-4" } },
    oauth2: {
      type: "oauth2",
      config: { token_url: "http://127.0.0.1:1/t", client_id: "id", client_secret: "oauth-s3cret-5" },
    },
    token_endpoint: {
      type: "token_endpoint",
      config: {
        url: "http://127.0.0.1:1/t",
        body: { password: "tokenbody-s3cret-6" },
        headers: { "X-Login": "tokenheader-s3cret-7" },
        token_path: "$.t",
      },
    },
    custom: { type: "custom", config: { headers: { "X-Secret": "custom-s3cret-8" } } },
  } as const;

  it.each(Object.entries(secrets))("%s: the secret never appears in an error", async (_type, auth) => {
    const server = await serve((req, res) =>
      sendText(res, 403, `denied: ${JSON.stringify(req.headers)} ${req.query.toString()} ${req.body}`),
    );
    const s = source({ base_url: server.url, path: "/x", auth: AuthConfig.parse(auth), max_retries: 0 });
    const error = (await rejection(readAll(s))) as FaucetError;
    expect(FaucetError.is(error)).toBe(true);
    const everything = `${error.message} ${JSON.stringify(error.toJSON())} ${String(error.cause instanceof Error ? error.cause.message : "")}`;
    for (const value of Object.values(secrets).flatMap((a) => JSON.stringify(a).match(/[a-z]+-s3cret-\d/g) ?? [])) {
      expect(everything).not.toContain(value);
    }
  });

  it("redactConfig hides every secret of the config, and only the secrets", () => {
    const schema = schemaFor(RestSourceConfig);
    for (const auth of Object.values(secrets)) {
      const printed = JSON.stringify(redactConfig(schema, { base_url: "https://x", auth }));
      expect(printed).not.toMatch(/s3cret/);
      if (auth.type === "oauth2") expect(printed).toContain("http://127.0.0.1:1/t");
    }
    const paging = { type: "cursor", next_token_path: "$.next_token", param_name: "token" };
    expect(redactConfig(schema, { base_url: "https://x", pagination: paging }).pagination).toEqual(paging);
  });

  it("a failing fetch of a page never prints the api key from the URL", async () => {
    const server = await serve((_req, res) => sendJson(res, 500, { boom: true }));
    const s = source({
      base_url: server.url,
      path: "/items",
      auth: { type: "api_key_query", config: { param: "api_key", value: "url-s3cret-9" } },
      max_retries: 1,
    });
    const error = (await rejection(readAll(s))) as FaucetError;
    expect(error.message).toContain("api_key=***");
    expect(error.message).not.toContain("url-s3cret-9");
  });
});
