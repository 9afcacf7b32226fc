#!/usr/bin/env node
// Bundles connectors/template into packages/cli/template when faucet-cli is packed (`prepack`),
// so `faucet new` works from the published package; `--clean` removes the copy (`postpack`).
import { cpSync, rmSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const target = join(root, "packages/cli/template");
rmSync(target, { recursive: true, force: true });
if (!process.argv.includes("--clean")) {
  cpSync(join(root, "connectors/template"), target, {
    recursive: true,
    filter: (src) => !/[\\/](node_modules|dist)$/.test(src) && !src.endsWith(".tsbuildinfo"),
  });
}
