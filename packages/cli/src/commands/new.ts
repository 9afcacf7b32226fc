/**
 * `faucet new source|sink <name>`: a standalone connector package copied from the template
 * (connectors/template in the repository; bundled into the published faucet-cli), renamed, with
 * its own build and test scripts, ready to pass the conformance battery.
 */
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { FaucetError } from "faucet-core";
import type { Invocation } from "../bin.js";
import { EXIT, err } from "../output.js";

/** Tool versions the scaffold pins, matching the ones faucet itself is built and tested with. */
const TOOLS = { "@types/node": "20.19.43", typescript: "6.0.3", vitest: "4.1.12" };

/** The compiler options of the scaffold: the faucet workspace's, standalone. */
const COMPILER_OPTIONS = {
  target: "ES2022",
  module: "NodeNext",
  moduleResolution: "NodeNext",
  lib: ["ES2023"],
  types: ["node"],
  strict: true,
  noUncheckedIndexedAccess: true,
  noImplicitOverride: true,
  noFallthroughCasesInSwitch: true,
  useUnknownInCatchVariables: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
  declaration: true,
  sourceMap: true,
  skipLibCheck: true,
  esModuleInterop: true,
  resolveJsonModule: true,
  forceConsistentCasingInFileNames: true,
  rootDir: "src",
  outDir: "dist",
};

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

function walk(dir: string, visit: (file: string) => void): void {
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) walk(full, visit);
    else visit(full);
  }
}

function coreVersion(): string {
  const url = import.meta.resolve("faucet-core/package.json");
  return (JSON.parse(readFileSync(fileURLToPath(url), "utf8")) as { version: string }).version;
}

function manifest(template: Record<string, unknown>, pkg: string, kind: string, name: string): string {
  const { private: _, scripts: __, devDependencies: ___, ...rest } = template;
  const version = coreVersion();
  return `${JSON.stringify(
    {
      ...rest,
      name: pkg,
      version: "0.1.0",
      description: `faucet ${kind}: ${name} (describe what it reads or writes)`,
      keywords: ["faucet", "faucet-connector", name],
      scripts: { build: "tsc -p tsconfig.json", test: "tsc -p tsconfig.json && vitest run" },
      peerDependencies: { "faucet-core": "*" },
      devDependencies: { ...TOOLS, "faucet-conformance": version, "faucet-core": version },
    },
    null,
    2,
  )}\n`;
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
  const skip = new Set(["node_modules", "dist"]);
  cpSync(template, target, {
    recursive: true,
    filter: (src) => !skip.has(src.split(/[\\/]/).pop() ?? "") && !src.endsWith(".tsbuildinfo"),
  });
  // One name everywhere: the package suffix is the YAML type.
  const type = name;
  const replacements: [RegExp, string][] = [
    [/faucet-connector-template/g, pkg],
    [/\b(source|sink)-template\b/g, `$1-${name}`],
    [/Template(?=[A-Z])/g, pascal(name)],
    [/type: "template"/g, `type: "${type}"`],
    [/type: template\b/g, `type: ${type}`],
  ];
  walk(target, (file) => {
    const text = readFileSync(file, "utf8");
    let next = text;
    for (const [pattern, value] of replacements) next = next.replace(pattern, value);
    if (next !== text) writeFileSync(file, next);
  });
  const templateManifest = JSON.parse(readFileSync(join(template, "package.json"), "utf8")) as Record<string, unknown>;
  writeFileSync(join(target, "package.json"), manifest(templateManifest, pkg, kind, name));
  writeFileSync(
    join(target, "tsconfig.json"),
    `${JSON.stringify({ compilerOptions: COMPILER_OPTIONS, include: ["src"] }, null, 2)}\n`,
  );
  writeFileSync(join(target, ".gitignore"), "node_modules/\ndist/\n");
  const testFile = join(target, "test", "template.test.ts");
  if (existsSync(testFile)) renameSync(testFile, join(target, "test", `${name}.test.ts`));
  err(
    `created ${target}: a ${kind} package named ${pkg} (YAML type: ${type}).\n` +
      "It has the template's source and sink: keep the one you need, replace src/memory.ts with your system's client.\n" +
      `next: cd ${pkg} && npm install && npm test\n`,
  );
  return EXIT.ok;
}
