/** `faucet init`: a commented pipeline YAML generated from a source's and a sink's schemas. */
import { existsSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { FaucetError, type JsonSchema, schemaFor } from "faucet-core";
import type { Invocation } from "../bin.js";
import { EXIT, err, out } from "../output.js";
import { Registry } from "../registry/registry.js";

type Node = Record<string, unknown>;

function oneLine(text: unknown): string {
  return typeof text === "string" ? text.replace(/\s+/g, " ").trim() : "";
}

/** The first object/scalar branch of a union, so every field gets one concrete shape. */
function concrete(node: Node): Node {
  for (const key of ["anyOf", "oneOf"]) {
    const branches = node[key];
    if (Array.isArray(branches)) {
      const pick = (branches as Node[]).find((b) => b.type !== "null") ?? (branches[0] as Node);
      return { ...node, ...concrete(pick), [key]: undefined };
    }
  }
  return node;
}

function typeName(node: Node): string {
  if (Array.isArray(node.enum)) return "enum";
  if (node.const !== undefined) return "const";
  const t = node.type;
  return Array.isArray(t) ? String(t.find((x) => x !== "null") ?? "string") : typeof t === "string" ? t : "value";
}

function placeholder(node: Node, key: string, envPrefix: string): string {
  if (node.secret === true) return JSON.stringify(`\${env:${envPrefix}_${key.toUpperCase()}}`);
  if (Array.isArray(node.enum)) return JSON.stringify(node.enum[0]);
  if (node.const !== undefined) return JSON.stringify(node.const);
  switch (typeName(node)) {
    case "integer":
    case "number":
      return "0";
    case "boolean":
      return "false";
    case "array":
      return "[]";
    case "object":
      return "{}";
    default:
      return JSON.stringify(`<${key}>`);
  }
}

function notes(node: Node, required: boolean): string {
  const parts: string[] = [];
  if (required) parts.push(`REQUIRED (${typeName(node) === "enum" ? "one of the values below" : typeName(node)})`);
  const description = oneLine(node.description);
  if (description) parts.push(description);
  if (Array.isArray(node.enum)) parts.push(`one of: ${node.enum.map((v) => JSON.stringify(v)).join(", ")}`);
  if (node.default !== undefined) parts.push(`default: ${JSON.stringify(node.default)}`);
  if (node.secret === true) parts.push("secret: keep it in the environment or .env");
  return parts.join("; ");
}

/** YAML lines for the properties of an object schema, at `indent`. */
export function renderObject(schema: Node, indent: string, envPrefix: string, depth = 0): string[] {
  const props = (schema.properties ?? {}) as Record<string, Node>;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const lines: string[] = [];
  for (const [key, raw] of Object.entries(props)) {
    const node = concrete(raw);
    const isRequired = required.has(key) && node.default === undefined;
    const nested = typeName(node) === "object" && node.properties && depth < 3;
    if (isRequired) {
      if (nested) {
        lines.push(`${indent}${key}: # ${notes(node, true)}`);
        lines.push(...renderObject(node, `${indent}  `, `${envPrefix}_${key.toUpperCase()}`, depth + 1));
      } else {
        lines.push(`${indent}${key}: ${placeholder(node, key, envPrefix)} # ${notes(node, true)}`);
      }
    } else {
      const value = node.default !== undefined ? JSON.stringify(node.default) : placeholder(node, key, envPrefix);
      const why = notes(node, false);
      lines.push(`${indent}# ${key}: ${value}${why ? ` # ${why}` : ""}`);
    }
  }
  if (lines.length === 0) lines.push(`${indent}# (no settings)`);
  return lines;
}

function connectorBlock(role: "source" | "sink", type: string, schema: JsonSchema, description: string): string[] {
  const envPrefix = `${role}_${type}`.toUpperCase().replace(/[^A-Z0-9]+/g, "_");
  const body = renderObject(schema as Node, "      ", envPrefix);
  return [`  # ${description}`, `  ${role}:`, `    type: ${type}`, "    config:", ...body];
}

/**
 * The YAML text of a new pipeline.
 *
 * @example
 * const text = await initText("orders", "csv", "jsonl", registry);
 */
export async function initText(name: string, source: string, sink: string, registry: Registry): Promise<string> {
  const s = await registry.definition("source", source, "--source");
  const k = await registry.definition("sink", sink, "--sink");
  return [
    `# faucet pipeline "${name}": ${source} → ${sink}. Written by \`faucet init\`; every key is in docs/config.md.`,
    "# Required settings are marked REQUIRED; optional ones are commented out with their defaults.",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: faucet config syntax, not a template
    "# Secrets: use ${env:NAME} (read from the environment or a .env file beside this file).",
    "version: 1",
    `name: ${JSON.stringify(name)}`,
    "pipeline:",
    ...connectorBlock("source", source, schemaFor(s.config), s.description),
    "  transforms: [] # page stages, in order: - { type: <transform>, config: { … } } (faucet list)",
    ...connectorBlock("sink", sink, schemaFor(k.config), k.description),
    "  # state: # where bookmarks are kept; default: files under .faucet/state next to this file",
    "  #   type: file",
    "  #   config: { path: .faucet/state }",
    "# delivery: at_least_once # or exactly_once, when the source, sink and state allow it",
    "# execution: { batch_size: 1000, prefetch: 1 }",
    "",
  ].join("\n");
}

export default async function init(invocation: Invocation): Promise<number> {
  const source = invocation.values.source as string | undefined;
  const sink = invocation.values.sink as string | undefined;
  if (!source || !sink || invocation.positionals.length > 1) {
    throw new FaucetError("config", "init needs --source and --sink", {
      hint: "usage: faucet init [name] --source csv --sink jsonl (faucet list shows the types)",
    });
  }
  const name = invocation.positionals[0] ?? `${source}-to-${sink}`;
  const registry = await Registry.open({ searchFrom: [process.cwd()] });
  const text = await initText(name, source, sink, registry);
  const target = (invocation.values.file as string | undefined) ?? "faucet.yaml";
  if (target === "-") {
    out(text);
    return EXIT.ok;
  }
  const full = resolve(process.cwd(), target);
  if (existsSync(full) && !invocation.values.force) {
    throw new FaucetError("config", `${target} already exists`, {
      hint: "pass --force to overwrite it, or --file to choose another name",
    });
  }
  writeFileSync(full, text);
  err(`wrote ${target}: fill in the REQUIRED values, then \`faucet validate ${target}\`\n`);
  return EXIT.ok;
}
