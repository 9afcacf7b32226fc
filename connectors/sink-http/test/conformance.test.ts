import { testSink } from "faucet-conformance";
import { silentLogger } from "faucet-core";
import { HttpSink, type HttpSinkConfigInput } from "faucet-sink-http";
import { afterAll } from "vitest";
import { echoApi, sendJson } from "./echo.js";

// The echo API the battery writes to: it needs a bearer token, refuses `/reject` with 422 and
// deduplicates on `Idempotency-Key`, as real ingest APIs do.
const api = await echoApi((req, res) => {
  if (req.headers.authorization !== "Bearer conformance-token") {
    sendJson(res, 401, { error: "bad token" });
    return false;
  }
  if (req.path === "/reject") {
    sendJson(res, 422, { error: "schema mismatch" });
    return false;
  }
  return true;
}, false);
afterAll(() => api.close());

const config: HttpSinkConfigInput = {
  url: `${api.url}/ingest`,
  auth: { type: "bearer", config: { token: "conformance-token" } },
  retry_backoff: 0.005,
};

const failing = [
  {
    title: "unreachable server",
    config: { ...config, url: "http://127.0.0.1:9/ingest", max_retries: 1 },
    kind: "connection",
  },
  {
    title: "wrong credentials",
    config: { ...config, auth: { type: "bearer", config: { token: "wrong-token" } } },
    kind: "auth",
  },
  {
    title: "an endpoint that refuses the records",
    config: { ...config, url: `${api.url}/reject` },
    kind: "http_status",
  },
] as const satisfies { title: string; config: HttpSinkConfigInput; kind: string }[];

testSink<HttpSinkConfigInput>({
  name: "faucet conformance: sink-http (individual)",
  create: (c) => new HttpSink(c, { logger: silentLogger }),
  config,
  count: () => api.records.length,
  read: () => api.records,
  reset: () => api.reset(),
  failing: [...failing],
});

// Array mode with an idempotency key: the sink claims replay-safe writes, which the battery
// checks by writing one page twice.
testSink<HttpSinkConfigInput>({
  name: "faucet conformance: sink-http (array, idempotency key)",
  create: (c) => new HttpSink(c, { logger: silentLogger }),
  config: { ...config, batch_mode: "array", batch_size: 2, idempotency_key: { field: "id" } },
  count: () => api.records.length,
  read: () => api.records,
  reset: () => api.reset(),
  failing: failing.map((f) => ({ ...f, config: { ...f.config, batch_mode: "array" } })),
});
