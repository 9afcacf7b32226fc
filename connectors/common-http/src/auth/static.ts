import type { AuthProvider, AuthTarget } from "../types.js";

/** No credentials. */
export const noAuth: AuthProvider = { type: "none", apply() {} };

/** `Authorization: Bearer <token>`. */
export function bearerAuth(token: string): AuthProvider {
  const value = `Bearer ${token}`;
  return {
    type: "bearer",
    apply(target: AuthTarget) {
      target.headers.authorization = value;
    },
  };
}

/** HTTP Basic (RFC 7617), UTF-8 encoded. */
export function basicAuth(username: string, password: string): AuthProvider {
  const value = `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;
  return {
    type: "basic",
    apply(target: AuthTarget) {
      target.headers.authorization = value;
    },
  };
}

/** An API key in a header. */
export function apiKeyAuth(header: string, value: string): AuthProvider {
  const name = header.toLowerCase();
  return {
    type: "api_key",
    apply(target: AuthTarget) {
      target.headers[name] = value;
    },
  };
}

/** An API key as a query parameter. */
export function apiKeyQueryAuth(param: string, value: string): AuthProvider {
  return {
    type: "api_key_query",
    apply(target: AuthTarget) {
      target.query.push([param, value]);
    },
  };
}

/** Fixed headers on every request. */
export function customHeadersAuth(headers: Readonly<Record<string, string>>): AuthProvider {
  const entries = Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v] as const);
  return {
    type: "custom",
    apply(target: AuthTarget) {
      for (const [k, v] of entries) target.headers[k] = v;
    },
  };
}
