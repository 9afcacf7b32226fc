import { createServer } from "node:net";
import { testSource } from "faucet-conformance";
import { silentLogger, type ValueObject } from "faucet-core";
import { WebhookSource, type WebhookSourceConfigInput } from "faucet-source-webhook";
import { afterAll } from "vitest";
import { post } from "./post.js";

// The battery's dataset is POSTed to every source it builds, as senders would: in requests of up
// to 7 records (arrays) and single objects, all at once, each waiting for its 2xx. The source
// ends after exactly that many records.
let dataset: ValueObject[] = [];

function feed(source: WebhookSource): void {
  void (async () => {
    const { url } = await source.listen();
    const bodies: Array<ValueObject | ValueObject[]> = [];
    for (let i = 0; i < dataset.length; i += 7) {
      const chunk = dataset.slice(i, i + 7);
      bodies.push(chunk.length === 1 ? (chunk[0] as ValueObject) : chunk);
    }
    await Promise.all(bodies.map((body) => post(url, body, { authorization: "Bearer conformance-token" })));
  })().catch(() => undefined);
}

// A port something else holds, for the failing config.
const holder = createServer();
await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
const heldPort = (holder.address() as { port: number }).port;
afterAll(() => new Promise((resolve) => holder.close(resolve)));

const config: WebhookSourceConfigInput = {
  listen_addr: "127.0.0.1:0",
  auth_token: "conformance-token",
  timeout_secs: 20,
  idle_timeout: 5,
};

testSource<WebhookSourceConfigInput>({
  name: "faucet conformance: source-webhook",
  create: (c) => {
    const source = new WebhookSource({ ...c, max_records: dataset.length }, { logger: silentLogger });
    feed(source);
    return source;
  },
  config,
  seed: (records) => {
    dataset = records;
  },
  failing: [
    { title: "a port that is in use", config: { ...config, listen_addr: `127.0.0.1:${heldPort}` }, kind: "connection" },
    { title: "an address that is not one", config: { ...config, listen_addr: "localhost:http" }, kind: "config" },
  ],
});
