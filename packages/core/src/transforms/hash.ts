import * as crypto from "node:crypto";
import { secret, z } from "../config.js";
import { defineTransform } from "../define.js";
import * as code from "./codegen.js";
import { fusable } from "./fuse.js";
import { BoundedCache } from "./shared.js";
import { canonicalJson } from "./values.js";

export const HashConfig = z
  .strictObject({
    fields: z.array(z.string()).min(1).describe("Fields to hash; with `into`, exactly one"),
    algorithm: z
      .enum(["sha256"])
      .default("sha256")
      .describe("Hash algorithm: sha256 (the default; faucet-stream's blake3 is not available here)"),
    encoding: z.enum(["hex", "base64"]).default("hex").describe("Digest encoding: hex (default, lowercase) or base64"),
    salt: secret(z.string())
      .optional()
      // biome-ignore lint/suspicious/noTemplateCurlyInString: faucet config syntax, not a template
      .describe("Text prepended to the value before hashing; keep it secret, e.g. `${env:HASH_SALT}`"),
    into: z
      .string()
      .optional()
      .describe("Field to write the digest to, leaving the source intact (only with exactly one field)"),
  })
  .superRefine((config, ctx) => {
    if (config.into !== undefined && config.fields.length !== 1) {
      ctx.addIssue({ code: "custom", path: ["into"], message: "`into` is only valid with exactly one field" });
    }
  });
export type HashTransformConfig = z.input<typeof HashConfig>;

type Encoding = "hex" | "base64";

// crypto.hash (Node ≥ 20.12) hashes a string in one call, about twice as fast as createHash.
const oneShot = (crypto as unknown as { hash?: (algorithm: string, data: string, encoding: Encoding) => string }).hash;

function digest(input: string, encoding: Encoding): string {
  if (oneShot) return oneShot("sha256", input, encoding);
  return crypto.createHash("sha256").update(input).digest(encoding);
}

/**
 * `hash`: replaces each listed field (or writes `into`) with the SHA-256 of its value: strings
 * over their UTF-8 bytes, other values over their canonical JSON (sorted keys); `salt` is
 * prepended. Null and missing fields are left alone, so nullability survives. Digests of values
 * seen recently are cached: low-cardinality columns hash once per distinct value.
 */
export const hashDefinition = defineTransform({
  type: "hash",
  description: "Hash listed fields (SHA-256, optional salt) into stable, join-able tokens.",
  config: HashConfig,
  create: ({ fields, encoding, salt, into }) => {
    const keys = [...new Set(fields)];
    const prefix = salt ?? "";
    const cache = new BoundedCache<string>(4_096);
    const hashOf = (text: string): string => {
      let out = cache.get(text);
      if (out === undefined) {
        out = digest(prefix + text, encoding);
        cache.set(text, out);
      }
      return out;
    };
    const body = keys
      .map(
        (key) => `{ const v = ${code.readField(key)};
    if (v !== undefined && v !== null) { ${code.writeField(into ?? key, 'H.hash(typeof v === "string" ? v : H.canonical(v))')} } }`,
      )
      .join("\n");
    const stage = code.compileRecordLoop("hash", body, { hash: hashOf, canonical: canonicalJson });
    return fusable(stage, (chain) => {
      const hash = chain.helper(hashOf);
      const canonical = chain.helper(canonicalJson);
      for (const key of keys) {
        const v = chain.find(key)?.local;
        if (!v) continue;
        let target = chain.find(into ?? key);
        if (!target) {
          // A new \`into\` field exists only for values that are hashed.
          chain.emit(`if (${v} === undefined || ${v} === null) return BAIL;`);
          target = chain.add(into as string, "undefined");
        }
        chain.emit(
          `if (${v} !== undefined && ${v} !== null) ${target.local} = ${hash}(typeof ${v} === "string" ? ${v} : ${canonical}(${v}));`,
        );
      }
      return true;
    });
  },
});
