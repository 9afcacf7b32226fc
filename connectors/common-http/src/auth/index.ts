import { registerSecret } from "faucet-core";
import type { AuthConfig } from "../config.js";
import type { AuthProvider, TokenTransport } from "../types.js";
import { apiKeyAuth, apiKeyQueryAuth, basicAuth, bearerAuth, customHeadersAuth, noAuth } from "./static.js";
import { BEARER_PLACEMENT, cachedTokenAuth, fetchEndpointToken, fetchOAuth2Token } from "./token.js";

export type { FetchedToken, OAuth2Options, TokenEndpointOptions, TokenPlacement } from "./token.js";
export { cachedTokenAuth, fetchEndpointToken, fetchOAuth2Token } from "./token.js";
export { apiKeyAuth, apiKeyQueryAuth, basicAuth, bearerAuth, customHeadersAuth, noAuth };

/**
 * Builds the provider for an `auth` block. Token-based types send their token requests
 * through `transport` (the HTTP client, without auth or rate limiting).
 *
 * @example
 * const auth = createAuthProvider({ type: "bearer", config: { token } }, transport, "source-rest");
 */
export function createAuthProvider(
  config: AuthConfig | undefined,
  transport: TokenTransport,
  connector: string,
): AuthProvider {
  if (!config) return noAuth;
  registerAuthSecrets(config);
  switch (config.type) {
    case "none":
      return noAuth;
    case "bearer":
      return bearerAuth(config.config.token);
    case "basic":
      return basicAuth(config.config.username, config.config.password);
    case "api_key":
      return apiKeyAuth(config.config.header, config.config.value);
    case "api_key_query":
      return apiKeyQueryAuth(config.config.param, config.config.value);
    case "custom":
      return customHeadersAuth(config.config.headers);
    case "oauth2": {
      const options = config.config;
      return cachedTokenAuth("oauth2", () => fetchOAuth2Token(options, transport, connector), options.expiry_ratio);
    }
    case "token_endpoint": {
      const options = config.config;
      const header = options.header_name?.toLowerCase();
      const placement = header ? { header, format: (token: string) => token } : BEARER_PLACEMENT;
      return cachedTokenAuth(
        "token_endpoint",
        () => fetchEndpointToken(options, transport, connector),
        options.expiry_ratio,
        placement,
      );
    }
  }
}

/**
 * Registers every secret of an `auth` block for redaction, whatever the schema walk finds:
 * tokens, passwords, API keys, client secrets, custom header values, token-request headers
 * and the credential fields of a token-request body (`password`, `client_secret`, …). Basic credentials are also registered in their base64 header form.
 *
 * @example
 * registerAuthSecrets({ type: "basic", config: { username: "u", password: "hunter2" } });
 */
export function registerAuthSecrets(config: AuthConfig | undefined): void {
  if (!config) return;
  switch (config.type) {
    case "bearer":
      registerSecret(config.config.token);
      return;
    case "basic": {
      const { username, password } = config.config;
      registerSecret(password);
      registerSecret(Buffer.from(`${username}:${password}`, "utf8").toString("base64"));
      return;
    }
    case "api_key":
    case "api_key_query":
      registerSecret(config.config.value);
      return;
    case "custom":
      for (const value of Object.values(config.config.headers)) registerSecret(value);
      return;
    case "oauth2":
      registerSecret(config.config.client_secret);
      return;
    case "token_endpoint":
      for (const value of Object.values(config.config.headers ?? {})) registerSecret(value);
      registerSecretFields(config.config.body);
      return;
    default:
      return;
  }
}

/** Field names inside a token request body whose values are credentials. */
const SECRET_FIELD = /pass|secret|token|key|credential|assertion|code/i;

function registerSecretFields(value: unknown, key = ""): void {
  if (typeof value === "string" && SECRET_FIELD.test(key)) registerSecret(value);
  else if (Array.isArray(value)) for (const item of value) registerSecretFields(item, key);
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) registerSecretFields(v, k);
  }
}
