/**
 * The whole-document JSON Schema: the grammar's schema with each `{ type, config }` block
 * checking `config` against the schema of the connector its `type` names, and the Rust keys this
 * version does not implement marked as errors. `npm run generate` writes it for the built-ins
 * (packages/cli/schema/faucet.schema.json); `faucet schema config` adds installed plugins.
 */
import { type Definition, type JsonSchema, schemaFor } from "faucet-core";
import type { Kind } from "../registry/types.js";
import { PipelineDocument, UNSUPPORTED_KEYS } from "./grammar.js";

/** Definitions by kind. */
export type DefinitionsByKind = Readonly<Record<Kind, readonly Definition[]>>;

type Node = Record<string, unknown>;

/** The object schema inside a possibly nullable (`anyOf: [x, null]`) node. */
function objectNode(node: unknown): Node | undefined {
  if (!node || typeof node !== "object") return undefined;
  const n = node as Node;
  if (n.type === "object") return n;
  for (const key of ["anyOf", "oneOf"]) {
    const branches = n[key];
    if (Array.isArray(branches)) for (const b of branches) if ((b as Node).type === "object") return b as Node;
  }
  return undefined;
}

function nodeAt(root: Node, path: string): Node | undefined {
  let current: Node | undefined = root;
  for (const part of path.split(".").filter(Boolean)) {
    const props = current?.properties as Record<string, unknown> | undefined;
    current = objectNode(props?.[part]);
  }
  return current;
}

/**
 * Moves a connector schema into the document's `$defs` under `name`: its own `$defs` (recursive
 * parts) are hoisted beside it with prefixed names, and every `$ref` inside is rewritten to match.
 */
function hoist(schema: JsonSchema, name: string, defs: Node): void {
  const { $schema: _, $defs: own, ...rest } = structuredClone(schema) as Node;
  const rename = (ref: string) => (ref === "#" ? `#/$defs/${name}` : ref.replace(/^#\/\$defs\//, `#/$defs/${name}.`));
  const rewrite = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(rewrite);
    else if (node && typeof node === "object") {
      const n = node as Node;
      if (typeof n.$ref === "string") n.$ref = rename(n.$ref);
      for (const value of Object.values(n)) rewrite(value);
    }
  };
  rewrite(rest);
  defs[name] = rest;
  for (const [key, value] of Object.entries((own as Node | undefined) ?? {})) {
    rewrite(value);
    defs[`${name}.${key}`] = value;
  }
}

/** Replaces a `{ type, config }` node's properties with a dispatch on `type`. */
function dispatch(node: Node | undefined, kind: Kind, definitions: readonly Definition[], defs: Node): void {
  if (!node) return;
  const props = node.properties as Record<string, Node>;
  const types = definitions.map((d) => d.type).sort();
  if (types.length === 0) return;
  props.type = { ...props.type, enum: types };
  node.allOf = types.map((type) => ({
    if: { properties: { type: { const: type } }, required: ["type"] },
    // biome-ignore lint/suspicious/noThenProperty: `then` is JSON Schema's keyword here, not a promise.
    then: { properties: { config: { anyOf: [{ $ref: `#/$defs/${kind}.${type}` }, { type: "null" }] } } },
  }));
  for (const d of definitions) {
    hoist({ description: d.description, ...schemaFor(d.config) }, `${kind}.${d.type}`, defs);
  }
}

/**
 * The JSON Schema (draft 2020-12) of a whole pipeline document for the given definitions.
 *
 * @example
 * const schema = documentSchema({ source: [csv], sink: [jsonl], transform: [], state: [] });
 */
export function documentSchema(definitions: DefinitionsByKind): JsonSchema {
  const root = structuredClone(schemaFor(PipelineDocument)) as Node;
  root.$schema = "https://json-schema.org/draft/2020-12/schema";
  root.title = "faucet pipeline configuration (faucet.yaml / faucet.json)";
  const defs: Node = {};
  const pipeline = nodeAt(root, "pipeline");
  dispatch(nodeAt(root, "pipeline.source"), "source", definitions.source, defs);
  dispatch(nodeAt(root, "pipeline.sink"), "sink", definitions.sink, defs);
  dispatch(nodeAt(root, "pipeline.dlq.sink"), "sink", definitions.sink, defs);
  dispatch(nodeAt(root, "pipeline.state"), "state", definitions.state, defs);
  const transforms = (pipeline?.properties as Record<string, Node> | undefined)?.transforms;
  dispatch(objectNode(transforms?.items), "transform", definitions.transform, defs);
  for (const [path, keys] of Object.entries(UNSUPPORTED_KEYS)) {
    const node = nodeAt(root, path);
    if (!node) continue;
    const props = node.properties as Record<string, unknown>;
    for (const key of keys) {
      props[key] = {
        description: "A Rust faucet-stream key that this version does not support (only null or [] is accepted).",
        type: ["null", "array"],
        maxItems: 0,
      };
    }
  }
  root.$defs = { ...((root.$defs as Node | undefined) ?? {}), ...sortKeys(defs) };
  return root as JsonSchema;
}

function sortKeys(node: Node): Node {
  return Object.fromEntries(Object.entries(node).sort(([a], [b]) => a.localeCompare(b)));
}
