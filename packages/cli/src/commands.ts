/**
 * The command table: names, options and help texts. Kept free of imports so `faucet --help`
 * and `faucet --version` load nothing else.
 */

/** One option of a command, in `node:util` parseArgs form. */
export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
}

/** One command. */
export interface CommandSpec {
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  help: string;
}

const common = {
  help: { type: "boolean", short: "h" },
  "log-level": { type: "string" },
  "log-format": { type: "string" },
} as const satisfies Record<string, OptionSpec>;

export const COMMANDS: Record<string, CommandSpec> = {
  run: {
    summary: "Run a pipeline",
    usage:
      "faucet run [config] [--dry-run] [--limit N] [--state-path DIR] [--output text|json] [--log-level LEVEL] [--log-format auto|text|json] [--metrics-linger SECONDS]",
    options: {
      ...common,
      "dry-run": { type: "boolean" },
      limit: { type: "string" },
      "state-path": { type: "string" },
      output: { type: "string", short: "o" },
      "metrics-linger": { type: "string" },
    },
    help: `Runs the pipeline in [config] (default: faucet.yaml, faucet.yml, faucet.json or faucet.config.ts
in the working directory). A sibling .env file is read; the process environment wins.

Options:
  --dry-run            read and transform, write nothing and save no state
  --limit N            stop after writing N records
  --state-path DIR     keep bookmarks as files in DIR (overrides pipeline.state)
  -o, --output FORMAT  text (default) or json: one JSON summary on stdout
  --log-level LEVEL    debug, info (default), warn or error; debug logs one line per page
  --log-format FORMAT  auto (default: text on a terminal, else json), text, or json: one JSON
                       object per line (pino), each with the run's run_id; logs go to stderr
  --metrics-linger N   with observability.prometheus.listen set, keep serving /metrics N seconds
                       after the run so a scrape sees the final counts (Ctrl-C ends it early)

On a terminal a live status line shows records read and written, pages, rows/s, elapsed time
and the current bookmark. With observability.prometheus.listen in the config, /metrics is served
there while the run lasts; an OpenTelemetry SDK registered with node --import gets its spans
(docs/observability.md). Ctrl-C (SIGINT) or SIGTERM cancels gracefully: what was written is
flushed, the bookmark saved, and faucet exits 130; a second signal exits at once.

Exit codes: 0 success, 1 run failed, 2 config invalid, 130 cancelled.`,
  },
  validate: {
    summary: "Check a config without running it",
    usage: "faucet validate [config] [--output text|json]",
    options: { ...common, output: { type: "string", short: "o" } },
    help: `Parses, interpolates and resolves [config], validates every connector's config against its
schema, builds the connectors (no I/O), works out the delivery guarantee, and prints the resolved
pipeline with secrets redacted. A pipeline asking for delivery: exactly_once that cannot have it
is refused.

Options:
  -o, --output FORMAT  text (default) or json

Exit codes: 0 valid, 2 invalid.`,
  },
  schema: {
    summary: "Print JSON Schema for the config or one connector",
    usage: "faucet schema config | source <type> | sink <type> | transform <type> | state <type>",
    options: { ...common },
    help: `Prints JSON Schema (draft 2020-12):
  faucet schema config            the whole pipeline document (for editors and CI)
  faucet schema source <type>     one source's config
  faucet schema sink <type>       one sink's config
  faucet schema transform <type>  one transform's config
  faucet schema state <type>      one state store's config

Point yaml-language-server at it with a first line such as
  # yaml-language-server: $schema=./faucet.schema.json`,
  },
  init: {
    summary: "Write a commented pipeline YAML for a source and a sink",
    usage: "faucet init [name] --source X --sink Y [--file PATH] [--force]",
    options: {
      ...common,
      source: { type: "string", short: "s" },
      sink: { type: "string", short: "k" },
      file: { type: "string", short: "f" },
      force: { type: "boolean" },
    },
    help: `Writes a pipeline YAML generated from the two connectors' schemas: required fields get a
typed placeholder and a "# REQUIRED" comment; optional fields are listed as comments with their
descriptions, defaults and allowed values.

Options:
  -s, --source TYPE    source type (see \`faucet list\`)
  -k, --sink TYPE      sink type
  -f, --file PATH      where to write (default: faucet.yaml; "-" prints to stdout)
  --force              overwrite an existing file`,
  },
  list: {
    summary: "List every source, sink, transform and state store",
    usage: "faucet list [--json]",
    options: { ...common, json: { type: "boolean" } },
    help: `Lists built-in and installed connectors, transforms and state stores with one line each.
Installed packages named faucet-source-*, faucet-sink-*, faucet-transform-* and faucet-state-*
are found in node_modules from the working directory up.

Options:
  --json   print a JSON array instead`,
  },
  preview: {
    summary: "Print the first records (after transforms) as JSON Lines",
    usage: "faucet preview [config] [--limit N]",
    options: { ...common, limit: { type: "string", short: "n" } },
    help: `Reads the source of [config], applies the transforms, and prints the first N records as JSON
Lines on stdout. Writes nothing to the sink and saves no state.

Options:
  -n, --limit N   how many records (default 10)`,
  },
  doctor: {
    summary: "Run every connector's pre-flight checks",
    usage: "faucet doctor [config] [--output text|json]",
    options: { ...common, output: { type: "string", short: "o" } },
    help: `Builds the connectors of [config] and runs each one's non-mutating check() probes (connect,
permissions, file exists, …), printing pass, fail or skip with the reason, and the number of
failures.

Options:
  -o, --output FORMAT  text (default) or json

Exit codes: 0 every probe passed, 1 a probe failed, 2 config invalid.`,
  },
  test: {
    summary: "Test transforms against fixture records",
    usage: "faucet test <spec> [--output text|json]",
    options: { ...common, output: { type: "string", short: "o" } },
    help: `Runs a transform test spec: each case feeds its \`input\` records through the transforms (and
dead-letter routing) with an in-memory source and checks what a capturing sink received against
\`expect\`. No database, file or network is touched. A spec may take its transforms from a
pipeline file (\`pipeline: faucet.yaml\`). The spec format: docs/transforms.md.

Options:
  -o, --output FORMAT  text (default: one line per case) or json

Exit codes: 0 every case passed, 1 a case failed, 2 the spec is invalid.`,
  },
  new: {
    summary: "Scaffold a connector package from the template",
    usage: "faucet new source|sink <name> [--dir DIR]",
    options: { ...common, dir: { type: "string", short: "d" } },
    help: `Creates faucet-source-<name> (or faucet-sink-<name>) from the connector template: a package
that builds, passes the conformance battery, and is ready for your I/O code.

Options:
  -d, --dir DIR   parent directory (default: the working directory)`,
  },
  dlq: {
    summary: "Inspect or replay a dead-letter file",
    usage:
      "faucet dlq inspect <path> [--samples N] [--output text|json] | faucet dlq replay [config] [--from PATH] [--failed-dlq PATH] [--transforms auto|all|none] [--dry-run] [--output text|json]",
    options: {
      ...common,
      samples: { type: "string" },
      from: { type: "string" },
      "failed-dlq": { type: "string" },
      transforms: { type: "string" },
      "dry-run": { type: "boolean" },
      "state-path": { type: "string" },
      output: { type: "string", short: "o" },
    },
    help: `faucet dlq inspect <path>
  Summarizes a JSON Lines dead-letter file in one streamed pass: how many records, by reason, by
  error kind and by pipeline, the first and last timestamps, a few samples, and every malformed
  line by number.

faucet dlq replay [config]
  Sends the payload of every envelope in the pipeline's dead-letter file (pipeline.dlq.sink, a
  jsonl sink, or --from) through the pipeline's sink again. Rows a transform rejected go through
  the transforms first (--transforms auto). Rows that fail again are appended to a new file
  (default <name>.replay-failed.jsonl beside it); the replayed file is never changed. Progress is
  saved in the pipeline's state store, so an interrupted replay resumes and a second replay of the
  same file re-sends nothing. Holds the pipeline's lease: refused while a run is active.

Options:
  --samples N               inspect: how many sample envelopes to show (default 5)
  --from PATH               replay: the dead-letter file (default: pipeline.dlq.sink's path)
  --failed-dlq PATH         replay: where rows that fail again go
  --transforms MODE         replay: auto (default: only transform-rejected rows), all or none
  --dry-run                 replay: read and transform, write nothing, save no progress
  --state-path DIR          replay: keep progress as files in DIR (overrides pipeline.state)
  -o, --output FORMAT       text (default) or json

Exit codes: 0 done, 1 the replay failed (or a budget was exceeded), 2 invalid command or config,
130 cancelled. Guide: docs/dlq.md.`,
  },
  state: {
    summary: "Show, set, delete or list bookmarks",
    usage: "faucet state get|set|delete|list [config] [json-value] [--key KEY] [--state-path DIR] [--output text|json]",
    options: {
      ...common,
      key: { type: "string" },
      "state-path": { type: "string" },
      output: { type: "string", short: "o" },
    },
    help: `Reads and repairs the bookmarks in the pipeline's state store (pipeline.state):
  faucet state get [config]             print the bookmark as JSON
  faucet state set [config] <json>      replace it (<json> is a JSON value; - reads stdin)
  faucet state delete [config]          remove it: the next run starts from the beginning
  faucet state list [config]            every key in the store

The key is the one \`faucet run\` uses for this pipeline (the source's own state key, else the
pipeline name); --key picks another. set and delete hold the key's lease while they change it, so
they fail with "already running" while a run holds it.

Options:
  --key KEY              the state key (default: the pipeline's own)
  --state-path DIR       use a file store in DIR (overrides pipeline.state)
  -o, --output FORMAT    text (default) or json

Exit codes: 0 done, 1 the store failed or the key is held by a run, 2 invalid command or config.
Guide: docs/state.md.`,
  },
};

/** The text of `faucet --help`. */
export function mainHelp(version: string): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `faucet ${version}: move data with config-driven pipelines

Usage: faucet <command> [options]

Commands:
${lines.join("\n")}

Options:
  -h, --help      help for faucet or a command (faucet run --help)
  -V, --version   print the version

Exit codes: 0 success, 1 run failed, 2 config invalid, 130 cancelled.
Docs: docs/cli.md (commands) and docs/config.md (every config key).
`;
}

/** The text of `faucet <command> --help`. */
export function commandHelp(name: string): string {
  const c = COMMANDS[name];
  if (!c) return "";
  return `Usage: ${c.usage}\n\n${c.summary}.\n\n${c.help}\n`;
}
