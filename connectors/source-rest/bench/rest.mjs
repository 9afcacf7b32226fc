// REST source benchmark: 200 pages × 1,000 records from a loopback server that waits 2 ms
// before each response, read by faucet-source-rest into a JSONL file, sequentially and as 4
// partitions of 50 pages. Prints rows/s and how close each run comes to the server's own limit,
// measured by a client that only downloads the pages (no parsing, no writing).
//
//   npm run build && node connectors/source-rest/bench/rest.mjs [--pages 200] [--rows-per-page 1000] [--runs 5]
//
// The server runs in a child process so it does not share the event loop with the source.
import { fork } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir, rm, stat } from "node:fs/promises";
import { createServer } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    pages: { type: "string", default: "200" },
    "rows-per-page": { type: "string", default: "1000" },
    "latency-ms": { type: "string", default: "2" },
    runs: { type: "string", default: "5" },
    serve: { type: "boolean", default: false },
  },
});
const PAGES = Number(values.pages);
const PER_PAGE = Number(values["rows-per-page"]);
const LATENCY = Number(values["latency-ms"]);
const SHARDS = 4;

if (values.serve) {
  await serve();
} else {
  await main();
}

/** One record: 9 fields of the usual kinds, ~170 bytes of JSON. */
function record(id) {
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

/**
 * The API: `/items?offset=&limit=` (all pages) and `/shards/{s}/items?offset=&limit=` (a quarter
 * each), answering `{"total": n, "data": [...]}` after LATENCY ms. Pages are serialized once up
 * front, so the server spends its time waiting, not encoding.
 */
async function serve() {
  const total = PAGES * PER_PAGE;
  const pages = Array.from({ length: PAGES }, (_, p) => {
    const data = Array.from({ length: PER_PAGE }, (_, i) => record(p * PER_PAGE + i + 1));
    return data;
  });
  const perShard = PAGES / SHARDS;
  const bodies = new Map();
  const body = (key, totalRows, data) => {
    let b = bodies.get(key);
    if (!b) {
      b = Buffer.from(JSON.stringify({ total: totalRows, data }));
      bodies.set(key, b);
    }
    return b;
  };
  for (let p = 0; p < PAGES; p++) body(`all:${p}`, total, pages[p]);
  for (let s = 0; s < SHARDS; s++)
    for (let p = 0; p < perShard; p++) body(`${s}:${p}`, total / SHARDS, pages[s * perShard + p]);
  const empty = (t) => Buffer.from(JSON.stringify({ total: t, data: [] }));
  const server = createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    const page = Math.floor(Number(url.searchParams.get("offset") ?? 0) / PER_PAGE);
    const shard = /^\/shards\/(\d+)\/items$/.exec(url.pathname)?.[1];
    const payload =
      shard === undefined
        ? (bodies.get(`all:${page}`) ?? empty(total))
        : (bodies.get(`${shard}:${page}`) ?? empty(total / SHARDS));
    setTimeout(() => {
      res.writeHead(200, { "content-type": "application/json", "content-length": payload.length });
      res.end(payload);
    }, LATENCY);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  process.send?.({ port: server.address().port, bytes: [...bodies.values()].reduce((n, b) => n + b.length, 0) / 2 });
  process.on("disconnect", () => process.exit(0));
}

async function main() {
  const { Pipeline, silentLogger } = await import("faucet-core");
  const { RestSource } = await import("faucet-source-rest");
  const { Agent } = await import("undici");
  const here = dirname(fileURLToPath(import.meta.url));
  const outDir = join(here, "..", "..", "..", "bench", "out", "rest");
  await mkdir(outDir, { recursive: true });

  const child = fork(fileURLToPath(import.meta.url), ["--serve", ...process.argv.slice(2)], { stdio: "inherit" });
  const { port, bytes } = await new Promise((resolve) => child.once("message", resolve));
  const base = `http://127.0.0.1:${port}`;
  const totalRows = PAGES * PER_PAGE;
  const runs = Number(values.runs);

  const sinkFactory = await jsonlSinkFactory();
  console.log(
    `${PAGES} pages × ${PER_PAGE} records (${(bytes / 1e6).toFixed(1)} MB of JSON), ${LATENCY} ms latency per response`,
  );
  console.log(`sink: ${sinkFactory.name}; median of ${runs} runs after 1 warm-up\n`);

  // The server's limit: download every page, discard the bodies.
  const drain = async (concurrency) => {
    const agent = new Agent({ keepAliveTimeout: 30_000 });
    const started = performance.now();
    const perWorker = PAGES / concurrency;
    await Promise.all(
      Array.from({ length: concurrency }, async (_, w) => {
        for (let p = 0; p < perWorker; p++) {
          const path =
            concurrency === 1
              ? `/items?offset=${p * PER_PAGE}&limit=${PER_PAGE}`
              : `/shards/${w}/items?offset=${p * PER_PAGE}&limit=${PER_PAGE}`;
          const res = await agent.request({ origin: base, path, method: "GET" });
          await res.body.arrayBuffer();
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    await agent.close();
    return seconds;
  };

  const faucet = async (partitions) => {
    const output = join(outDir, `faucet-${partitions}.jsonl`);
    await rm(output, { force: true });
    const source = new RestSource(
      {
        base_url: base,
        path: partitions === 1 ? "/items" : "/shards/{shard}/items",
        records_path: "$.data",
        pagination: { type: "offset", limit: PER_PAGE, total_path: "$.total" },
        ...(partitions === 1
          ? {}
          : {
              partitions: Array.from({ length: partitions }, (_, shard) => ({ shard })),
              partition_concurrency: partitions,
            }),
      },
      { logger: silentLogger },
    );
    const sink = sinkFactory.create(output);
    const started = performance.now();
    const result = await new Pipeline(source, sink, { logger: silentLogger }).run();
    const seconds = (performance.now() - started) / 1000;
    await source.close();
    const size = (await stat(output)).size;
    if (result.recordsWritten !== totalRows)
      throw new Error(`wrote ${result.recordsWritten} rows, expected ${totalRows}`);
    return { seconds, size };
  };

  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const measure = async (fn) => {
    await fn();
    const times = [];
    for (let i = 0; i < runs; i++) times.push(await fn());
    return times;
  };

  const floor = (partitions) => ((PAGES / partitions) * LATENCY) / 1000;
  const rows = [];
  for (const partitions of [1, SHARDS]) {
    const limit = median(await measure(() => drain(partitions)));
    let size = 0;
    const times = await measure(async () => {
      const r = await faucet(partitions);
      size = r.size;
      return r.seconds;
    });
    const t = median(times);
    rows.push({
      run: partitions === 1 ? "sequential" : `${partitions} partitions`,
      "faucet s": t.toFixed(3),
      "best s": Math.min(...times).toFixed(3),
      "faucet rows/s": Math.round(totalRows / t).toLocaleString("en-US"),
      "server limit s": limit.toFixed(3),
      "limit rows/s": Math.round(totalRows / limit).toLocaleString("en-US"),
      "of limit": `${Math.round((limit / t) * 100)}%`,
      "latency floor s": floor(partitions).toFixed(3),
      "JSONL MB": (size / 1e6).toFixed(1),
    });
  }
  console.table(rows);
  console.log(
    "server limit = a client that downloads every page with keep-alive and discards it; latency floor = pages × 2 ms (per partition)",
  );
  child.disconnect();
}

/** faucet-sink-jsonl when it is built; otherwise a minimal JSONL sink that writes once per page. */
async function jsonlSinkFactory() {
  try {
    const module = await import("faucet-sink-jsonl");
    const Sink = module.JsonlSink ?? module.default;
    if (typeof Sink === "function") return { name: "faucet-sink-jsonl", create: (path) => new Sink({ path }) };
  } catch {
    // not built yet
  }
  return {
    name: "a minimal JSONL sink (faucet-sink-jsonl not built)",
    create(path) {
      const stream = createWriteStream(path);
      return {
        async writeBatch(records) {
          let text = "";
          for (const r of records) text += `${JSON.stringify(r)}\n`;
          if (!stream.write(text)) await new Promise((resolve) => stream.once("drain", resolve));
          return records.length;
        },
        async close() {
          await new Promise((resolve) => stream.end(resolve));
        },
      };
    },
  };
}
