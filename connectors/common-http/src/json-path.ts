import { FaucetError, isValueObject, type Value } from "faucet-core";

/**
 * A compact JSONPath: the subset API configs use, compiled once and evaluated per response
 * without `eval` or per-call parsing. Supported: `$`, `.name`, `['name']` / `["name"]`,
 * `[0]`, `[-1]`, `[*]`, `.*`, slices `[start:end:step]`, unions `[0,2]` / `['a','b']` and
 * descent `..name` / `..*`. Filters (`[?(…)]`) and script expressions are refused at load.
 * A path without a leading `$` is read as if it had one (`data.items` = `$.data.items`).
 */
export interface JsonPath {
  /** The expression as written. */
  readonly expression: string;
  /** True when the path can select more than one node (a wildcard, slice, union or descent). */
  readonly multiple: boolean;
  /** Every node the path selects, in document order. */
  query(root: Value): Value[];
  /** The first node selected, or `undefined`. */
  first(root: Value): Value | undefined;
}

type Step =
  | { kind: "key"; name: string }
  | { kind: "index"; index: number }
  | { kind: "wildcard" }
  | { kind: "slice"; start: number | undefined; end: number | undefined; step: number }
  | { kind: "union"; items: Array<string | number> }
  | { kind: "descend"; selector: Step };

const IDENTIFIER = /^[^.[\]\s]+/;

/**
 * Compiles a JSONPath expression, throwing a `config` FaucetError that says what is wrong.
 *
 * @example
 * compileJsonPath("$.data[*]").query({ data: [1, 2] }); // [1, 2]
 * compileJsonPath("$.data[-1].id").first({ data: [{ id: 1 }, { id: 2 }] }); // 2
 */
export function compileJsonPath(expression: string): JsonPath {
  const steps = parse(expression);
  const multiple = steps.some(
    (s) => s.kind === "wildcard" || s.kind === "slice" || s.kind === "union" || s.kind === "descend",
  );
  return {
    expression,
    multiple,
    query: (root) => evaluate(steps, root),
    first: (root) => (multiple ? evaluate(steps, root)[0] : single(steps, root)),
  };
}

function fail(expression: string, why: string): never {
  throw new FaucetError("config", `invalid JSONPath \`${expression}\`: ${why}`, {
    hint: "use $.a.b, $.a[0], $.a[-1], $.a[*], $['key with spaces'] or $..name",
  });
}

function parse(expression: string): Step[] {
  let text = expression.trim();
  if (text === "") fail(expression, "it is empty");
  if (!text.startsWith("$")) text = text.startsWith("[") ? `$${text}` : `$.${text}`;
  const steps: Step[] = [];
  let i = 1;
  while (i < text.length) {
    let descend = false;
    if (text.startsWith("..", i)) {
      descend = true;
      i += 2;
    } else if (text[i] === ".") {
      i += 1;
    } else if (text[i] !== "[") {
      fail(expression, `unexpected \`${text[i]}\` at position ${i}`);
    }
    let step: Step;
    if (text[i] === "[") {
      const close = findClose(text, i, expression);
      step = parseBracket(text.slice(i + 1, close).trim(), expression);
      i = close + 1;
    } else if (text[i] === "*") {
      step = { kind: "wildcard" };
      i += 1;
    } else {
      const name = IDENTIFIER.exec(text.slice(i))?.[0];
      if (!name) fail(expression, `a name is missing at position ${i}`);
      step = { kind: "key", name };
      i += name.length;
    }
    steps.push(descend ? { kind: "descend", selector: step } : step);
  }
  return steps;
}

function findClose(text: string, open: number, expression: string): number {
  let quote: string | undefined;
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "]") return i;
  }
  return fail(expression, "a `[` is never closed");
}

function parseBracket(inner: string, expression: string): Step {
  if (inner === "*") return { kind: "wildcard" };
  if (inner.startsWith("?") || inner.startsWith("(")) {
    fail(expression, "filter and script expressions are not supported");
  }
  if (/^-?\d*:-?\d*(:-?\d*)?$/.test(inner)) {
    const [start, end, step] = inner.split(":").map((p) => (p === "" ? undefined : Number(p)));
    if (step === 0) fail(expression, "a slice step cannot be 0");
    return { kind: "slice", start, end, step: step ?? 1 };
  }
  const items = splitUnion(inner, expression).map((part) => parseSelector(part, expression));
  if (items.length === 1) {
    const only = items[0] as string | number;
    return typeof only === "number" ? { kind: "index", index: only } : { kind: "key", name: only };
  }
  return { kind: "union", items };
}

function splitUnion(inner: string, expression: string): string[] {
  const parts: string[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === ",") {
      parts.push(inner.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(inner.slice(start).trim());
  if (parts.some((p) => p === "")) fail(expression, "an empty selector inside `[…]`");
  return parts;
}

function parseSelector(part: string, expression: string): string | number {
  if (/^-?\d+$/.test(part)) return Number(part);
  const quote = part[0];
  if ((quote === "'" || quote === '"') && part.endsWith(quote) && part.length >= 2) {
    return part.slice(1, -1).replace(/\\(.)/g, "$1");
  }
  return fail(expression, `\`[${part}]\` is not a quoted name, an index, \`*\` or a slice`);
}

/** The fast path for paths without wildcards: one walk, no arrays allocated. */
function single(steps: readonly Step[], root: Value): Value | undefined {
  let node: Value | undefined = root;
  for (const step of steps) {
    if (node === undefined) return undefined;
    node = child(node, step as Extract<Step, { kind: "key" | "index" }>);
  }
  return node;
}

function child(node: Value, step: Extract<Step, { kind: "key" | "index" }>): Value | undefined {
  if (step.kind === "key") return isValueObject(node) && Object.hasOwn(node, step.name) ? node[step.name] : undefined;
  if (!Array.isArray(node)) return undefined;
  return node[step.index < 0 ? node.length + step.index : step.index];
}

function evaluate(steps: readonly Step[], root: Value): Value[] {
  let nodes: Value[] = [root];
  for (const step of steps) {
    const next: Value[] = [];
    for (const node of nodes) select(node, step, next);
    nodes = next;
    if (nodes.length === 0) break;
  }
  return nodes;
}

function select(node: Value, step: Step, out: Value[]): void {
  switch (step.kind) {
    case "key":
    case "index": {
      const value = child(node, step);
      if (value !== undefined) out.push(value);
      return;
    }
    case "wildcard":
      if (Array.isArray(node)) for (const item of node) out.push(item);
      else if (isValueObject(node)) for (const key in node) out.push(node[key] as Value);
      return;
    case "slice":
      if (Array.isArray(node)) sliceInto(node, step, out);
      return;
    case "union":
      for (const item of step.items) {
        select(node, typeof item === "number" ? { kind: "index", index: item } : { kind: "key", name: item }, out);
      }
      return;
    case "descend":
      descend(node, step.selector, out);
      return;
  }
}

function descend(node: Value, selector: Step, out: Value[]): void {
  select(node, selector, out);
  if (Array.isArray(node)) for (const item of node) descend(item, selector, out);
  else if (isValueObject(node)) for (const key in node) descend(node[key] as Value, selector, out);
}

function sliceInto(array: Value[], step: Extract<Step, { kind: "slice" }>, out: Value[]): void {
  const n = array.length;
  const norm = (i: number) => (i < 0 ? Math.max(0, n + i) : Math.min(n, i));
  if (step.step > 0) {
    const start = step.start === undefined ? 0 : norm(step.start);
    const end = step.end === undefined ? n : norm(step.end);
    for (let i = start; i < end; i += step.step) out.push(array[i] as Value);
  } else {
    const start = step.start === undefined ? n - 1 : Math.min(n - 1, step.start < 0 ? n + step.start : step.start);
    const end = step.end === undefined ? -1 : step.end < 0 ? n + step.end : step.end;
    for (let i = start; i > end && i >= 0; i += step.step) out.push(array[i] as Value);
  }
}
