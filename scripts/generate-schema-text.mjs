// Turns a connector's JSON Schema (from its zod schema via schemaFor) into the rows of a config
// table and into a TypeScript type, for the generated READMEs, docs/config.md and config types.

/** The object or scalar schema behind `$ref`s to the root (recursive schemas). */
function deref(root, node) {
  if (node && typeof node.$ref === "string") {
    if (node.$ref === "#") return root;
    const parts = node.$ref.replace(/^#\//, "").split("/");
    let target = root;
    for (const p of parts) target = target?.[p];
    return target ?? {};
  }
  return node ?? {};
}

/** The branches of a union, without `null`. */
function branches(node) {
  const list = node.anyOf ?? node.oneOf;
  return Array.isArray(list) ? list : undefined;
}

/** A short type text: `string`, `integer`, `"a" \| "b"`, `string[]`, `object`, … */
export function typeText(root, raw, depth = 0) {
  const node = deref(root, raw);
  if (depth > 4) return "any";
  if (node.const !== undefined) return JSON.stringify(node.const);
  if (Array.isArray(node.enum)) return node.enum.map((v) => JSON.stringify(v)).join(" | ");
  const list = branches(node);
  if (list) return [...new Set(list.map((b) => typeText(root, b, depth + 1)))].join(" | ");
  const t = node.type;
  if (Array.isArray(t)) return t.join(" | ");
  if (t === "array") return `${wrap(typeText(root, node.items ?? {}, depth + 1))}[]`;
  if (
    t === "object" &&
    !node.properties &&
    node.additionalProperties &&
    typeof node.additionalProperties === "object"
  ) {
    return `map of ${typeText(root, node.additionalProperties, depth + 1)}`;
  }
  return t ?? "any";
}

function wrap(text) {
  return text.includes(" ") ? `(${text})` : text;
}

function isSecret(node) {
  return node.secret === true || node.writeOnly === true;
}

/** A node's description, or that of its first described union branch (`.describe()` before `.nullable()`). */
function describeNode(root, node) {
  if (typeof node.description === "string") return node.description;
  for (const branch of branches(node) ?? []) {
    const b = deref(root, branch);
    if (typeof b.description === "string") return b.description;
  }
  return "";
}

/** The object schema to descend into for nested rows, if `node` is (or may be) one. */
function objectOf(root, raw) {
  const node = deref(root, raw);
  if (node.type === "object" && node.properties) return node;
  const list = branches(node);
  if (list) {
    const objects = list.map((b) => deref(root, b)).filter((b) => b.type === "object" && b.properties);
    if (objects.length === 1) return objects[0];
  }
  return undefined;
}

/**
 * Flattened rows of an object schema: `{ key, type, required, default, description, secret }`,
 * nested objects as `parent.child`, arrays of objects as `parent[].child`.
 */
export function schemaRows(schema, prefix = "", depth = 0, root = schema) {
  const node = deref(root, schema);
  const rows = [];
  const props = node.properties ?? {};
  const required = new Set(node.required ?? []);
  for (const [key, raw] of Object.entries(props)) {
    const child = deref(root, raw);
    const path = prefix ? `${prefix}.${key}` : key;
    rows.push({
      key: path,
      type: typeText(root, child),
      required: required.has(key) && child.default === undefined,
      default: child.default,
      description: describeNode(root, child).replace(/\s+/g, " ").trim(),
      secret: isSecret(child),
    });
    if (depth < 2) {
      const nested = objectOf(root, child);
      if (nested) rows.push(...schemaRows(nested, path, depth + 1, root));
      const items = child.type === "array" ? objectOf(root, child.items) : undefined;
      if (items) rows.push(...schemaRows(items, `${path}[]`, depth + 1, root));
    }
  }
  return rows;
}

function cell(text) {
  return String(text).replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** A Markdown table of a config schema. */
export function configTable(schema) {
  const rows = schemaRows(schema);
  if (rows.length === 0) return "This connector has no settings: `config: {}`.\n";
  const lines = ["| key | type | required | default | description |", "| --- | --- | --- | --- | --- |"];
  for (const r of rows) {
    const key = `\`${r.key}\`${r.secret ? " 🔒" : ""}`;
    const def = r.default === undefined ? "" : `\`${cell(JSON.stringify(r.default))}\``;
    const description = r.secret
      ? `${r.description}${r.description ? " " : ""}(secret: redacted everywhere)`
      : r.description;
    lines.push(`| ${key} | ${cell(r.type)} | ${r.required ? "yes" : "no"} | ${def} | ${cell(description)} |`);
  }
  return `${lines.join("\n")}\n`;
}

/** A TypeScript type for a JSON Schema (input side: defaulted keys are optional). */
export function tsType(raw, root = raw, depth = 0) {
  const node = deref(root, raw);
  if (depth > 8) return "unknown";
  if (node.const !== undefined) return JSON.stringify(node.const);
  if (Array.isArray(node.enum)) return node.enum.map((v) => JSON.stringify(v)).join(" | ");
  const list = branches(node);
  if (list) return list.map((b) => tsType(b, root, depth + 1)).join(" | ");
  const types = Array.isArray(node.type) ? node.type : node.type ? [node.type] : [];
  if (types.length === 0) return "unknown";
  return types
    .map((t) => {
      switch (t) {
        case "string":
          return "string";
        case "integer":
        case "number":
          return "number";
        case "boolean":
          return "boolean";
        case "null":
          return "null";
        case "array":
          return `Array<${tsType(node.items ?? {}, root, depth + 1)}>`;
        case "object": {
          const props = node.properties ?? {};
          const required = new Set(node.required ?? []);
          const fields = Object.entries(props).map(([key, child]) => {
            const c = deref(root, child);
            const optional = !required.has(key) || c.default !== undefined;
            return `${JSON.stringify(key)}${optional ? "?" : ""}: ${tsType(child, root, depth + 1)}`;
          });
          const extra = node.additionalProperties;
          if (extra && typeof extra === "object") fields.push(`[key: string]: ${tsType(extra, root, depth + 1)}`);
          return fields.length ? `{ ${fields.join("; ")} }` : "Record<string, never>";
        }
        default:
          return "unknown";
      }
    })
    .join(" | ");
}
