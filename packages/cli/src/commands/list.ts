/** `faucet list`: every source, sink, transform and state store, without importing any of them. */
import type { Invocation } from "../bin.js";
import { staticEntries } from "../registry/static.js";
import { KINDS } from "../registry/types.js";

const TITLES = { source: "Sources", sink: "Sinks", transform: "Transforms", state: "State stores" } as const;

export default async function list(invocation: Invocation): Promise<number> {
  const entries = staticEntries([process.cwd()]);
  const duplicates = new Set<string>();
  const seen = new Map<string, string>();
  for (const e of entries) {
    const key = `${e.kind}:${e.type}`;
    const other = seen.get(key);
    if (other !== undefined && other !== e.package) duplicates.add(key);
    seen.set(key, e.package);
  }
  if (invocation.values.json) {
    const rows = entries.map((e) => ({
      kind: e.kind,
      type: e.type,
      package: e.package,
      description: e.description,
      origin: e.origin,
      ...(duplicates.has(`${e.kind}:${e.type}`) ? { duplicate: true } : {}),
    }));
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  } else {
    const width = Math.max(8, ...entries.map((e) => e.type.length));
    const blocks: string[] = [];
    for (const kind of KINDS) {
      const rows = entries
        .filter((e) => e.kind === kind)
        .sort((a, b) => a.type.localeCompare(b.type))
        .map((e) => {
          const mark = duplicates.has(`${e.kind}:${e.type}`) ? " [DUPLICATE TYPE]" : "";
          const from = e.origin === "plugin" ? ` (${e.package})` : "";
          return `  ${e.type.padEnd(width)}  ${e.description}${from}${mark}`;
        });
      blocks.push(`${TITLES[kind]}:\n${rows.length ? rows.join("\n") : "  (none)"}`);
    }
    process.stdout.write(`${blocks.join("\n\n")}\n`);
  }
  if (duplicates.size > 0) {
    process.stderr.write(
      `[faucet] two packages claim the same type: ${[...duplicates].join(", ")} (hint: uninstall one of them)\n`,
    );
    return 1;
  }
  return 0;
}
