#!/usr/bin/env node
// Builds every workspace that has a tsconfig.json with one `tsc -b` call, so a new package
// needs no central list. Extra arguments go to tsc (e.g. --clean, --verbose).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const roots = ["packages", "connectors", "examples"];
const projects = roots
  .filter((root) => existsSync(root))
  .flatMap((root) => readdirSync(root).map((name) => join(root, name)))
  .concat("bench")
  .filter((dir) => existsSync(join(dir, "tsconfig.json")))
  .sort();
const tsc = join("node_modules", "typescript", "bin", "tsc");
const result = spawnSync(process.execPath, [tsc, "-b", ...projects, ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(result.status ?? 1);
