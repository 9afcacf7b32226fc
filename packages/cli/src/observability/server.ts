/** The `/metrics` endpoint: a `node:http` server on `observability.prometheus.listen`. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { FaucetError } from "faucet-core";
import type { Registry } from "./prom.js";

/** A running metrics endpoint. */
export interface MetricsServer {
  /** E.g. `http://127.0.0.1:9464/metrics` (the real port when 0 was asked for). */
  url: string;
  /** Stops listening and drops open scrape connections (idempotent). */
  close(): Promise<void>;
}

/** Splits `host:port` / `[v6]:port`; an empty host means every interface. */
export function parseListen(listen: string): { host: string | undefined; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(listen.trim());
  const port = Number(match?.[3]);
  if (!match || port > 65_535) {
    throw new FaucetError(
      "config",
      `observability.prometheus.listen: expected "host:port", got ${JSON.stringify(listen)}`,
      {
        hint: 'e.g. "127.0.0.1:9464", or "0.0.0.0:9464" to be scraped from other machines',
      },
    );
  }
  const host = match[1] ?? match[2];
  return { host: host === "" ? undefined : host, port };
}

/**
 * Serves `registry` on `GET /metrics` at `listen`.
 *
 * @example
 * const server = await serveMetrics("127.0.0.1:9464", registry);
 * // … run …
 * await server.close();
 */
export async function serveMetrics(listen: string, registry: Registry): Promise<MetricsServer> {
  const { host, port } = parseListen(listen);
  const server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    if (path !== "/metrics" || (request.method !== "GET" && request.method !== "HEAD")) {
      response.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found: scrape /metrics\n");
      return;
    }
    registry.metrics().then(
      (text) => {
        response.writeHead(200, { "content-type": registry.contentType });
        response.end(request.method === "HEAD" ? undefined : text);
      },
      (error: unknown) => {
        response.writeHead(500, { "content-type": "text/plain; charset=utf-8" }).end(`${String(error)}\n`);
      },
    );
  });
  await listenOn(server, listen, host, port);
  const address = server.address() as AddressInfo;
  const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${shown}:${address.port}/metrics`,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

function listenOn(server: Server, listen: string, host: string | undefined, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const why =
        error.code === "EADDRINUSE"
          ? "the address is already in use"
          : error.code === "EACCES"
            ? "permission denied"
            : error.code === "EADDRNOTAVAIL" || error.code === "ENOTFOUND"
              ? "no such address on this machine"
              : error.message;
      reject(
        new FaucetError("config", `observability.prometheus.listen: cannot serve metrics on ${listen}: ${why}`, {
          cause: error,
          hint: "pick a free port (or port 0 for any), or an address of this machine such as 127.0.0.1",
        }),
      );
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
}
