/** `faucet new source|sink <name>`: a connector package copied from the template. */
import { cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { FaucetError } from "faucet-core";
import type { Invocation } from "../bin.js";
import { EXIT, err } from "../output.js";

/** Where the template is: bundled in the published package, or connectors/template in the repository. */
export function templateDirectory(): string {
  const candidates = [
    fileURLToPath(new URL("../../template", import.meta.url)),
    fileURLToPath(new URL("../../../../connectors/template", import.meta.url)),
  ];
  const found = candidates.find((dir) => existsSync(join(dir, "package.json")));
  if (!found) {
    throw new FaucetError("config", "the connector template is missing from this faucet-cli installation", {
      hint: "reinstall faucet-cli",
    });
  }
  return found;
}

function pascal(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => (w[0] as string).toUpperCase() + w.slice(1))
    .join("");
}

const SKIP = new Set(["node_modules", "dist", ".tsbuildinfo"]);

function walk(dir: string, visit: (file: string) => void): void {
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) walk(full, visit);
    else visit(full);
  }
}

export default async function scaffold(invocation: Invocation): Promise<number> {
  const [kind, name, extra] = invocation.positionals;
  if ((kind !== "source" && kind !== "sink") || !name || extra !== undefined) {
    throw new FaucetError("config", "new needs a kind (source or sink) and a name", {
      hint: "usage: faucet new source|sink <name>, e.g. faucet new source my-api",
    });
  }
  if (!/^[a-z][a-z0-9-]*$/.test(name)) {
    throw new FaucetError(
      "config",
      `connector name ${JSON.stringify(name)} must be lowercase letters, digits and dashes`,
      {
        hint: "e.g. faucet new source my-api",
      },
    );
  }
  const pkg = `faucet-${kind}-${name}`;
  const parent = resolve(process.cwd(), (invocation.values.dir as string | undefined) ?? ".");
  const target = join(parent, pkg);
  if (existsSync(target)) {
    throw new FaucetError("config", `${target} already exists`, { hint: "choose another name or --dir" });
  }
  const template = templateDirectory();
  cpSync(template, target, { recursive: true, filter: (src) => !SKIP.has(src.split(/[\\/]/).pop() ?? "") });
  const replacements: [RegExp, string][] = [
    [/faucet-(source|sink)-template/g, pkg],
    [/(source|sink)-template/g, `${kind}-${name}`],
    [/Template(Source|Sink)/g, `${pascal(name)}$1`],
    [/TemplateConfig/g, `${pascal(name)}Config`],
    [/type: "template"/g, `type: "${name}"`],
  ];
  walk(target, (file) => {
    const text = readFileSync(file, "utf8");
    let next = text;
    for (const [pattern, value] of replacements) next = next.replace(pattern, value);
    if (next !== text) writeFileSync(file, next);
  });
  err(`created ${target}\nnext: cd ${pkg} && npm install && npm test\n`);
  return EXIT.ok;
}
