import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { parseJson } from "faucet-common-http";
import { FaucetError, type Logger, type Value } from "faucet-core";
import type { WebhookSourceConfig } from "./config.js";
import type { Delivery, Inbox } from "./inbox.js";
import { tokenMatches, verifySignature } from "./verify.js";

const CONNECTOR = "source-webhook";

/** Where the receiver listens. */
export interface ListeningAddress {
  host: string;
  port: number;
  /** The URL senders POST to. */
  url: string;
}

/** Why requests were refused, counted. */
export interface RefusalCounts {
  not_found: number;
  method: number;
  auth: number;
  signature: number;
  too_large: number;
  malformed: number;
  busy: number;
  closing: number;
}

/**
 * The HTTP side of the webhook source: a node:http server that checks each POST (path, method,
 * token, size, signature, JSON), offers its records to the inbox and answers once the inbox
 * settles the POST — 200 after its records were handed to the pipeline, 503 with Retry-After
 * when the inbox is full or closing. Every request is answered; none is dropped silently.
 */
export class Receiver {
  readonly #config: WebhookSourceConfig;
  readonly #path: string;
  readonly #inbox: Inbox;
  readonly #logger: Logger;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #open = new Set<ServerResponse>();
  readonly refused: RefusalCounts = {
    not_found: 0,
    method: 0,
    auth: 0,
    signature: 0,
    too_large: 0,
    malformed: 0,
    busy: 0,
    closing: 0,
  };
  #stopping = false;
  #address: ListeningAddress | undefined;

  constructor(config: WebhookSourceConfig, path: string, inbox: Inbox, logger: Logger) {
    this.#config = config;
    this.#path = path;
    this.#inbox = inbox;
    this.#logger = logger;
    this.#server = createServer((req, res) => this.#handle(req, res));
    this.#server.on("connection", (socket) => {
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
    });
  }

  get address(): ListeningAddress | undefined {
    return this.#address;
  }

  /** Binds the address; a port in use or a forbidden one is a FaucetError. */
  async listen(host: string, port: number): Promise<ListeningAddress> {
    await new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => reject(bindError(error, host, port));
      this.#server.once("error", onError);
      this.#server.listen({ host, port }, () => {
        this.#server.off("error", onError);
        resolve();
      });
    });
    const bound = this.#server.address() as AddressInfo;
    const shown = bound.family === "IPv6" ? `[${bound.address}]` : bound.address;
    this.#address = { host: bound.address, port: bound.port, url: `http://${shown}:${bound.port}${this.#path}` };
    return this.#address;
  }

  /**
   * Stops taking connections, lets responses being written finish (up to `graceMs`), then
   * closes every socket. Idempotent.
   */
  async stop(graceMs = 2000): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeIdleConnections();
    const deadline = Date.now() + graceMs;
    while (this.#open.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    this.#server.closeAllConnections();
    for (const socket of this.#sockets) socket.destroy();
    if (this.#server.listening || this.#address) await closed;
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    this.#open.add(res);
    res.on("close", () => this.#open.delete(res));
    const path = new URL(req.url ?? "/", "http://receiver").pathname;
    if (path !== this.#path) {
      this.#refuse(req, res, 404, "not_found", `nothing is received at ${path}; POST to ${this.#path}`);
      return;
    }
    if (req.method !== "POST") {
      this.#refuse(req, res, 405, "method", "only POST is accepted", { allow: "POST" });
      return;
    }
    const token = this.#config.auth_token;
    if (token !== undefined && !tokenMatches(header(req, this.#config.authorization_header), token)) {
      this.#refuse(req, res, 401, "auth", `missing or wrong token in ${this.#config.authorization_header}`);
      return;
    }
    const limit = this.#config.max_body_bytes;
    if (Number(req.headers["content-length"] ?? 0) > limit) this.#tooLarge(req, res);
    if (Number(req.headers["content-length"] ?? 0) > limit) return;
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on("data", (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > limit) {
        refused = true;
        chunks.length = 0;
        this.#tooLarge(req, res);
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!refused) this.#receive(req, res, Buffer.concat(chunks));
    });
    req.on("error", () => res.destroy());
  }

  #receive(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const signature = this.#config.signature;
    if (signature) {
      const problem = verifySignature(signature, (name) => header(req, name), body, Math.floor(Date.now() / 1000));
      if (problem) this.#refuse(req, res, 401, "signature", `signature ${problem}`);
      if (problem) return;
    }
    let parsed: Value;
    try {
      parsed = parseJson(new TextDecoder("utf-8", { fatal: true }).decode(body));
    } catch (error) {
      this.#refuse(req, res, 400, "malformed", `the body is not valid JSON: ${(error as Error).message}`);
      return;
    }
    if (parsed === null || typeof parsed !== "object") {
      this.#refuse(req, res, 400, "malformed", "the body must be a JSON object (one record) or an array of records");
      return;
    }
    const records = Array.isArray(parsed) ? parsed : [parsed];
    const delivery: Delivery = {
      remaining: records.length,
      settle: (handedOver) => {
        if (res.headersSent) return;
        if (handedOver) this.#reply(res, 200, { accepted: records.length });
        else
          this.#busy(req, res, "closing", "the receiver stopped before the records were handed over; send them again");
      },
    };
    switch (this.#inbox.offer(records, delivery)) {
      case "accepted":
        return;
      case "full":
        this.#busy(req, res, "busy", "the pipeline is behind; retry later");
        return;
      case "closed":
        this.#busy(req, res, "closing", "the receiver is not taking more records; retry later");
        return;
      case "too_large":
        this.#refuse(
          req,
          res,
          413,
          "too_large",
          `${records.length} records in one request, more than max_buffered_records (${this.#config.max_buffered_records})`,
        );
        return;
    }
  }

  #tooLarge(req: IncomingMessage, res: ServerResponse): void {
    this.#refuse(
      req,
      res,
      413,
      "too_large",
      `the body is larger than max_body_bytes (${this.#config.max_body_bytes})`,
      {
        connection: "close",
      },
    );
    // Do not buffer the rest: read and drop it for a moment so the sender sees the 413, then hang up.
    req.resume();
    setTimeout(() => req.socket.destroy(), 1000).unref();
  }

  #busy(req: IncomingMessage, res: ServerResponse, reason: "busy" | "closing", message: string): void {
    this.#refuse(req, res, 503, reason, message, { "retry-after": String(this.#config.retry_after_secs) });
  }

  #refuse(
    _req: IncomingMessage,
    res: ServerResponse,
    status: number,
    reason: keyof RefusalCounts,
    message: string,
    headers: Record<string, string> = {},
  ): void {
    const count = ++this.refused[reason];
    if (count === 1 || count % 1000 === 0) {
      this.#logger.warn(`refused a request with ${status}: ${message}`, { connector: CONNECTOR, reason, count });
    }
    this.#reply(res, status, { error: message }, headers);
  }

  #reply(res: ServerResponse, status: number, body: Value, headers: Record<string, string> = {}): void {
    if (res.headersSent || res.destroyed) return;
    const text = JSON.stringify(body);
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
      ...(this.#stopping ? { connection: "close" } : {}),
      ...headers,
    });
    res.end(text);
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

function bindError(error: NodeJS.ErrnoException, host: string, port: number): FaucetError {
  const where = `${host}:${port}`;
  if (error.code === "EADDRINUSE") {
    return new FaucetError("connection", `cannot listen on ${where}: the address is in use`, {
      connector: CONNECTOR,
      cause: error,
      retryable: false,
      hint: "stop the other process on that port, or pick another port in listen_addr",
    });
  }
  if (error.code === "EACCES") {
    return new FaucetError("config", `cannot listen on ${where}: permission denied`, {
      connector: CONNECTOR,
      cause: error,
      hint: "ports below 1024 need privileges; pick a port above 1024",
    });
  }
  return new FaucetError("connection", `cannot listen on ${where}: ${error.message}`, {
    connector: CONNECTOR,
    cause: error,
    retryable: false,
    hint: "check that listen_addr names an address of this machine",
  });
}
