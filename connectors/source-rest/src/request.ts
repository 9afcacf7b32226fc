import type { HttpRequest, QueryPairs } from "faucet-common-http";
import { FaucetError, isValueObject, type Value } from "faucet-core";
import type { BoundBookmark } from "./bind.js";
import type { RestSourceConfig } from "./config.js";
import type { PagePatch } from "./pagination/index.js";

const CONNECTOR = "source-rest";
const PLACEHOLDER = /(?<!\$)\{([A-Za-z_][\w.-]*)\}/g;

/**
 * The request for one page, built from the config, the partition's context, the paginator's
 * patch and the bound bookmark. Pure: no I/O.
 *
 * - `{name}` placeholders in `path` are filled (URL-encoded) from the context and must exist;
 *   in query values, headers and body strings they are filled when the context has the name.
 * - Paginator query parameters replace configured ones of the same name; a next-page URL
 *   (link header, next link) replaces path and query, since it already carries them.
 *
 * @example
 * planRequest(config, { owner: "nodejs" }, { query: [["page", "2"]] }, undefined);
 */
export function planRequest(
  config: RestSourceConfig,
  context: Readonly<Record<string, Value>>,
  patch: PagePatch,
  bind: BoundBookmark | undefined,
): HttpRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(config.headers)) headers[name.toLowerCase()] = fill(value, context);
  if (bind?.into === "header") headers[bind.target.toLowerCase()] = String(bind.value);
  if (!("accept" in headers)) headers.accept = ACCEPT[config.response_format];

  const request: HttpRequest = { url: patch.url ?? requestPath(config, context, bind), method: config.method, headers };
  if (patch.url === undefined) request.query = queryFor(config, context, patch.query ?? [], bind);

  const body = bodyFor(config, context, patch, bind);
  if (body !== undefined) request.json = body;
  return request;
}

const ACCEPT: Record<RestSourceConfig["response_format"], string> = {
  json: "application/json",
  jsonl: "application/x-ndjson, application/jsonl, application/json;q=0.9, */*;q=0.5",
  csv: "text/csv, */*;q=0.5",
};

function requestPath(config: RestSourceConfig, context: Readonly<Record<string, Value>>, bind?: BoundBookmark): string {
  const values = bind?.into === "path" ? { ...context, [bind.target]: bind.value } : context;
  const path = config.path.replace(PLACEHOLDER, (_whole, name: string) => {
    const value = values[name];
    if (value === undefined || value === null) {
      throw new FaucetError("config", `path \`${config.path}\` needs \`{${name}}\`, which has no value here`, {
        connector: CONNECTOR,
        hint: "add it to every entry of `partitions`, or pass it in the fetch context",
      });
    }
    return encodeURIComponent(scalarText(value));
  });
  // `base_url` may carry a base path: join instead of letting an absolute path replace it.
  const base = config.base_url.endsWith("/") ? config.base_url : `${config.base_url}/`;
  return path === "" ? config.base_url : new URL(path.replace(/^\//, ""), base).href;
}

function queryFor(
  config: RestSourceConfig,
  context: Readonly<Record<string, Value>>,
  paging: QueryPairs,
  bind: BoundBookmark | undefined,
): QueryPairs {
  const replaced = new Set(paging.map(([k]) => k));
  if (bind?.into === "query") replaced.add(bind.target);
  const pairs: QueryPairs = [];
  for (const [key, value] of Object.entries(config.query_params)) {
    if (replaced.has(key)) continue;
    for (const item of Array.isArray(value) ? value : [value]) pairs.push([key, fill(String(item), context)]);
  }
  for (const [key, values] of Object.entries(config.query_params_multi)) {
    if (replaced.has(key)) continue;
    for (const item of values) pairs.push([key, fill(item, context)]);
  }
  if (bind?.into === "query") pairs.push([bind.target, String(bind.value)]);
  pairs.push(...paging);
  return pairs;
}

function bodyFor(
  config: RestSourceConfig,
  context: Readonly<Record<string, Value>>,
  patch: PagePatch,
  bind: BoundBookmark | undefined,
): Value | undefined {
  const fields = [...(patch.body ?? [])];
  if (bind?.into === "body") fields.push({ field: bind.target, value: bind.value });
  if (config.body === undefined && fields.length === 0) return undefined;
  const body = fillValue(config.body === undefined ? {} : structuredClone(config.body as Value), context);
  for (const { field, value } of fields) setField(body, field, value);
  return body;
}

/** Sets a top-level field, or the location a JSON Pointer (`/a/b`) names. */
function setField(body: Value, field: string, value: Value): void {
  if (!field.startsWith("/")) {
    if (!isValueObject(body)) throw bodyError(field);
    body[field] = value;
    return;
  }
  const parts = field
    .slice(1)
    .split("/")
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  let node: Value = body;
  for (const part of parts.slice(0, -1)) {
    const next: Value | undefined = Array.isArray(node)
      ? node[Number(part)]
      : isValueObject(node)
        ? node[part]
        : undefined;
    if (next === undefined || next === null || typeof next !== "object") throw bodyError(field);
    node = next;
  }
  const last = parts[parts.length - 1] as string;
  if (Array.isArray(node) && /^\d+$/.test(last) && Number(last) < node.length) node[Number(last)] = value;
  else if (isValueObject(node)) node[last] = value;
  else throw bodyError(field);
}

function bodyError(field: string): FaucetError {
  return new FaucetError("config", `cannot set \`${field}\` in the request body`, {
    connector: CONNECTOR,
    hint: "the body must be an object, and a JSON Pointer must lead to an existing object",
  });
}

function fill(text: string, context: Readonly<Record<string, Value>>): string {
  if (!text.includes("{")) return text;
  return text.replace(PLACEHOLDER, (whole, name: string) => {
    const value = context[name];
    return value === undefined || value === null ? whole : scalarText(value);
  });
}

function fillValue(value: Value, context: Readonly<Record<string, Value>>): Value {
  if (typeof value === "string") return fill(value, context);
  if (Array.isArray(value)) return value.map((v) => fillValue(v, context));
  if (isValueObject(value)) {
    for (const key of Object.keys(value)) value[key] = fillValue(value[key] as Value, context);
  }
  return value;
}

function scalarText(value: Value): string {
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}
