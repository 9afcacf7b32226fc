import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { FaucetError, type FetchContext, type Logger, type Sink, type Source, type Value } from "faucet-core";
import { afterEach, expect } from "vitest";

/** One request as the test server saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: string;
  at: number;
  /** The client's port: the same port on two requests means a reused keep-alive socket. */
  remotePort: number | undefined;
}

/** A real node:http server on loopback, started by a test. */
export interface TestServer {
  url: string;
  port: number;
  requests: SeenRequest[];
  /** Requests being answered right now, and the most ever at once. */
  inFlight: { now: number; max: number };
  close(): Promise<void>;
}

export type Handler = (req: SeenRequest, res: ServerResponse) => void | Promise<void>;

/**
 * What one test file opens, closed after each of its tests: clients and connectors first, then
 * the servers they talked to. `serve` starts a server; `keep` adds a server started otherwise;
 * `track` adds anything with `close()`.
 */
export function closedAfterEach(): {
  serve(handler: Handler): Promise<TestServer>;
  keep<S extends TestServer>(server: S): S;
  track<C extends { close(): Promise<void> }>(closeable: C): C;
} {
  const servers: TestServer[] = [];
  const closeables: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(closeables.splice(0).map((c) => c.close()));
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const keep = <S extends TestServer>(server: S): S => {
    servers.push(server);
    return server;
  };
  return {
    serve: async (handler) => keep(await startServer(handler)),
    keep,
    track: (closeable) => {
      closeables.push(closeable);
      return closeable;
    },
  };
}

/**
 * Starts a server on 127.0.0.1 with a random port. Every request is recorded; the handler
 * answers it. Sockets are destroyed on close so no test waits for keep-alive timeouts.
 */
export async function startServer(
  handler: Handler,
  create: (listener: (req: IncomingMessage, res: ServerResponse) => void) => Server = createServer,
): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  const inFlight = { now: 0, max: 0 };
  const server = create((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://x");
      const seen: SeenRequest = {
        method: req.method ?? "GET",
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        at: performance.now(),
        remotePort: req.socket.remotePort,
      };
      requests.push(seen);
      inFlight.now++;
      inFlight.max = Math.max(inFlight.max, inFlight.now);
      res.on("close", () => inFlight.now--);
      Promise.resolve(handler(seen, res)).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(599);
        res.end(String(error));
      });
    });
  });
  const sockets = new Set<import("node:net").Socket>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const scheme = "cert" in server || "key" in server ? "https" : "http";
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    port,
    requests,
    inFlight,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Sends a JSON body. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Sends a text body. */
export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  contentType = "text/plain",
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** A logger that keeps every line, for asserting warnings. */
export function captureLogger(): Logger & { lines: Array<{ level: string; message: string }>; warnings(): string[] } {
  const lines: Array<{ level: string; message: string }> = [];
  const log = (level: string) => (message: string) => {
    lines.push({ level, message });
  };
  return {
    lines,
    debug: log("debug"),
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
    warnings: () => lines.filter((l) => l.level === "warn").map((l) => l.message),
  };
}

/** A seeded pseudo-random generator (mulberry32), so "random" failures repeat exactly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Awaits a promise that must reject; returns the error. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection, but the promise resolved");
}

/** `error` as a FaucetError of `kind` (the test fails when it is not one). */
export function faucetError(error: unknown, kind: string): FaucetError {
  expect(FaucetError.is(error)).toBe(true);
  expect((error as FaucetError).kind).toBe(kind);
  return error as FaucetError;
}

/** A sink that keeps what it is given. */
export function memorySink(): Sink & { rows: Value[] } {
  const rows: Value[] = [];
  return {
    rows,
    async writeBatch(records) {
      rows.push(...records);
      return records.length;
    },
  };
}

/** Reads every page of a source: the records, how many pages, and each page's bookmark. */
export async function readPages(
  source: Source & Required<Pick<Source, "streamPages">>,
  ctx: FetchContext = {},
  signal?: AbortSignal,
): Promise<{ records: Value[]; pages: number; bookmarks: Array<Value | undefined> }> {
  const records: Value[] = [];
  const bookmarks: Array<Value | undefined> = [];
  let pages = 0;
  for await (const page of source.streamPages(ctx, 0, signal)) {
    pages++;
    records.push(...page.records);
    bookmarks.push(page.bookmark);
  }
  return { records, pages, bookmarks };
}
