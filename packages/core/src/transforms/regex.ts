/**
 * Regular expressions written for the Rust faucet-stream (the `regex` crate) mostly mean the
 * same in JavaScript. This module bridges the differences a config is likely to contain: a
 * leading inline flag group such as `(?i)`, and `$name` / `${name}` references in replacements.
 */

/** Compiles `pattern` with `flags`, turning a leading `(?ims)` group into JavaScript flags. */
export function compileRegex(pattern: string, flags = ""): RegExp {
  let source = pattern;
  let all = flags;
  const inline = /^\(\?([imsU]+)\)/.exec(source);
  if (inline) {
    source = source.slice(inline[0].length);
    for (const flag of inline[1] as string) {
      if (flag === "U") throw new SyntaxError("the `U` (swap greed) flag is not supported");
      if (!all.includes(flag)) all += flag;
    }
  }
  if (!all.includes("u") && !all.includes("v")) all += "u";
  return new RegExp(source, all);
}

/** The reason `pattern` does not compile, or undefined when it does. */
export function regexProblem(pattern: string): string | undefined {
  try {
    compileRegex(pattern);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

type ReplacementPart = string | number | { name: string };

/**
 * Compiles a Rust replacement string (`$1`, `${1}`, `$name`, `${name}`, `$$` for a literal
 * dollar; `$0` is the whole match) into a function for `String.prototype.replace`, so no
 * JavaScript replacement syntax can leak in. A missing group contributes nothing, as in Rust.
 */
export function compileReplacement(replacement: string): (match: string, ...rest: unknown[]) => string {
  const parts: ReplacementPart[] = [];
  let literal = "";
  for (let i = 0; i < replacement.length; i++) {
    const ch = replacement[i] as string;
    if (ch !== "$") {
      literal += ch;
      continue;
    }
    const next = replacement[i + 1];
    if (next === "$") {
      literal += "$";
      i++;
      continue;
    }
    let name: string | undefined;
    let end = i;
    if (next === "{") {
      const close = replacement.indexOf("}", i + 2);
      if (close > i + 2) {
        name = replacement.slice(i + 2, close);
        end = close;
      }
    } else {
      const match = /^[A-Za-z0-9_]+/.exec(replacement.slice(i + 1));
      if (match) {
        name = match[0];
        end = i + match[0].length;
      }
    }
    if (name === undefined) {
      literal += "$";
      continue;
    }
    if (literal) parts.push(literal);
    literal = "";
    parts.push(/^\d+$/.test(name) ? Number(name) : { name });
    i = end;
  }
  if (literal) parts.push(literal);
  if (parts.every((part) => typeof part === "string")) {
    const constant = parts.join("");
    return () => constant;
  }
  return (match: string, ...rest: unknown[]) => {
    const last = rest[rest.length - 1];
    const named = typeof last === "object" && last !== null ? (last as Record<string, string | undefined>) : undefined;
    const groupCount = rest.length - (named ? 3 : 2);
    let out = "";
    for (const part of parts) {
      if (typeof part === "string") out += part;
      else if (typeof part === "number") {
        if (part === 0) out += match;
        else if (part <= groupCount) out += (rest[part - 1] as string | undefined) ?? "";
      } else out += named?.[part.name] ?? "";
    }
    return out;
  };
}
