import { z } from "faucet-core";

/**
 * The Rust faucet-stream's S3 location block (`{type: s3, …}`): parsed, so that a Rust config
 * gets a precise message rather than a schema error, then refused by {@link refineLocation}.
 */
export const S3Location = z.looseObject({ type: z.literal("s3") });

/** The messages of {@link refineLocation}. */
export interface LocationRules {
  /** The key of the Rust location block beside `path`: `source` or `destination`. */
  block: string;
  /** When both `path` and the block are set, or neither. */
  exactlyOne: string;
  /** When the block is an S3 location. */
  s3: string;
}

/**
 * Checks a config that names its files either by `path` or by a Rust location block: exactly
 * one of the two, and not S3. Call it from the schema's `superRefine`.
 *
 * @example
 * .superRefine((config, ctx) => refineLocation(config, ctx, { block: "source", exactlyOne: "set `path` or `source`", s3: "S3 is not read" }))
 */
export function refineLocation(
  config: { path?: string | undefined },
  ctx: z.RefinementCtx,
  rules: LocationRules,
): void {
  const block = (config as Record<string, unknown>)[rules.block] as { type?: string } | undefined;
  if ((config.path === undefined) === (block === undefined)) {
    ctx.addIssue({ code: "custom", path: ["path"], message: rules.exactlyOne });
  }
  if (block?.type === "s3") ctx.addIssue({ code: "custom", path: [rules.block, "type"], message: rules.s3 });
}

/**
 * The file or glob a config names, whichever spelling it used: `path`, else the location
 * block's `path` (`{type: local_path}`) or `pattern` (`{type: glob}`).
 *
 * @example
 * locationPath(undefined, { type: "glob", pattern: "data/*.parquet" }); // "data/*.parquet"
 */
export function locationPath(path: string | undefined, block: unknown): string {
  if (path !== undefined) return path;
  const location = block as { path?: string; pattern?: string } | undefined;
  return location?.path ?? location?.pattern ?? "";
}
