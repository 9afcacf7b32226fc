import { randomUUID } from "node:crypto";
import { z } from "../config.js";
import { defineTransform } from "../define.js";
import type { TransformContext } from "../transform.js";
import type { Value } from "../value.js";
import * as code from "./codegen.js";
import { fusable } from "./fuse.js";
import { cloneValue, isPlainObject, named, writeField } from "./shared.js";

/**
 * The run-time references a `set` value may contain, as `${name}`. They are fixed for a whole
 * run (the clock is the run's start, not the moment a record passes), except `page.index`.
 */
export const RUN_REFERENCES = {
  "now.iso": "the run's start as an RFC 3339 UTC timestamp with milliseconds, e.g. 2024-05-01T12:00:00.000Z",
  "now.datetime": "the same as now.iso (faucet-stream's spelling)",
  "now.date": "the run's start date (UTC), e.g. 2024-05-01",
  "now.year": "the run's start year (UTC), e.g. 2024",
  "now.month": "the run's start month (UTC, two digits), e.g. 05",
  "now.day": "the run's start day of the month (UTC, two digits), e.g. 01",
  "now.hour": "the run's start hour (UTC, two digits), e.g. 12",
  "now.minute": "the run's start minute (two digits)",
  "now.second": "the run's start second (two digits)",
  "now.unix": "the run's start in whole seconds since 1970-01-01 (a number)",
  "now.epoch_ms": "the run's start in milliseconds since 1970-01-01 (a number)",
  "run.id": "a unique id for the run (a UUID), the same in every stage of the run",
  "pipeline.name": "the pipeline's name",
  "page.index": "the 0-based number of the page within the run (a number)",
} as const;

type Reference = keyof typeof RUN_REFERENCES;

const runIds = new WeakMap<Date, string>();

/**
 * The id of the run that started at `startedAt`: the Pipeline hands every stage the same Date
 * object for the whole run, so it identifies the run. A test may pin it with {@link pinRunId}.
 */
export function runIdOf(startedAt: Date): string {
  let id = runIds.get(startedAt);
  if (id === undefined) {
    id = randomUUID();
    runIds.set(startedAt, id);
  }
  return id;
}

/** Fixes the `run.id` of the run whose clock is `startedAt` (for deterministic tests). */
export function pinRunId(startedAt: Date, id: string): void {
  runIds.set(startedAt, id);
}

function resolveReference(name: Reference, ctx: TransformContext): Value {
  const at = ctx.runStartedAt;
  const iso = at.toISOString();
  switch (name) {
    case "now.iso":
    case "now.datetime":
      return iso;
    case "now.date":
      return iso.slice(0, 10);
    case "now.year":
      return iso.slice(0, 4);
    case "now.month":
      return iso.slice(5, 7);
    case "now.day":
      return iso.slice(8, 10);
    case "now.hour":
      return iso.slice(11, 13);
    case "now.minute":
      return iso.slice(14, 16);
    case "now.second":
      return iso.slice(17, 19);
    case "now.unix":
      return Math.floor(at.getTime() / 1000);
    case "now.epoch_ms":
      return at.getTime();
    case "run.id":
      return runIdOf(at);
    case "pipeline.name":
      return ctx.pipeline;
    case "page.index":
      return ctx.pageIndex;
  }
}

/** A string value split into literal text and references; `$${` escapes a literal `${`. */
type Template = (string | { ref: Reference })[];

const TEMPLATE = /\$\$\{|\$\{([^}]*)\}/g;

/** Parses the references in `text`; null when it has no `${`. Throws on an unknown reference. */
export function parseTemplate(text: string): Template | null {
  if (!text.includes("${")) return null;
  const parts: Template = [];
  let last = 0;
  for (const match of text.matchAll(TEMPLATE)) {
    const index = match.index as number;
    if (index > last) parts.push(text.slice(last, index));
    if (match[0] === "$${") parts.push("${");
    else {
      const name = (match[1] as string).trim();
      if (!Object.hasOwn(RUN_REFERENCES, name)) {
        throw new Error(
          `unknown reference \`\${${name}}\` (known: ${Object.keys(RUN_REFERENCES)
            .map((r) => `\${${r}}`)
            .join(", ")}; write $\${ for a literal \${)`,
        );
      }
      parts.push({ ref: name as Reference });
    }
    last = index + match[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

function renderTemplate(template: Template, ctx: TransformContext): Value {
  if (template.length === 1 && typeof template[0] === "object") return resolveReference(template[0].ref, ctx);
  let out = "";
  for (const part of template) out += typeof part === "string" ? part : String(resolveReference(part.ref, ctx));
  return out;
}

/** Every template in a value, found once at compile time. */
function hasTemplates(value: Value): boolean {
  if (typeof value === "string") return parseTemplate(value) !== null;
  if (Array.isArray(value)) return value.some(hasTemplates);
  if (isPlainObject(value)) return Object.values(value).some(hasTemplates);
  return false;
}

function renderValue(value: Value, ctx: TransformContext): Value {
  if (typeof value === "string") {
    const template = parseTemplate(value);
    return template === null ? value : renderTemplate(template, ctx);
  }
  if (Array.isArray(value)) return value.map((item) => renderValue(item, ctx));
  if (isPlainObject(value)) {
    const out: { [key: string]: Value } = {};
    for (const key in value) writeField(out, key, renderValue(value[key] as Value, ctx));
    return out;
  }
  return value;
}

export const SetConfig = z.strictObject({
  values: z
    .record(
      z.string(),
      z.json().superRefine((value, ctx) => {
        try {
          hasTemplates(value as Value);
        } catch (error) {
          ctx.addIssue({ code: "custom", message: (error as Error).message });
        }
      }),
    )
    .describe(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: faucet config syntax, not a template
      "Map of field name → value set on every record (overwriting). Strings may contain run-time references such as ${now.iso}, ${now.date}, ${now.unix}, ${now.epoch_ms}, ${run.id}, ${pipeline.name}, ${page.index}; a string that is exactly one numeric reference stays a number; $${ is a literal ${",
    ),
});
export type SetTransformConfig = z.input<typeof SetConfig>;

/** `set`: sets fields to constants and run-time values on every record. */
export const setDefinition = defineTransform({
  type: "set",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: faucet config syntax, not a template
  description: "Set named fields to constant values (and ${now.iso}-style run values) on every record.",
  config: SetConfig,
  create: ({ values }) => {
    const keys = Object.keys(values);
    const raw = keys.map((key) => values[key] as Value);
    const dynamic = raw.map(hasTemplates);
    const anyDynamic = dynamic.some(Boolean);
    // Values resolved for the current page: references are fixed per run (page.index per page).
    const resolved = raw.slice();
    const body = keys
      .map((key, k) => {
        const composite = typeof raw[k] === "object" && raw[k] !== null;
        return code.writeField(key, composite ? `H.clone(H.values[${k}])` : `H.values[${k}]`);
      })
      .join("\n");
    const loop = code.compileRecordLoop("set", body, { values: resolved, clone: cloneValue });
    if (!anyDynamic) {
      return fusable(loop, (chain) => {
        keys.forEach((key, k) => {
          const value = raw[k] as Value;
          const constant = chain.helper(value);
          const init =
            typeof value === "object" && value !== null ? `${chain.helper(cloneValue)}(${constant})` : constant;
          const field = chain.find(key);
          if (field) chain.emit(`${field.local} = ${init};`);
          else chain.add(key, init);
        });
        return true;
      });
    }
    return named("set", (records, ctx) => {
      for (let k = 0; k < keys.length; k++) if (dynamic[k]) resolved[k] = renderValue(raw[k] as Value, ctx);
      return loop(records, ctx);
    });
  },
});
