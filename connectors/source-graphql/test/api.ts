import type { ServerResponse } from "node:http";
import type { Value } from "faucet-core";
import { GraphqlSource, type GraphqlSourceConfigInput } from "faucet-source-graphql";
import { buildSchema, GraphQLError, graphql } from "graphql";
import { vi } from "vitest";
import {
  captureLogger,
  closedAfterEach,
  readPages,
  type SeenRequest,
  sendJson,
  startServer,
  type TestServer,
} from "../../common-http/test/server.js";

export * from "../../common-http/test/server.js";

vi.setConfig({ testTimeout: 20_000, hookTimeout: 20_000 });

/** One record of the test API. */
export interface Item {
  id: number;
  v?: string;
  name?: string;
  updatedAt?: string;
  tenant?: string;
}

/** The schema of the test API: a Relay-style connection, a plain list for offset paging, and fields that fail. */
const schema = buildSchema(`
  type Item {
    id: Int!
    v: String
    name: String
    updatedAt: String
    tenant: String
    "Always fails: a field error beside partial data."
    secret: String
  }
  type PageInfo { hasNextPage: Boolean!, endCursor: String }
  type ItemConnection { nodes: [Item!]!, pageInfo: PageInfo!, totalCount: Int! }
  input ItemFilter { updatedAfter: String }
  type Query {
    items(first: Int, after: String, since: Int, tenant: String, filter: ItemFilter): ItemConnection!
    itemList(limit: Int!, offset: Int!): [Item!]!
    "Throttled while the API's throttle budget lasts."
    busy: Int
    "Refused: the request lacks a scope."
    private: Int
  }
`);

export const cursorOf = (id: number) => Buffer.from(`cursor:${id}`).toString("base64");
const idOfCursor = (cursor: string) => Number(Buffer.from(cursor, "base64").toString("utf8").slice(7));

/** A live GraphQL API over node:http, with knobs tests turn. */
export interface GraphqlApi extends TestServer {
  items: Item[];
  /** GraphQL `busy` answers THROTTLED this many more times. */
  throttle: { remaining: number };
  /** The variables of every GraphQL request, in order. */
  variables: Array<Record<string, Value>>;
}

/** Answer the request yourself (return true) before GraphQL runs, to inject HTTP-level faults. */
export type Intercept = (req: SeenRequest, res: ServerResponse) => boolean | Promise<boolean>;

const closing = closedAfterEach();

/**
 * Starts the API on loopback. `items(first, after, since, tenant, filter)` pages through the
 * items in id order (no `first`: all of them) with base64 cursors; `itemList(limit, offset)` is
 * a plain list. Requests need `Authorization: Bearer <token>` when `token` is given.
 */
export async function graphqlApi(
  items: Item[],
  options: { token?: string; intercept?: Intercept; track?: boolean } = {},
): Promise<GraphqlApi> {
  const state = { items, throttle: { remaining: 0 }, variables: [] as Array<Record<string, Value>> };
  const root = {
    items: (args: {
      first?: number;
      after?: string;
      since?: number;
      tenant?: string;
      filter?: { updatedAfter?: string };
    }) => {
      let rows = state.items;
      if (args.since !== undefined && args.since !== null) rows = rows.filter((r) => r.id > (args.since as number));
      if (args.tenant) rows = rows.filter((r) => r.tenant === args.tenant);
      const after = args.filter?.updatedAfter;
      if (after) rows = rows.filter((r) => (r.updatedAt ?? "") > after);
      const start = args.after ? rows.findIndex((r) => r.id > idOfCursor(args.after as string)) : 0;
      const from = start < 0 ? rows.length : start;
      const page = rows.slice(from, args.first ? from + args.first : undefined);
      const last = page[page.length - 1];
      return {
        nodes: page.map((r) => ({
          ...r,
          secret: () => {
            throw new Error(`secret of ${r.id} is not readable`);
          },
        })),
        pageInfo: { hasNextPage: from + page.length < rows.length, endCursor: last ? cursorOf(last.id) : null },
        totalCount: rows.length,
      };
    },
    itemList: (args: { limit: number; offset: number }) => state.items.slice(args.offset, args.offset + args.limit),
    busy: () => {
      if (state.throttle.remaining > 0) {
        state.throttle.remaining--;
        throw new GraphQLError("Throttled", { extensions: { code: "THROTTLED" } });
      }
      return 1;
    },
    private: () => {
      throw new GraphQLError("missing scope read:private", { extensions: { code: "FORBIDDEN" } });
    },
  };
  const server = await startServer(async (req, res) => {
    if (options.token && req.headers.authorization !== `Bearer ${options.token}`) {
      return sendJson(res, 401, { errors: [{ message: "bad credentials" }] });
    }
    if (options.intercept && (await options.intercept(req, res))) return;
    let request: { query?: string; variables?: Record<string, Value> };
    try {
      request = JSON.parse(req.body);
    } catch {
      return sendJson(res, 400, { errors: [{ message: "the body is not JSON" }] });
    }
    state.variables.push(request.variables ?? {});
    const result = await graphql({
      schema,
      source: request.query ?? "",
      rootValue: root,
      variableValues: request.variables ?? {},
    });
    sendJson(res, 200, result);
  });
  if (options.track !== false) closing.keep(server);
  return Object.defineProperties(server, {
    items: { get: () => state.items, set: (next: Item[]) => (state.items = next), enumerable: true },
    throttle: { value: state.throttle, enumerable: true },
    variables: { value: state.variables, enumerable: true },
  }) as GraphqlApi;
}

/** A GraphQL source closed after the test, with a capturing logger and fast retries. */
export function source(
  config: GraphqlSourceConfigInput,
  logger = captureLogger(),
): GraphqlSource & { logger: typeof logger } {
  const s = new GraphqlSource({ retry_backoff: 0.005, ...config }, { logger }) as GraphqlSource & {
    logger: typeof logger;
  };
  s.logger = logger;
  return closing.track(s);
}

/** Reads every page: the records, page count and the pages' bookmarks. */
export function readAll(s: GraphqlSource, params?: Record<string, Value>) {
  return readPages(s, params ? { params } : {});
}

/** `n` items with ids from `from`, names and growing timestamps. */
export function items(n: number, from = 1): Item[] {
  return Array.from({ length: n }, (_, i) => ({
    id: from + i,
    name: `item ${from + i}`,
    updatedAt: new Date(Date.UTC(2024, 0, 1) + (from + i) * 60_000).toISOString(),
  }));
}

/** Ids of records. */
export function ids(records: readonly Value[]): number[] {
  return records.map((r) => (r as { id: number }).id);
}

/** The Relay query most tests read with. */
export const ITEMS_QUERY = `query Items($first: Int, $after: String, $since: Int, $tenant: String) {
  items(first: $first, after: $after, since: $since, tenant: $tenant) {
    nodes { id v name updatedAt }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** Cursor pagination over `items`. */
export const ITEMS_PAGINATION = {
  has_next_page_path: "$.data.items.pageInfo.hasNextPage",
  cursor_path: "$.data.items.pageInfo.endCursor",
};

/** A config that reads the API's `items` connection at `endpoint` with Relay cursors, plus `extra`. */
export function itemsConfig(endpoint: string, extra: Partial<GraphqlSourceConfigInput> = {}): GraphqlSourceConfigInput {
  return { endpoint, query: ITEMS_QUERY, records_path: "$.data.items.nodes", pagination: ITEMS_PAGINATION, ...extra };
}
