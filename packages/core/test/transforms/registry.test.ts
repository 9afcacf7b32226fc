import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  builtinTransforms,
  createTransforms,
  FaucetError,
  type JsonSchema,
  schemaFor,
  transformDefinition,
  transforms,
} from "faucet-core";
import { describe, expect, test } from "vitest";

const TYPES = [
  "flatten",
  "rename_keys",
  "keys_case",
  "select",
  "drop",
  "set",
  "rename_field",
  "cast",
  "redact",
  "value_case",
  "spell_symbols",
  "hash",
  "json_parse",
  "json_encode",
  "coalesce",
  "split",
  "join",
  "filter",
  "explode",
  "cdc_unwrap",
  "custom",
];

/** Every object in a JSON Schema is closed and every property has a description. */
function problems(schema: JsonSchema, root: JsonSchema, at: string, seen = new Set<unknown>()): string[] {
  if (seen.has(schema)) return [];
  seen.add(schema);
  const out: string[] = [];
  const ref = schema.$ref === "#" ? root : undefined;
  if (ref) return problems(ref, root, at, seen);
  if (schema.type === "object" && schema.properties) {
    if (schema.additionalProperties !== false) out.push(`${at}: not strict`);
    for (const [key, property] of Object.entries(schema.properties as Record<string, JsonSchema>)) {
      if (typeof property.description !== "string" || property.description.length < 10)
        out.push(`${at}.${key}: no description`);
      out.push(...problems(property, root, `${at}.${key}`, seen));
    }
  }
  for (const key of ["items", "additionalProperties"] as const) {
    const child = schema[key];
    if (child && typeof child === "object") out.push(...problems(child as JsonSchema, root, `${at}[]`, seen));
  }
  for (const key of ["anyOf", "oneOf", "allOf"] as const) {
    for (const branch of (schema[key] as JsonSchema[] | undefined) ?? []) out.push(...problems(branch, root, at, seen));
  }
  return out;
}

describe("the built-in transform registry", () => {
  test("lists every transform of the issue, each a described, strict, fully documented definition", () => {
    expect(builtinTransforms.map((d) => d.type)).toEqual(TYPES);
    for (const definition of builtinTransforms) {
      expect(definition.kind).toBe("transform");
      expect(definition.description.length).toBeGreaterThan(20);
      const schema = schemaFor(definition.config);
      expect(problems(schema, schema, definition.type)).toEqual([]);
      expect(transformDefinition(definition.type)).toBe(definition);
    }
  });

  test("docs/transforms.md has one section per transform with a YAML example", () => {
    const docs = readFileSync(fileURLToPath(new URL("../../../../docs/transforms.md", import.meta.url)), "utf8");
    for (const type of TYPES) {
      const section = docs.split(/^## /m).find((s) => s.startsWith(`\`${type}\``));
      expect(section, `section for ${type}`).toBeDefined();
      expect(section, `example for ${type}`).toContain("```yaml");
    }
  });

  test("compiled stages are named after their type (so stage errors say which one failed)", () => {
    const stages = createTransforms([{ type: "flatten" }, { type: "cast", config: { fields: { a: "int" } } }]);
    expect(stages.map((s) => s.name)).toEqual(["flatten", "cast"]);
  });

  test("an unknown type, a spec without type, and a non-list are config errors with paths", () => {
    const error = (run: () => unknown) => {
      try {
        run();
      } catch (e) {
        expect(e).toBeInstanceOf(FaucetError);
        expect((e as FaucetError).kind).toBe("config");
        return (e as FaucetError).message;
      }
      throw new Error("expected a config error");
    };
    expect(error(() => createTransforms([{ type: "flaten" }]))).toContain(
      "`pipeline.transforms[0].type`: unknown transform `flaten`; did you mean `flatten`?",
    );
    expect(error(() => createTransforms([{ type: "snake_case" }]))).toContain("available transforms: flatten");
    expect(error(() => createTransforms([{ config: {} } as never]))).toContain(
      "`pipeline.transforms[0]` must be an object",
    );
    expect(error(() => createTransforms({} as never))).toContain("must be a list");
    expect(
      error(() =>
        createTransforms([
          { type: "drop", config: { fields: ["a"] } },
          { type: "hash", config: { fields: "a" } },
        ]),
      ),
    ).toContain("`pipeline.transforms[1].config.fields`");
  });

  test("TypeScript factories validate their snake_case config exactly like YAML", () => {
    expect(transforms.flatten().name).toBe("flatten");
    expect(transforms.cdcUnwrap().name).toBe("cdc_unwrap");
    expect(transforms.keysCase({ mode: "snake" }).name).toBe("keys_case");
    expect(() => transforms.cast({ fields: { a: "uuid" as never } })).toThrow(/`cast.fields.a`/);
    expect(() => transforms.filter({ path: "a", op: "in", value: 1 })).toThrow(/requires an array/);
  });
});
