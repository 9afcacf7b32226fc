/**
 * A run that saves no bookmark must leave no state behind: the file state store's directory is
 * created on demand (by a bookmark, or by the run's state lease), so when this run created it and
 * it is still empty afterwards, it is removed again, with the `.faucet` folder above it.
 */
import { existsSync, readdirSync, rmdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { ResolvedPipeline } from "./config/resolve.js";

/** Records which directories of the `file` state store do not exist yet; `undo()` removes them if empty. */
export function watchStateDirectory(resolved: ResolvedPipeline): { undo(): void } {
  if (resolved.state.type !== "file") return { undo() {} };
  const path = (resolved.state.config as { path?: string }).path ?? ".faucet/state";
  const directory = resolve(resolved.loaded.baseDir, path);
  const missing: string[] = [];
  for (let dir = directory; !existsSync(dir); dir = dirname(dir)) {
    missing.push(dir);
    if (dirname(dir) === dir) break;
  }
  return {
    undo() {
      for (const dir of missing) {
        try {
          if (existsSync(dir) && readdirSync(dir).length === 0) rmdirSync(dir);
        } catch {
          // Someone else is using it: leave it.
        }
      }
    },
  };
}
