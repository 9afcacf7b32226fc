// Scenario REST: a paged JSON API on loopback (1,000 records per page, 2 ms before each
// response) read by the `rest` source into JSON Lines, sequentially and as 4 partitions, beside
// a client that only downloads the pages and splices them into JSONL: the server's own limit.
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { defineScenario, type ReferenceTool, type ScenarioContext, type Verification } from "../harness/scenario.js";
import { faucetCommand, faucetUnavailable, faucetVersion, outputPath } from "../harness/tools.js";
import { canonicalJsonLine } from "../harness/verify.js";

const PER_PAGE = 1000;
const LATENCY_MS = 2;
const PARTITIONS = 4;

let server: Server | undefined;
let baseUrl = "";

/** One record: nine fields of the usual kinds (~170 bytes of JSON); no objects inside arrays. */
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

const pageCount = (ctx: ScenarioContext) => Math.ceil(ctx.rows / PER_PAGE);
const expectedPath = (ctx: ScenarioContext) => join(ctx.outDir, "expected.jsonl");
const configPath = (ctx: ScenarioContext, partitions: number) => join(ctx.outDir, `faucet-${partitions}.yaml`);

/**
 * Starts the API: `/items?offset=&limit=` pages through every record, `/shards/{s}/items` through
 * a quarter each; bodies are `{"total": n, "data": [...]}`, serialized once up front so the server
 * spends its time waiting, not encoding.
 */
async function startApi(ctx: ScenarioContext): Promise<void> {
  const pages: ReturnType<typeof record>[][] = [];
  const expected = createWriteStream(expectedPath(ctx));
  for (let p = 0; p < pageCount(ctx); p++) {
    const data = [];
    for (let id = p * PER_PAGE + 1; id <= Math.min(ctx.rows, (p + 1) * PER_PAGE); id++) data.push(record(id));
    expected.write(`${data.map((r) => JSON.stringify(r)).join("\n")}\n`);
    pages.push(data);
  }
  await new Promise((resolve) => expected.end(resolve));
  const serialize = (list: ReturnType<typeof record>[][]) => {
    const total = list.reduce((n, data) => n + data.length, 0);
    return list.map((data) => Buffer.from(JSON.stringify({ total, data })));
  };
  const all = serialize(pages);
  const perShard = Math.ceil(pages.length / PARTITIONS);
  const shards = Array.from({ length: PARTITIONS }, (_, s) => serialize(pages.slice(s * perShard, (s + 1) * perShard)));
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const page = Math.floor(Number(url.searchParams.get("offset") ?? 0) / PER_PAGE);
    const shard = /^\/shards\/(\d+)\/items$/.exec(url.pathname)?.[1];
    const list = shard === undefined ? all : (shards[Number(shard)] ?? []);
    const body = list[page] ?? Buffer.from('{"total":0,"data":[]}');
    setTimeout(() => {
      res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
      res.end(body);
    }, LATENCY_MS);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function faucetYaml(ctx: ScenarioContext, partitions: number): string {
  const source =
    partitions === 1
      ? ["      path: /items"]
      : [
          "      path: /shards/{shard}/items",
          `      partitions: [${Array.from({ length: partitions }, (_, s) => `{ shard: ${s} }`).join(", ")}]`,
          `      partition_concurrency: ${partitions}`,
        ];
  return [
    `# Scenario REST (${partitions === 1 ? "sequential" : `${partitions} partitions`}). Written by bench/src/scenarios/rest.ts.`,
    "version: 1",
    `name: bench_rest_${partitions}`,
    "pipeline:",
    "  source:",
    "    type: rest",
    "    config:",
    `      base_url: ${baseUrl}`,
    ...source,
    "      records_path: $.data",
    `      pagination: { type: offset, limit: ${PER_PAGE}, total_path: $.total }`,
    "  sink:",
    "    type: jsonl",
    "    config:",
    `      path: ${JSON.stringify(outputPath(ctx, `faucet-${partitions}.jsonl`))}`,
    "  state:",
    "    type: memory",
    "",
  ].join("\n");
}

/**
 * The server's own limit: downloads every page over keep-alive with `concurrency` clients and
 * turns each body into JSONL by splicing bytes (`},{` → newline; records hold no objects in
 * arrays), so its output is checked like faucet's while it does almost no work per record.
 */
function drainTool(ctx: ScenarioContext, concurrency: number): ReferenceTool {
  const output = outputPath(ctx, `drain-${concurrency}.jsonl`);
  const script = `
const http = require("node:http"); const fs = require("node:fs");
const [base, pages, concurrency, out] = [process.argv[1], +process.argv[2], +process.argv[3], process.argv[4]];
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const get = (path) => new Promise((ok, fail) => http.get(base + path, { agent }, (res) => {
  const chunks = []; res.on("data", (c) => chunks.push(c)); res.on("end", () => ok(Buffer.concat(chunks))); res.on("error", fail);
}).on("error", fail));
const perWorker = Math.ceil(pages / concurrency);
const bodies = new Array(concurrency).fill(null).map(() => []);
Promise.all(bodies.map(async (list, w) => {
  for (let p = 0; p < perWorker; p++) {
    const path = concurrency === 1 ? "/items?offset=" + p * ${PER_PAGE} + "&limit=${PER_PAGE}" : "/shards/" + w + "/items?offset=" + p * ${PER_PAGE} + "&limit=${PER_PAGE}";
    const text = (await get(path)).toString("latin1");
    const open = text.indexOf('"data":[') + 8, close = text.lastIndexOf("]");
    if (close > open) list.push(text.slice(open, close).replaceAll("},{", "}\\n{") + "\\n");
  }
})).then(() => { fs.writeFileSync(out, Buffer.from(bodies.flat().join(""), "latin1")); agent.destroy(); });
`;
  return {
    name: concurrency === 1 ? "server limit (sequential)" : `server limit (${concurrency} clients)`,
    unavailable: async () => undefined,
    command: { argv: [process.execPath, "-e", script, baseUrl, String(pageCount(ctx)), String(concurrency), output] },
    output,
  };
}

/**
 * Row count and canonical hash (as `verifyJsonl` computes it) of a JSONL file with its records
 * put in `id` order first: partitions read concurrently interleave their pages, and the order
 * across partitions is not part of the result.
 */
async function verifyById(path: string): Promise<Verification> {
  const lines = (await readFile(path, "utf8")).split("\n").filter((line) => line.trim() !== "");
  const keyed = lines.map((line) => ({ id: (JSON.parse(line) as { id: number }).id, line }));
  keyed.sort((a, b) => a.id - b.id);
  const hash = createHash("sha256");
  for (const { line } of keyed) hash.update(`${JSON.stringify(canonicalJsonLine(line))}\n`);
  return { rows: keyed.length, contentHash: hash.digest("hex") };
}

export default defineScenario({
  id: "REST",
  title: "REST API → JSONL",
  description:
    "A paged JSON API on loopback (`{total, data}` bodies of 1,000 records, offset/limit paging, " +
    "2 ms before every response, bodies serialized once up front) read by the `rest` source into " +
    "JSON Lines with `faucet run`: sequentially (`faucet`) and as 4 partitions of a quarter each " +
    "with `partition_concurrency: 4` (`faucet, 4 partitions`). The server-limit rows download " +
    "every page over keep-alive (1 and 4 clients) and splice the bodies into JSONL without " +
    "parsing them: how fast the server and loopback allow, which faucet's figures are compared to.",
  defaultRows: 200_000,

  async setup(ctx) {
    await startApi(ctx);
    await writeFile(configPath(ctx, PARTITIONS), faucetYaml(ctx, PARTITIONS));
  },

  faucetConfig: (ctx) => faucetYaml(ctx, 1),
  faucetOutput: (ctx) => outputPath(ctx, "faucet-1.jsonl"),

  references(ctx) {
    return [
      {
        name: `faucet, ${PARTITIONS} partitions`,
        version: async () => faucetVersion(ctx.root),
        unavailable: async () => faucetUnavailable(ctx.root),
        command: faucetCommand(ctx.root, configPath(ctx, PARTITIONS)),
        output: outputPath(ctx, `faucet-${PARTITIONS}.jsonl`),
      },
      drainTool(ctx, 1),
      drainTool(ctx, PARTITIONS),
    ];
  },

  expected: (ctx) => verifyById(expectedPath(ctx)),
  verify: (_ctx, output) => verifyById(output),

  async teardown() {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server?.closeAllConnections();
    server = undefined;
  },
});
