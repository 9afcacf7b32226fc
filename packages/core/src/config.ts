import { z } from "zod";
import { FaucetError } from "./errors.js";
import { REDACTED, registerSecret } from "./redact.js";
import { closestMatch } from "./suggest.js";
import type { JsonSchema } from "./value.js";

export { z };

/** Any zod schema. */
export type ZodSchema = z.ZodType;

/**
 * JSON Schema (draft 2020-12) for a zod config schema: the TypeScript analog of
 * `schemars::schema_for!`. It never throws: fields with custom parsing or transforms are
 * described by their input type, and types JSON Schema cannot express become `{}`.
 *
 * @example
 * const Config = z.strictObject({ path: z.string().describe("File to read") });
 * schemaFor(Config); // { type: "object", properties: { path: { type: "string", … } }, … }
 */
export function schemaFor(schema: ZodSchema): JsonSchema {
  return z.toJSONSchema(schema, {
    io: "input",
    unrepresentable: "any",
    cycles: "ref",
    reused: "inline",
  }) as JsonSchema;
}

/**
 * Marks a config field as secret: it is redacted from `faucet validate`, logs and errors.
 *
 * @example
 * const Config = z.strictObject({ password: secret(z.string()) });
 */
export function secret<T extends ZodSchema>(schema: T): T {
  return schema.meta({ secret: true, writeOnly: true }) as T;
}

/** Where a config sits in the document, used to prefix error paths. */
export interface ConfigLocation {
  /** E.g. `pipeline.sink.config`. */
  path?: string;
  /** E.g. `sink-csv`. */
  connector?: string;
}

/**
 * Validates `input` against a zod schema, returning the parsed value or throwing one `config`
 * FaucetError that lists every problem with its full path, and for an unknown key the closest
 * valid key: "`pipeline.sink.config.pathh`: unknown key; did you mean `path`?".
 *
 * @example
 * const config = parseConfig(CsvConfig, raw, { path: "pipeline.source.config", connector: "source-csv" });
 */
export function parseConfig<T extends ZodSchema>(schema: T, input: unknown, where: ConfigLocation = {}): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = describeIssues(schema, result.error.issues, where.path);
  const summary =
    problems.length === 1 ? (problems[0] as string) : `${problems.length} problems:\n  ${problems.join("\n  ")}`;
  return throwConfig(summary, where.connector);
}

function throwConfig(message: string, connector: string | undefined): never {
  throw new FaucetError("config", `invalid config: ${message}`, {
    ...(connector ? { connector } : {}),
    hint: "run `faucet schema` to see every valid key and type",
  });
}

type Issue = z.core.$ZodIssue;

/** Turns zod issues into one line each, with paths and "did you mean" suggestions. */
export function describeIssues(schema: ZodSchema, issues: readonly Issue[], base?: string): string[] {
  const lines: string[] = [];
  for (const issue of issues.slice(0, 20)) {
    const path = joinPath(base, issue.path);
    if (issue.code === "unrecognized_keys") {
      const valid = keysAt(schema, issue.path);
      for (const key of issue.keys) {
        const guess = closestMatch(key, valid);
        const keyPath = joinPath(base, [...issue.path, key]);
        lines.push(
          `\`${keyPath}\`: unknown key${guess ? `; did you mean \`${guess}\`?` : valid.length ? ` (valid keys: ${valid.join(", ")})` : ""}`,
        );
      }
    } else if (issue.code === "invalid_union" && issue.errors.length > 0 && issue.path.length >= 0) {
      const branches = issue.errors.map((branch) => branch.map((i) => i.message).join("; "));
      lines.push(
        `\`${path || "(root)"}\`: ${issue.message}${branches.length > 1 ? ` (${uniq(branches).slice(0, 4).join(" | ")})` : ""}`,
      );
    } else {
      lines.push(`\`${path || "(root)"}\`: ${issue.message}`);
    }
  }
  if (issues.length > 20) lines.push(`… and ${issues.length - 20} more`);
  return lines;
}

function uniq(items: string[]): string[] {
  return [...new Set(items)];
}

function joinPath(base: string | undefined, path: readonly PropertyKey[]): string {
  let out = base ?? "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

interface ZodDef {
  type: string;
  shape?: Record<string, ZodSchema>;
  innerType?: ZodSchema;
  in?: ZodSchema;
  element?: ZodSchema;
  options?: ZodSchema[];
  left?: ZodSchema;
  right?: ZodSchema;
  valueType?: ZodSchema;
  getter?: () => ZodSchema;
}

function defOf(schema: ZodSchema): ZodDef {
  return (schema as unknown as { _zod: { def: ZodDef } })._zod.def;
}

/** The object schemas `schema` may be, looking through optional/default/pipe/lazy/union. */
function objectCandidates(schema: ZodSchema, depth = 0): ZodSchema[] {
  if (depth > 20) return [];
  const def = defOf(schema);
  switch (def.type) {
    case "object":
      return [schema];
    case "union":
      return (def.options ?? []).flatMap((o) => objectCandidates(o, depth + 1));
    case "intersection":
      return [def.left, def.right].flatMap((o) => (o ? objectCandidates(o, depth + 1) : []));
    case "lazy":
      return def.getter ? objectCandidates(def.getter(), depth + 1) : [];
    case "pipe":
      return def.in ? objectCandidates(def.in, depth + 1) : [];
    default:
      return def.innerType ? objectCandidates(def.innerType, depth + 1) : [];
  }
}

/** The schemas reachable one step down `key` from `schema`. */
function childSchemas(schema: ZodSchema, key: PropertyKey, depth = 0): ZodSchema[] {
  if (depth > 20) return [];
  const def = defOf(schema);
  switch (def.type) {
    case "object": {
      const child = def.shape?.[String(key)];
      return child ? [child] : [];
    }
    case "array":
      return def.element ? [def.element] : [];
    case "record":
      return def.valueType ? [def.valueType] : [];
    case "union":
      return (def.options ?? []).flatMap((o) => childSchemas(o, key, depth + 1));
    case "intersection":
      return [def.left, def.right].flatMap((o) => (o ? childSchemas(o, key, depth + 1) : []));
    case "lazy":
      return def.getter ? childSchemas(def.getter(), key, depth + 1) : [];
    case "pipe":
      return def.in ? childSchemas(def.in, key, depth + 1) : [];
    default:
      return def.innerType ? childSchemas(def.innerType, key, depth + 1) : [];
  }
}

/**
 * The valid keys of the object found at `path` inside `schema` (empty when unknown).
 *
 * @example
 * keysAt(z.object({ a: z.object({ b: z.string() }) }), ["a"]); // ["b"]
 */
export function keysAt(schema: ZodSchema, path: readonly PropertyKey[]): string[] {
  let current = [schema];
  for (const part of path) current = current.flatMap((s) => childSchemas(s, part));
  const keys = new Set<string>();
  for (const candidate of current.flatMap((s) => objectCandidates(s))) {
    for (const key of Object.keys(defOf(candidate).shape ?? {})) keys.add(key);
  }
  return [...keys];
}

const SECRET_NAME = /pass(word|wd|phrase)?$|secret|token|api_?key|credential|private_key|auth_header/i;
/** Names that match {@link SECRET_NAME} but hold where a secret is, not the secret (`token_url`, `next_token_path`). */
const LOCATOR_NAME = /_(path|url|uri)$/i;

/**
 * Walks a config value alongside its JSON Schema and registers every secret string (fields
 * marked with {@link secret}, and fields whose name says password/secret/token/api key), so
 * they are redacted everywhere from then on.
 *
 * @example
 * registerConfigSecrets(schemaFor(PostgresConfig), config);
 */
export function registerConfigSecrets(schema: JsonSchema, value: unknown): void {
  visitSecrets(schema, schema, value, undefined, (text) => registerSecret(text));
}

/**
 * A copy of `value` with every secret field replaced by `***`: what `faucet validate` prints.
 *
 * @example
 * redactConfig(schemaFor(Config), { password: "hunter2" }); // { password: "***" }
 */
export function redactConfig<T>(schema: JsonSchema, value: T): T {
  const copy = structuredClone(value);
  visitSecrets(schema, schema, copy, undefined, undefined, true);
  return copy;
}

function visitSecrets(
  root: JsonSchema,
  node: JsonSchema | undefined,
  value: unknown,
  name: string | undefined,
  onSecret: ((text: string) => void) | undefined,
  replace = false,
  depth = 0,
): unknown {
  if (depth > 64) return value;
  const schema = resolveRef(root, node);
  const isSecret =
    schema?.secret === true || (name !== undefined && SECRET_NAME.test(name) && !LOCATOR_NAME.test(name));
  if (isSecret && (typeof value === "string" || typeof value === "number")) {
    onSecret?.(String(value));
    return replace ? REDACTED : value;
  }
  if (Array.isArray(value)) {
    const items = schema?.items as JsonSchema | undefined;
    for (let i = 0; i < value.length; i++) {
      value[i] = visitSecrets(root, items, value[i], isSecret ? name : undefined, onSecret, replace, depth + 1);
    }
    return value;
  }
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const branches = schema ? matchingBranches(root, alternatives(root, schema), record) : [];
    for (const key of Object.keys(record)) {
      let child: JsonSchema | undefined;
      for (const branch of branches) {
        const props = branch.properties as Record<string, JsonSchema> | undefined;
        const extra = branch.additionalProperties;
        child = props?.[key] ?? (extra && typeof extra === "object" ? (extra as JsonSchema) : undefined);
        if (child) break;
      }
      // A secret object (e.g. custom auth headers) has every string below it treated as secret.
      record[key] = visitSecrets(
        root,
        isSecret ? { secret: true } : child,
        record[key],
        key,
        onSecret,
        replace,
        depth + 1,
      );
    }
  }
  return value;
}

function resolveRef(root: JsonSchema, node: JsonSchema | undefined): JsonSchema | undefined {
  let current = node;
  for (let i = 0; i < 10 && current && typeof current.$ref === "string"; i++) {
    const ref = current.$ref as string;
    if (ref === "#") return root;
    const parts = ref.replace(/^#\//, "").split("/");
    let target: unknown = root;
    for (const part of parts) target = (target as Record<string, unknown> | undefined)?.[part];
    current = target as JsonSchema | undefined;
  }
  return current;
}

/**
 * The branches of a union that `record` can be: those whose constant properties (a
 * discriminator such as `type: "api_key"`) match it. Falls back to every branch when none does.
 */
function matchingBranches(root: JsonSchema, branches: JsonSchema[], record: Record<string, unknown>): JsonSchema[] {
  if (branches.length < 2) return branches;
  const matching = branches.filter((branch) => {
    const props = branch.properties as Record<string, JsonSchema> | undefined;
    for (const [key, prop] of Object.entries(props ?? {})) {
      const resolved = resolveRef(root, prop);
      const allowed = resolved?.const !== undefined ? [resolved.const] : resolved?.enum;
      if (Array.isArray(allowed) && key in record && !allowed.includes(record[key])) return false;
    }
    return true;
  });
  return matching.length > 0 ? matching : branches;
}

/** The schema itself plus its anyOf/oneOf/allOf branches, flattened. */
function alternatives(root: JsonSchema, schema: JsonSchema, depth = 0): JsonSchema[] {
  if (depth > 10) return [];
  const out = [schema];
  for (const key of ["anyOf", "oneOf", "allOf"] as const) {
    const list = schema[key];
    if (Array.isArray(list)) {
      for (const branch of list) {
        const resolved = resolveRef(root, branch as JsonSchema);
        if (resolved) out.push(...alternatives(root, resolved, depth + 1));
      }
    }
  }
  return out;
}
