import { arrayLiteral, quoteLiteral } from "faucet-common-postgres";
import type { Value } from "faucet-core";

/**
 * The SQL literal for a parameter value, with the same meaning as a bound parameter of unknown
 * type: the server infers the type from where it stands. Arrays become Postgres arrays, objects
 * JSON text.
 *
 * @example
 * sqlLiteral(42); // "E'42'"
 */
export function sqlLiteral(value: Value): string {
  if (value === null) return "NULL";
  if (Array.isArray(value)) return quoteLiteral(arrayLiteral(value, elementText, true));
  if (typeof value === "object") return quoteLiteral(JSON.stringify(value));
  return quoteLiteral(String(value));
}

function elementText(value: Value): string {
  return typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
}

/**
 * Replaces the placeholders `$1 … $n` of `sql` with literals of `params`, leaving string
 * literals, quoted identifiers, dollar-quoted bodies and comments alone. COPY cannot bind
 * parameters, so this is how a query with `params` is streamed with COPY.
 *
 * @example
 * inlineParams("SELECT * FROM t WHERE a = $1 AND b = '$1'", ["x"]);
 * // "SELECT * FROM t WHERE a = E'x' AND b = '$1'"
 */
export function inlineParams(sql: string, params: readonly Value[]): string {
  let out = "";
  let last = 0;
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i] as string;
    const next = sql[i + 1];
    if (c === "'") {
      const escapes = i > 0 && (sql[i - 1] === "E" || sql[i - 1] === "e") && !isIdentChar(sql[i - 2]);
      i = skipQuoted(sql, i, "'", escapes);
    } else if (c === '"') i = skipQuoted(sql, i, '"', false);
    else if (c === "-" && next === "-") {
      const end = sql.indexOf("\n", i);
      i = end === -1 ? n : end + 1;
    } else if (c === "/" && next === "*") i = skipBlockComment(sql, i);
    else if (c === "$" && !isIdentChar(sql[i - 1])) {
      const digits = /^\$(\d+)/.exec(sql.slice(i, i + 12));
      if (digits) {
        const index = Number(digits[1]);
        if (index < 1 || index > params.length) {
          throw new Error(`the query uses $${index} but params has ${params.length} value(s)`);
        }
        out += sql.slice(last, i) + sqlLiteral(params[index - 1] as Value);
        i += (digits[0] as string).length;
        last = i;
        continue;
      }
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 64));
      if (tag) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        i = end === -1 ? n : end + tag[0].length;
      } else i++;
    } else i++;
  }
  return last === 0 ? sql : out + sql.slice(last);
}

function isIdentChar(ch: string | undefined): boolean {
  return ch !== undefined && /[A-Za-z0-9_$\u0080-\uffff]/.test(ch);
}

function skipQuoted(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const ch = sql[i];
    if (backslashEscapes && ch === "\\") i += 2;
    else if (ch === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return sql.length;
}

function skipBlockComment(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql[i] === "/" && sql[i + 1] === "*") {
      depth++;
      i += 2;
    } else if (sql[i] === "*" && sql[i + 1] === "/") {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return sql.length;
}
