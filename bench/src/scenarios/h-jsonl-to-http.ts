// Scenario H: a JSON Lines file into an ingest API on loopback through the `http` sink, in array
// mode (one JSON array per 1,000 records) and in individual mode (one request per record,
// `concurrency` in flight over keep-alive), beside a client that only sends the file's lines the
// same two ways: the server's own limit.
import { createHash } from "node:crypto";
import { createWriteStream, existsSync, readFileSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { defineScenario, type ReferenceTool, type ScenarioContext, type Verification } from "../harness/scenario.js";
import { faucetCommand, faucetUnavailable, faucetVersion } from "../harness/tools.js";
import { canonicalJsonLine } from "../harness/verify.js";

const ARRAY_SIZE = 1000;
const CONCURRENCY = 16;

/** What the API stored per output name: the raw request bodies, parsed only when verified. */
const received = new Map<string, Buffer[]>();
let server: Server | undefined;
let baseUrl = "";

/** One record: nine fields of the usual kinds (~170 bytes of JSON), like scenario REST's. */
function record(id: number) {
  return {
    id,
    uuid: `00000000-0000-4000-8000-${String(id).padStart(12, "0")}`,
    name: `customer ${id}`,
    email: `user${id}@example.com`,
    amount: Math.round(id * 7919) / 100,
    currency: id % 3 === 0 ? "EUR" : "USD",
    active: id % 2 === 0,
    created_at: new Date(Date.UTC(2024, 0, 1) + id * 1000).toISOString(),
    tags: ["a", `t${id % 10}`],
  };
}

const inputPath = (ctx: ScenarioContext) => join(ctx.dataDir, `http-${ctx.rows}.jsonl`);
const configPath = (ctx: ScenarioContext, mode: string) => join(ctx.outDir, `faucet-${mode}.yaml`);
const endpoint = (output: string) => `${baseUrl}/ingest/${encodeURIComponent(output)}`;

async function writeInput(ctx: ScenarioContext): Promise<void> {
  if (existsSync(inputPath(ctx))) return;
  // Written beside, then renamed: an interrupted run never leaves a short input behind.
  const partial = `${inputPath(ctx)}.partial`;
  const out = createWriteStream(partial);
  for (let start = 1; start <= ctx.rows; start += 10_000) {
    let chunk = "";
    for (let id = start; id < Math.min(ctx.rows + 1, start + 10_000); id++) chunk += `${JSON.stringify(record(id))}\n`;
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
  }
  await new Promise((resolve) => out.end(resolve));
  await rename(partial, inputPath(ctx));
}

/** The ingest API: stores each body under the output named in the path, answers 200 at once. */
async function startApi(): Promise<void> {
  server = createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? "").replace(/^\/ingest\//, ""));
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const bodies = received.get(name) ?? [];
      bodies.push(Buffer.concat(chunks));
      received.set(name, bodies);
      res.writeHead(200, { "content-type": "application/json", "content-length": 2 });
      res.end("{}");
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function faucetYaml(ctx: ScenarioContext, mode: "array" | "individual"): string {
  const output = `faucet-${mode}`;
  return [
    `# Scenario H (${mode} mode). Written by bench/src/scenarios/h-jsonl-to-http.ts.`,
    "version: 1",
    `name: bench_http_${mode}`,
    "pipeline:",
    "  source:",
    "    type: jsonl",
    "    config:",
    `      path: ${JSON.stringify(inputPath(ctx))}`,
    "  sink:",
    "    type: http",
    "    config:",
    `      url: ${endpoint(output)}`,
    `      batch_mode: ${mode}`,
    `      batch_size: ${ARRAY_SIZE}`,
    `      concurrency: ${mode === "array" ? 1 : CONCURRENCY}`,
    "      max_retries: 0",
    "  state:",
    "    type: memory",
    "",
  ].join("\n");
}

/**
 * The server's limit: sends the file's lines without faucet — one request per line over
 * `CONCURRENCY` keep-alive sockets, or one array per 1,000 lines — splicing text, parsing nothing.
 */
function drainTool(ctx: ScenarioContext, mode: "array" | "individual"): ReferenceTool {
  const output = `drain-${mode}`;
  const script = `
const http = require("node:http"); const fs = require("node:fs");
const [url, file, mode, concurrency, size] = process.argv.slice(1);
const agent = new http.Agent({ keepAlive: true, maxSockets: +concurrency });
const lines = fs.readFileSync(file, "utf8").split("\\n").filter((l) => l !== "");
const bodies = [];
if (mode === "individual") bodies.push(...lines);
else for (let i = 0; i < lines.length; i += +size) bodies.push("[" + lines.slice(i, i + +size).join(",") + "]");
const send = (body) => new Promise((ok, fail) => {
  const req = http.request(url, { method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => { res.resume(); res.on("end", ok); });
  req.on("error", fail); req.end(body);
});
let next = 0;
const worker = async () => { while (next < bodies.length) await send(bodies[next++]); };
Promise.all(Array.from({ length: mode === "individual" ? +concurrency : 1 }, worker)).then(() => agent.destroy());
`;
  return {
    name: `server limit (${mode}${mode === "individual" ? `, ${CONCURRENCY} in flight` : ""})`,
    unavailable: async () => undefined,
    command: {
      argv: [
        process.execPath,
        "-e",
        script,
        endpoint(output),
        inputPath(ctx),
        mode,
        String(CONCURRENCY),
        String(ARRAY_SIZE),
      ],
    },
    output,
  };
}

/** Row count and canonical hash of records given as JSON texts (objects or arrays), in id order. */
function verifyRecords(texts: Iterable<string>): Verification {
  const lines: Array<{ id: number; line: string }> = [];
  for (const text of texts) {
    const parsed = JSON.parse(text) as unknown;
    for (const item of Array.isArray(parsed) ? parsed : [parsed]) {
      lines.push({ id: (item as { id: number }).id, line: JSON.stringify(item) });
    }
  }
  lines.sort((a, b) => a.id - b.id);
  const hash = createHash("sha256");
  for (const { line } of lines) hash.update(`${JSON.stringify(canonicalJsonLine(line))}\n`);
  return { rows: lines.length, contentHash: hash.digest("hex") };
}

export default defineScenario({
  id: "H",
  title: "JSONL → HTTP",
  description:
    "A JSON Lines file of ~170-byte records (nine fields) sent with `faucet run` by the `http` " +
    "sink to an ingest API on loopback that stores each body and answers 200 at once: in array " +
    `mode (\`faucet\`: one JSON array per ${ARRAY_SIZE.toLocaleString("en-US")} records, one ` +
    `request in flight) and in individual mode (\`faucet, individual\`: one request per record, ` +
    `${CONCURRENCY} in flight over keep-alive). The server-limit rows send the file's lines the ` +
    "same two ways from a plain Node client that parses nothing: how fast the API and loopback " +
    "allow. The API runs in the harness process; records are checked in id order.",
  defaultRows: 50_000,

  async setup(ctx) {
    await writeInput(ctx);
    await startApi();
    await writeFile(configPath(ctx, "individual"), faucetYaml(ctx, "individual"));
  },

  faucetConfig: (ctx) => faucetYaml(ctx, "array"),
  faucetOutput: () => "faucet-array",

  references(ctx) {
    return [
      {
        name: "faucet, individual",
        version: async () => faucetVersion(ctx.root),
        unavailable: async () => faucetUnavailable(ctx.root),
        command: faucetCommand(ctx.root, configPath(ctx, "individual")),
        output: "faucet-individual",
      },
      drainTool(ctx, "array"),
      drainTool(ctx, "individual"),
    ];
  },

  expected: async (ctx) =>
    verifyRecords(
      readFileSync(inputPath(ctx), "utf8")
        .split("\n")
        .filter((l) => l !== ""),
    ),
  reset: async (_ctx, output) => {
    received.set(output, []);
  },
  verify: async (_ctx, output) => verifyRecords((received.get(output) ?? []).map((body) => body.toString("utf8"))),

  async teardown() {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
    received.clear();
  },
});
