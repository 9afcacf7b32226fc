import Ajv2020 from "ajv/dist/2020.js";
import {
  clearSecrets,
  FaucetError,
  keysAt,
  parseConfig,
  redactConfig,
  redactSecrets,
  registerConfigSecrets,
  schemaFor,
  secret,
  z,
} from "faucet-core";
import { afterEach, describe, expect, test } from "vitest";

afterEach(() => clearSecrets());

describe("schemaFor", () => {
  test("describes plain schemas with descriptions and defaults", () => {
    const schema = schemaFor(
      z.strictObject({
        path: z.string().describe("File or glob to read"),
        has_headers: z.boolean().default(true).describe("First row is the header"),
      }),
    );
    expect(schema).toMatchObject({
      type: "object",
      properties: {
        path: { type: "string", description: "File or glob to read" },
        has_headers: { type: "boolean", default: true, description: "First row is the header" },
      },
      required: ["path"],
      additionalProperties: false,
    });
  });

  test("never throws: custom parsing and transforms are described by their input type", () => {
    type Tree = { name: string; children: Tree[] };
    const tree: z.ZodType<Tree> = z.lazy(() => z.object({ name: z.string(), children: z.array(tree) }));
    const delimiter = z
      .union([z.string().length(1), z.number().int().min(0).max(255)])
      .transform((v) => (typeof v === "number" ? String.fromCharCode(v) : v));
    const config = z.strictObject({
      delimiter,
      timeout: z.preprocess((v) => (typeof v === "string" ? Number(v) : v), z.number()),
      duration: z.string().transform((s) => Number.parseInt(s, 10)),
      check: z.custom<Buffer>((v) => Buffer.isBuffer(v)),
      when: z.date(),
      big: z.bigint(),
      tree,
      pattern: z.string().refine((s) => s.length > 0),
    });
    const schema = schemaFor(config);
    const properties = schema.properties as Record<string, Record<string, unknown>>;
    expect(properties.delimiter).toMatchObject({ anyOf: [{ type: "string" }, { type: "integer" }] });
    expect(properties.duration).toMatchObject({ type: "string" });
    expect(properties.tree).toBeDefined();
    expect(() => new Ajv2020({ strict: false }).compile(schema)).not.toThrow();
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });

  test("marks secrets", () => {
    const schema = schemaFor(z.strictObject({ password: secret(z.string()) }));
    expect((schema.properties as Record<string, unknown>).password).toMatchObject({ type: "string", writeOnly: true });
  });
});

describe("parseConfig", () => {
  const Config = z.strictObject({
    path: z.string().describe("File"),
    delimiter: z.string().default(","),
    auth: z
      .discriminatedUnion("type", [
        z.strictObject({ type: z.literal("bearer"), config: z.strictObject({ token: z.string() }) }),
        z.strictObject({ type: z.literal("none") }),
      ])
      .optional(),
  });

  test("returns the parsed value with defaults", () => {
    expect(parseConfig(Config, { path: "a.csv" })).toEqual({ path: "a.csv", delimiter: "," });
  });

  test("an unknown key names its full path and the closest valid key", () => {
    const error = (() => {
      try {
        parseConfig(Config, { pathh: "a.csv" }, { path: "pipeline.sink.config", connector: "sink-csv" });
      } catch (e) {
        return e as FaucetError;
      }
    })();
    expect(error).toBeInstanceOf(FaucetError);
    expect(error?.kind).toBe("config");
    expect(error?.message).toContain("`pipeline.sink.config.pathh`: unknown key; did you mean `path`?");
    expect(error?.message).toContain("`pipeline.sink.config.path`:");
    expect(error?.message).toMatch(/^\[faucet\] \[sink-csv\] invalid config:/);
  });

  test("unknown keys inside unions are found too", () => {
    expect(() => parseConfig(Config, { path: "x", auth: { type: "bearer", config: { tokne: "t" } } })).toThrow(
      /`auth.config.tokne`: unknown key; did you mean `token`\?/,
    );
    expect(keysAt(Config, ["auth", "config"])).toEqual(["token"]);
  });

  test("a wrong type names the path and the expected type", () => {
    expect(() => parseConfig(Config, { path: 3 }, { path: "pipeline.source.config" })).toThrow(
      /`pipeline.source.config.path`: Invalid input: expected string, received number/,
    );
  });
});

describe("secrets", () => {
  const Config = z.strictObject({
    host: z.string(),
    password: secret(z.string()),
    api_token: z.string().optional(),
    headers: secret(z.record(z.string(), z.string())).optional(),
    nested: z.object({ client_secret: z.string() }).optional(),
  });
  const value = {
    host: "db",
    password: "p4ssw0rd!",
    api_token: "tok-123456",
    headers: { "X-Api-Key": "key-abcdef" },
    nested: { client_secret: "cs-987654" },
  };

  test("redactConfig masks marked and well-known secret fields and nothing else", () => {
    expect(redactConfig(schemaFor(Config), value)).toEqual({
      host: "db",
      password: "***",
      api_token: "***",
      headers: { "X-Api-Key": "***" },
      nested: { client_secret: "***" },
    });
  });

  test("registerConfigSecrets makes every secret vanish from any later text", () => {
    registerConfigSecrets(schemaFor(Config), value);
    const text = redactSecrets(`p4ssw0rd! tok-123456 key-abcdef cs-987654 db`);
    expect(text).toBe("*** *** *** *** db");
  });
});
