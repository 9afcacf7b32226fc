import { FaucetError, type Value } from "faucet-core";
import { bodyExcerpt, headerValue } from "./errors.js";
import type { HttpResponse } from "./types.js";

/**
 * `JSON.parse` that never loses precision silently: integers outside ±2^53 and decimals with
 * more significant digits than a double keeps become strings (DESIGN §2). Texts without a run
 * of 16 digits — nearly all — take the plain `JSON.parse` path.
 *
 * @example
 * parseJson('{"id": 12345678901234567890}'); // { id: "12345678901234567890" }
 */
export function parseJson(text: string): Value {
  if (!hasLongDigitRun(text)) return JSON.parse(text) as Value;
  return JSON.parse(quoteLossyNumbers(text)) as Value;
}

/**
 * Parses a response body as JSON, or throws a `json` FaucetError that names the URL, the
 * content type and an excerpt of what came instead (an HTML error page's title, say).
 *
 * @example
 * const body = parseJsonResponse(await client.request({ url: "/items" }), "source-rest");
 */
export function parseJsonResponse(response: HttpResponse, connector: string): Value {
  const text = response.text();
  try {
    return parseJson(text);
  } catch (error) {
    const contentType = headerValue(response.headers, "content-type") ?? "no content-type";
    const html = /html/i.test(contentType) || /^\s*<(!doctype|html)/i.test(text.slice(0, 100));
    const what = text.trim() === "" ? "an empty body" : bodyExcerpt(text, contentType);
    throw new FaucetError(
      "json",
      `the response of ${response.url} (HTTP ${response.status}, ${contentType}) is not valid JSON: ${(error as Error).message}; got ${what}`,
      {
        connector,
        cause: error,
        hint: html
          ? "the server sent an HTML page (an error or login page?); check the URL and the credentials"
          : "check the URL, or set `response_format` (jsonl, csv) to match what the server sends",
      },
    );
  }
}

/**
 * True when `text` holds 16 digits in a row: the only way a JSON text can carry a number a
 * double cannot keep exactly. It looks at every 16th character and only scans around digits,
 * so it costs a fraction of a regular expression on long pages (measured: `/\d{16}/` took as
 * long as `JSON.parse` itself).
 */
function hasLongDigitRun(text: string): boolean {
  const n = text.length;
  let end = 15;
  while (end < n) {
    if (!isDigit(text.charCodeAt(end))) {
      end += 16;
      continue;
    }
    let start = end;
    while (start > end - 15 && isDigit(text.charCodeAt(start - 1))) start--;
    if (end - start >= 15) return true;
    let last = end;
    while (last + 1 < n && isDigit(text.charCodeAt(last + 1))) {
      last++;
      if (last - start >= 15) return true;
    }
    end = last + 16;
  }
  return false;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Wraps every number token that a double cannot hold exactly in quotes; strings are skipped. */
function quoteLossyNumbers(text: string): string {
  let out = "";
  let copiedTo = 0;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) i += 2;
        else if (d === 34) break;
        else i++;
      }
      i++;
    } else if (c === 45 /* - */ || (c >= 48 && c <= 57)) {
      const start = i;
      i++;
      while (i < n && isNumberChar(text.charCodeAt(i))) i++;
      const token = text.slice(start, i);
      if (token.length >= 16 && isLossy(token)) {
        out += `${text.slice(copiedTo, start)}"${token}"`;
        copiedTo = i;
      }
    } else {
      i++;
    }
  }
  return copiedTo === 0 ? text : out + text.slice(copiedTo);
}

function isNumberChar(c: number): boolean {
  // digits, '.', 'e', 'E', '+', '-'
  return (c >= 48 && c <= 57) || c === 46 || c === 101 || c === 69 || c === 43 || c === 45;
}

function isLossy(token: string): boolean {
  const value = Number(token);
  if (!Number.isFinite(value)) return true;
  if (/^-?\d+$/.test(token)) return !Number.isSafeInteger(value);
  return significantDigits(token) !== significantDigits(value.toExponential());
}

/** The significant digits of a decimal literal, without leading or trailing zeros. */
function significantDigits(literal: string): string {
  const mantissa = literal.replace(/^-/, "").split(/[eE]/)[0] ?? "";
  return mantissa.replace(".", "").replace(/^0+/, "").replace(/0+$/, "");
}
