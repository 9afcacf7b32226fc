import { FaucetError, isValueObject, registerSecret, type Value } from "faucet-core";
import { parseJson } from "../json.js";
import { compileJsonPath } from "../json-path.js";
import type { AuthProvider, AuthTarget, HttpRequest, TokenTransport } from "../types.js";

/** A token and how long the server says it lives. */
export interface FetchedToken {
  token: string;
  lifetimeSeconds?: number | undefined;
}

/** How a token goes on a request: a header name and the header value for a token. */
export interface TokenPlacement {
  header: string;
  format(token: string): string;
}

/** `Authorization: Bearer <token>`. */
export const BEARER_PLACEMENT: TokenPlacement = { header: "authorization", format: (t) => `Bearer ${t}` };

/**
 * An auth provider around a token fetched on demand: cached, refreshed once `ratio` of its
 * lifetime has passed, fetched once however many requests wait for it, and dropped when the
 * server answers 401 so the request is retried once with a fresh token.
 *
 * @example
 * const auth = cachedTokenAuth("token_endpoint", (signal) => fetchMyToken(signal), 0.9);
 */
export function cachedTokenAuth(
  type: string,
  fetchToken: () => Promise<FetchedToken>,
  ratio: number,
  placement: TokenPlacement = BEARER_PLACEMENT,
): AuthProvider {
  let token: string | undefined;
  let expiresAt: number | undefined;
  let pending: Promise<string> | undefined;

  const refresh = async (): Promise<string> => {
    const fetched = await fetchToken();
    registerSecret(fetched.token);
    token = fetched.token;
    expiresAt = fetched.lifetimeSeconds === undefined ? undefined : Date.now() + fetched.lifetimeSeconds * ratio * 1000;
    return fetched.token;
  };

  const current = (): string | Promise<string> => {
    if (token !== undefined && (expiresAt === undefined || Date.now() < expiresAt)) return token;
    pending ??= refresh().finally(() => {
      pending = undefined;
    });
    return pending;
  };

  return {
    type,
    async apply(target: AuthTarget) {
      target.headers[placement.header] = placement.format(await current());
    },
    invalidate() {
      // Another request may already have replaced the refused token; keep the newer one.
      token = undefined;
      expiresAt = undefined;
      return true;
    },
  };
}

/** The parts of the `oauth2` auth config this module reads. */
export interface OAuth2Options {
  token_url: string;
  client_id: string;
  client_secret: string;
  scopes: readonly string[];
}

/**
 * Fetches an OAuth2 client-credentials token (RFC 6749 §4.4): a form POST with the client id
 * and secret in the body.
 *
 * @example
 * const fetched = await fetchOAuth2Token(options, transport, "source-rest");
 */
export async function fetchOAuth2Token(
  options: OAuth2Options,
  transport: TokenTransport,
  connector: string,
): Promise<FetchedToken> {
  const form = new URLSearchParams({
    grant_type: "client_credentials",
    client_id: options.client_id,
    client_secret: options.client_secret,
  });
  if (options.scopes.length) form.set("scope", options.scopes.join(" "));
  const body = await requestToken(
    {
      url: options.token_url,
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: form.toString(),
    },
    transport,
    connector,
    "check `client_id`, `client_secret` and `scopes`",
  );
  const token = isValueObject(body) ? body.access_token : undefined;
  if (typeof token !== "string" || token === "") {
    throw tokenError(connector, options.token_url, "the response has no `access_token`", "is `token_url` right?");
  }
  const lifetime = isValueObject(body) ? Number(body.expires_in) : Number.NaN;
  return { token, lifetimeSeconds: Number.isFinite(lifetime) && lifetime > 0 ? lifetime : undefined };
}

/** The parts of the `token_endpoint` auth config this module reads. */
export interface TokenEndpointOptions {
  url: string;
  method: string;
  headers?: Record<string, string> | undefined;
  body?: Value | undefined;
  encoding: "json" | "form";
  token_path: string;
  expiry_path?: string | undefined;
}

/**
 * Fetches a token from any endpoint and picks it (and optionally its lifetime) with JSONPath.
 *
 * @example
 * await fetchEndpointToken({ url, method: "POST", encoding: "json", token_path: "$.token" }, transport, "source-rest");
 */
export async function fetchEndpointToken(
  options: TokenEndpointOptions,
  transport: TokenTransport,
  connector: string,
): Promise<FetchedToken> {
  const tokenPath = compileJsonPath(options.token_path);
  const expiryPath = options.expiry_path === undefined ? undefined : compileJsonPath(options.expiry_path);
  const request: HttpRequest = {
    url: options.url,
    method: options.method,
    headers: { accept: "application/json", ...lowerKeys(options.headers) },
  };
  if (options.body !== undefined) {
    if (options.encoding === "form") {
      request.body = formBody(options.body, connector);
      request.headers = { "content-type": "application/x-www-form-urlencoded", ...request.headers };
    } else {
      request.json = options.body;
    }
  }
  const body = await requestToken(request, transport, connector, "check the token request's `headers` and `body`");
  const token = tokenPath.first(body);
  if (typeof token !== "string" && typeof token !== "number") {
    throw tokenError(
      connector,
      options.url,
      `\`token_path\` ${options.token_path} matched no string in the response`,
      "point `token_path` at the token, e.g. $.access_token",
    );
  }
  const lifetime = expiryPath ? Number(expiryPath.first(body)) : Number.NaN;
  return { token: String(token), lifetimeSeconds: Number.isFinite(lifetime) && lifetime > 0 ? lifetime : undefined };
}

async function requestToken(
  request: HttpRequest,
  transport: TokenTransport,
  connector: string,
  hint: string,
): Promise<Value> {
  let text: string;
  try {
    text = (await transport(request)).text();
  } catch (error) {
    const cause = FaucetError.wrap(error, "auth", { connector });
    const kind =
      cause.kind === "connection" || cause.kind === "timeout" || cause.kind === "cancelled" ? cause.kind : "auth";
    throw new FaucetError(kind, `could not get a token from ${request.url}: ${cause.detail}`, {
      connector,
      cause,
      retryable: false,
      hint,
    });
  }
  try {
    return parseJson(text);
  } catch (error) {
    throw new FaucetError("auth", `the token response from ${request.url} is not JSON`, {
      connector,
      cause: error,
      hint: "is the token URL right?",
    });
  }
}

function tokenError(connector: string, url: string, what: string, hint: string): FaucetError {
  return new FaucetError("auth", `could not get a token from ${url}: ${what}`, { connector, hint });
}

function formBody(body: Value, connector: string): string {
  if (!isValueObject(body)) {
    throw new FaucetError("config", "`encoding: form` needs `body` to be an object", { connector });
  }
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(body)) {
    if (value !== null && typeof value === "object") {
      throw new FaucetError("config", `\`encoding: form\` cannot send the nested field \`${key}\``, { connector });
    }
    form.set(key, String(value));
  }
  return form.toString();
}

function lowerKeys(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k.toLowerCase()] = v;
  return out;
}
