import { renderBookmark } from "faucet-common-http";
import { FaucetError, isValueObject, type Value, type ValueObject } from "faucet-core";
import type { GraphqlSourceConfig, ReplicationBindConfig } from "./config.js";

const CONNECTOR = "source-graphql";

/** Where the next request differs from the first: the cursor or offset reached so far. */
export interface PagePosition {
  cursor?: string;
  offset?: number;
}

/** The JSON body of one GraphQL request. */
export interface GraphqlRequestBody {
  query: string;
  variables: ValueObject;
}

/**
 * The body of one request. Pure: no I/O. Variables are, in order: the configured `variables`,
 * the values of the parent record or partition (`context`), the bound bookmark, then the
 * pagination variables (`cursor_variable` once there is a cursor, `page_size_variable` unless
 * `batch_size` is 0, or the offset).
 *
 * @example
 * planRequest(config, {}, { cursor: "Y3Vyc29yOjI=" }, undefined);
 * // { query: "…", variables: { first: 1000, after: "Y3Vyc29yOjI=" } }
 */
export function planRequest(
  config: GraphqlSourceConfig,
  context: Readonly<Record<string, Value>>,
  position: PagePosition,
  bookmark: Value | undefined,
): GraphqlRequestBody {
  const variables = structuredClone(config.variables as ValueObject);
  for (const [name, value] of Object.entries(context)) variables[name] = value;
  if (config.replication_bind && bookmark !== undefined && bookmark !== null) {
    bindBookmark(variables, config.replication_bind, bookmark);
  }
  let query = config.query;
  const pagination = config.pagination;
  if (pagination?.type === "cursor") {
    if (config.batch_size !== 0) variables[pagination.page_size_variable] = config.batch_size;
    if (position.cursor !== undefined) variables[pagination.cursor_variable] = position.cursor;
  } else if (pagination?.type === "offset") {
    const offset = position.offset ?? 0;
    if (pagination.substitute_in_query) query = query.split(`\${${pagination.offset_variable}}`).join(String(offset));
    else variables[pagination.offset_variable] = offset;
  }
  return { query, variables };
}

/** Sets the `replication_bind` variable: a top-level name, or a JSON Pointer into the variables. */
function bindBookmark(variables: ValueObject, bind: ReplicationBindConfig, bookmark: Value): void {
  const text = renderBookmark(bind.template, bookmark, bind.format, CONNECTOR);
  let value: Value = text;
  if (bind.value_type === "number") {
    value = Number(text);
    if (!Number.isFinite(value)) {
      throw new FaucetError("config", `replication_bind renders \`${text}\`, which is not a number`, {
        connector: CONNECTOR,
        hint: "use format epoch_s or epoch_ms, or value_type: string",
      });
    }
  }
  const target = bind.variable.trim();
  if (!target.startsWith("/")) {
    variables[target] = value;
    return;
  }
  const parts = target
    .slice(1)
    .split("/")
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  let node: Value = variables;
  for (const part of parts.slice(0, -1)) {
    const next: Value | undefined = isValueObject(node) ? node[part] : undefined;
    if (!isValueObject(next)) {
      throw new FaucetError(
        "config",
        `replication_bind.variable \`${target}\` does not lead to an object in \`variables\``,
        {
          connector: CONNECTOR,
          hint: "create the enclosing objects in `variables`, e.g. variables: { filter: { updatedAt: {} } }",
        },
      );
    }
    node = next;
  }
  (node as ValueObject)[parts[parts.length - 1] as string] = value;
}
