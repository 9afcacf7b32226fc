import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { rootCertificates } from "node:tls";
import { FaucetError } from "faucet-core";
import { Agent } from "undici";
import type { TlsConfig } from "./config.js";

/** Options of {@link createAgent}. */
export interface AgentOptions {
  /** Most sockets per origin; unlimited when omitted. */
  connections?: number | undefined;
  /** How long an idle socket is kept for reuse. Default 30 s. */
  keepAliveMs?: number;
  tls?: TlsConfig | undefined;
  /** Where a relative `tls.client_identity_pkcs12` path resolves from. Default: the process cwd. */
  baseDir?: string | undefined;
  /** Named in errors. */
  connector?: string;
}

/**
 * The shared keep-alive dispatcher every faucet HTTP connector uses: one undici `Agent` per
 * connector instance, reused for every request, with the TLS options applied to every socket.
 * Timeouts are left to the caller (see `HttpClient`), which bounds a whole request.
 *
 * @example
 * const agent = createAgent({ connections: 4, tls: { ca_cert: pem, insecure_skip_verify: false } });
 */
export function createAgent(options: AgentOptions = {}): Agent {
  const connect: Record<string, unknown> = {};
  const tls = options.tls;
  if (tls) {
    if (tls.ca_cert) connect.ca = [...rootCertificates, tls.ca_cert];
    if (tls.client_cert) connect.cert = tls.client_cert;
    if (tls.client_key) connect.key = tls.client_key;
    if (tls.client_identity_pkcs12) {
      connect.pfx = readIdentity(tls.client_identity_pkcs12, options.baseDir, options.connector);
      if (tls.pkcs12_password) connect.passphrase = tls.pkcs12_password;
    }
    if (tls.min_version) connect.minVersion = `TLSv${tls.min_version}`;
    if (tls.insecure_skip_verify) connect.rejectUnauthorized = false;
  }
  return new Agent({
    keepAliveTimeout: options.keepAliveMs ?? 30_000,
    connections: options.connections ?? null,
    pipelining: 1,
    headersTimeout: 0,
    bodyTimeout: 0,
    connect,
  });
}

function readIdentity(path: string, baseDir: string | undefined, connector: string | undefined): Buffer {
  const full = isAbsolute(path) ? path : resolve(baseDir ?? process.cwd(), path);
  try {
    return readFileSync(full);
  } catch (error) {
    throw new FaucetError("config", `cannot read tls.client_identity_pkcs12 ${full}`, {
      cause: error,
      ...(connector ? { connector } : {}),
      hint: "point it at a .p12/.pfx file; relative paths resolve against the config file's folder",
    });
  }
}
