/**
 * Auth for the REST source. The providers themselves live in `faucet-common-http`, shared with
 * the HTTP sink and the GraphQL source; the `HttpClient` the source builds in `stream.ts`
 * applies them to every request sent to `base_url`'s origin (never to another origin), fetches
 * and caches OAuth2 / token-endpoint tokens, and retries once with a fresh token after a 401.
 *
 * `auth: {type, config}` takes the Rust faucet-stream shapes:
 *
 * | type             | config                                                                     |
 * | ---------------- | -------------------------------------------------------------------------- |
 * | `none`           | —                                                                          |
 * | `bearer`         | `token`                                                                    |
 * | `basic`          | `username`, `password`                                                     |
 * | `api_key`        | `header`, `value`                                                          |
 * | `api_key_query`  | `param`, `value`                                                           |
 * | `oauth2`         | `token_url`, `client_id`, `client_secret`, `scopes`, `expiry_ratio`         |
 * | `token_endpoint` | `url`, `method`, `headers`, `body`, `encoding`, `token_path`, `expiry_path`, `expiry_ratio`, `header_name` |
 * | `custom`         | `headers`                                                                  |
 */
import type { AuthConfig } from "faucet-common-http";

export { AuthConfig, registerAuthSecrets } from "faucet-common-http";

/**
 * A one-line description of an auth block without its secrets, for logs and `check()`.
 *
 * @example
 * describeAuth({ type: "oauth2", config: { token_url: "https://id.example.com/token", … } }); // "oauth2 (https://id.example.com/token)"
 */
export function describeAuth(auth: AuthConfig | undefined): string {
  if (!auth) return "none";
  switch (auth.type) {
    case "oauth2":
      return `oauth2 (${auth.config.token_url})`;
    case "token_endpoint":
      return `token_endpoint (${auth.config.url})`;
    case "api_key":
      return `api_key (header ${auth.config.header})`;
    case "api_key_query":
      return `api_key_query (param ${auth.config.param})`;
    case "basic":
      return `basic (${auth.config.username})`;
    default:
      return auth.type;
  }
}
