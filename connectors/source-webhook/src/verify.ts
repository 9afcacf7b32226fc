import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { SignatureConfig } from "./config.js";

/**
 * The two request checks, both in constant time so response timing reveals nothing about the
 * secret: a shared token in a header, and an HMAC signature of the raw body. Pure: no I/O.
 */

/** Compares two strings in time that depends on neither their content nor where they differ. */
function sameText(a: string, b: string): boolean {
  // Hashing first gives equal-length inputs, so not even the length leaks through timing.
  const left = createHash("sha256").update(a).digest();
  const right = createHash("sha256").update(b).digest();
  return timingSafeEqual(left, right);
}

/**
 * True when the header value carries the token, raw or as `Bearer <token>` (both compared, so
 * which form matched does not show either).
 *
 * @example
 * tokenMatches("Bearer s3cr3t", "s3cr3t"); // true
 */
export function tokenMatches(provided: string | undefined, expected: string): boolean {
  if (provided === undefined) return false;
  const bearer = /^bearer\s+/i.test(provided) ? provided.replace(/^bearer\s+/i, "") : "\u0000";
  const raw = sameText(provided, expected);
  const stripped = sameText(bearer, expected);
  return raw || stripped;
}

/** Why a signature was refused, or undefined when it is good. */
export type SignatureProblem = "missing" | "malformed" | "stale" | "mismatch";

/**
 * Checks the signature of a request: the header (minus `prefix`) must be the HMAC of the raw
 * body — of `<timestamp>.<body>` when `timestamp_header` is set, whose value must then be within
 * `tolerance_secs` of `nowSeconds`.
 *
 * @example
 * verifySignature(config, headers, rawBody, Math.floor(Date.now() / 1000)); // undefined when good
 */
export function verifySignature(
  config: SignatureConfig,
  header: (name: string) => string | undefined,
  body: Buffer,
  nowSeconds: number,
): SignatureProblem | undefined {
  let provided = header(config.header)?.trim();
  if (!provided) return "missing";
  if (config.prefix !== undefined) {
    if (!provided.startsWith(config.prefix)) return "malformed";
    provided = provided.slice(config.prefix.length);
  }
  const digest = decode(provided, config.encoding);
  if (!digest) return "malformed";
  const mac = createHmac(config.algorithm, config.secret);
  if (config.timestamp_header !== undefined) {
    const stamp = header(config.timestamp_header)?.trim() ?? "";
    if (!/^\d{1,12}$/.test(stamp)) return "missing";
    if (Math.abs(nowSeconds - Number(stamp)) > config.tolerance_secs) return "stale";
    mac.update(`${stamp}.`);
  }
  const expected = mac.update(body).digest();
  if (digest.length !== expected.length) return "mismatch";
  return timingSafeEqual(digest, expected) ? undefined : "mismatch";
}

function decode(text: string, encoding: "hex" | "base64"): Buffer | undefined {
  if (encoding === "hex") return /^(?:[0-9a-fA-F]{2})+$/.test(text) ? Buffer.from(text, "hex") : undefined;
  return /^[A-Za-z0-9+/]+={0,2}$/.test(text) ? Buffer.from(text, "base64") : undefined;
}

/**
 * The signature a sender puts in the header, for tests and for senders written in TypeScript.
 *
 * @example
 * signBody({ secret: "s3cr3t", header: "x-sig", prefix: "sha256=", encoding: "hex", algorithm: "sha256", tolerance_secs: 300 }, body);
 */
export function signBody(config: SignatureConfig, body: string | Buffer, timestamp?: number): string {
  const mac = createHmac(config.algorithm, config.secret);
  if (timestamp !== undefined) mac.update(`${timestamp}.`);
  return `${config.prefix ?? ""}${mac.update(body).digest(config.encoding)}`;
}
