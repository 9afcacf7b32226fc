/** `faucet schema`: JSON Schema for the whole document or for one connector's config. */
import { readFileSync } from "node:fs";
import { FaucetError, schemaFor } from "faucet-core";
import type { Invocation } from "../bin.js";
import { documentSchema } from "../config/document-schema.js";
import { err, out } from "../output.js";
import { Registry } from "../registry/registry.js";
import { KINDS, type Kind } from "../registry/types.js";

const USAGE = "faucet schema config | source <type> | sink <type> | transform <type> | state <type>";

/** The generated whole-document schema of the built-in connectors. */
export function builtinDocumentSchema(): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL("../../schema/faucet.schema.json", import.meta.url), "utf8")) as Record<
    string,
    unknown
  >;
}

export default async function schema(invocation: Invocation): Promise<number> {
  const [what, type, extra] = invocation.positionals;
  if (what === "config" && type === undefined) {
    const cwd = process.cwd();
    const registry = await Registry.open({ searchFrom: [cwd] });
    const plugins = registry.entries().filter((e) => e.origin === "plugin");
    // Installed third-party connectors join the generated schema of the built-ins.
    const result =
      plugins.length === 0
        ? builtinDocumentSchema()
        : documentSchema({
            source: await registry.all("source"),
            sink: await registry.all("sink"),
            transform: await registry.all("transform"),
            state: await registry.all("state"),
          });
    for (const [name, why] of registry.broken) err(`[faucet] warning: skipped ${name}, which does not load: ${why}\n`);
    out(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  }
  if (!what || !(KINDS as readonly string[]).includes(what) || !type || extra !== undefined) {
    throw new FaucetError(
      "config",
      `schema: expected \`config\` or a kind and a type, got ${JSON.stringify(invocation.positionals.join(" "))}`,
      {
        hint: `usage: ${USAGE}`,
      },
    );
  }
  const registry = await Registry.open({ searchFrom: [process.cwd()] });
  const definition = await registry.definition(what as Kind, type, `${what}`);
  out(
    `${JSON.stringify({ title: `${what} ${type}`, description: definition.description, ...schemaFor(definition.config) }, null, 2)}\n`,
  );
  return 0;
}
