import { createServer } from "node:net";
import { FaucetError, Pipeline, type Sink, silentLogger, type Value } from "faucet-core";
import { definition, signBody, WebhookSource } from "faucet-source-webhook";
import { describe, expect, it } from "vitest";
import { type Answer, delay, events, ids, post, rejection, source } from "./post.js";

/** A sink that keeps what it is given, optionally waiting for `gate` before each write. */
function memorySink(gate?: () => Promise<void>): Sink & { rows: Value[]; writes: number } {
  const rows: Value[] = [];
  const sink = {
    rows,
    writes: 0,
    async writeBatch(records: readonly Value[]) {
      if (gate) await gate();
      rows.push(...records);
      sink.writes++;
      return records.length;
    },
  };
  return sink;
}

/** A gate a test opens by hand: writes wait until `open()`. */
function manualGate() {
  let release: () => void = () => undefined;
  let opened = new Promise<void>((resolve) => {
    release = resolve;
  });
  return {
    wait: () => opened,
    open: () => release(),
    close: () => {
      opened = new Promise<void>((resolve) => {
        release = resolve;
      });
    },
  };
}

/** True when `promise` has not settled within `ms`. */
async function stillPending(promise: Promise<unknown>, ms = 150): Promise<boolean> {
  const marker = Symbol("pending");
  return (await Promise.race([promise.then(() => undefined), delay(ms).then(() => marker)])) === marker;
}

describe("receiving", () => {
  it("turns POSTed objects and arrays into records through a real Pipeline, answering each POST 200", async () => {
    const s = source({ max_records: 10 });
    const { url } = await s.listen();
    const sink = memorySink();
    const run = new Pipeline(s, sink, { logger: s.logger }).run();
    const answers: Answer[] = [];
    answers.push(await post(url, { id: 1, v: "v1" }));
    answers.push(await post(url, events(3, 2)));
    answers.push(await post(url, []));
    answers.push(await post(url, events(6, 5)));
    const result = await run;
    expect(answers.map((a) => [a.status, a.body.accepted])).toEqual([
      [200, 1],
      [200, 3],
      [200, 0],
      [200, 6],
    ]);
    expect(ids(sink.rows)).toEqual(ids(events(10)));
    expect(result.recordsWritten).toBe(10);
    expect(s.logger.lines.map((l) => l.message)).toContain("stopped receiving (max_records) after 10 records");
    // The server is gone once the run ends.
    await expect(post(url, { id: 11 })).rejects.toThrow(/ECONNREFUSED/);
  });

  it("keeps integers beyond 2^53 exact, and fills path placeholders from the run's params", async () => {
    const s = source({ path: "/hooks/{team}", max_payloads: 1 });
    const sink = memorySink();
    const run = new Pipeline(s, sink, { logger: silentLogger, params: { team: "data eng" } }).run();
    await delay(50);
    const url = s.address?.url as string;
    expect(url).toMatch(/\/hooks\/data%20eng$/);
    expect((await post(url, '{"id": 12345678901234567890}')).status).toBe(200);
    await run;
    expect(sink.rows).toEqual([{ id: "12345678901234567890" }]);
  });

  it("ends after max_payloads, idle_timeout or timeout_secs; later POSTs get 503", async () => {
    const byPayloads = source({ max_payloads: 2 });
    const { url } = await byPayloads.listen();
    const read = byPayloads.fetchWithContext();
    await post(url, events(2));
    await post(url, events(2, 3));
    expect(ids(await read)).toEqual([1, 2, 3, 4]);

    const idle = source({ idle_timeout: 0.2, timeout_secs: 0 });
    const idleUrl = (await idle.listen()).url;
    const started = performance.now();
    const idleRead = idle.fetchWithContext();
    await post(idleUrl, events(1));
    expect(ids(await idleRead)).toEqual([1]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);

    const timed = source({ timeout_secs: 0.2 });
    await timed.listen();
    expect(await timed.fetchWithContext()).toEqual([]);
    expect(timed.logger.lines.map((l) => l.message)).toContain("stopped receiving (timeout) after 0 records");
  });
});

describe("answering only once records are handed to the pipeline", () => {
  it("with prefetch 0 a POST is answered only after the sink wrote its records", async () => {
    const gate = manualGate();
    const s = source({ max_records: 2 });
    const { url } = await s.listen();
    const sink = memorySink(gate.wait);
    const run = new Pipeline(s, sink, { logger: silentLogger, prefetch: 0 }).run();
    const first = post(url, { id: 1 });
    expect(await stillPending(first)).toBe(true);
    expect(sink.rows).toEqual([]);
    gate.open();
    expect((await first).status).toBe(200);
    expect(sink.rows).toEqual([{ id: 1 }]);
    expect((await post(url, { id: 2 })).status).toBe(200);
    await run;
  });

  it("with prefetch 1 a POST is answered once its page is taken into the read-ahead, while the sink still writes", async () => {
    const gate = manualGate();
    const s = source({ max_records: 2 });
    const { url } = await s.listen();
    const sink = memorySink(gate.wait);
    const run = new Pipeline(s, sink, { logger: silentLogger, prefetch: 1 }).run();
    // Page 1 is taken and being written (the sink waits): its POST is answered.
    expect((await post(url, { id: 1 })).status).toBe(200);
    expect(sink.rows).toEqual([]);
    // Page 2 sits in the read-ahead buffer behind it: not answered until the pipeline takes it.
    const second = post(url, { id: 2 });
    expect(await stillPending(second)).toBe(true);
    gate.open();
    expect((await second).status).toBe(200);
    await run;
    expect(ids(sink.rows)).toEqual([1, 2]);
  });

  it("a run that fails answers the POSTs it did not hand over 503, so senders send them again", async () => {
    const s = source({ timeout_secs: 0 });
    const { url } = await s.listen();
    const failing: Sink = {
      async writeBatch() {
        await delay(100);
        throw new FaucetError("sink", "disk full", { retryable: false });
      },
    };
    const run = new Pipeline(s, failing, { logger: silentLogger, prefetch: 0, retry: false }).run();
    const answer = await post(url, events(3));
    expect(answer.status).toBe(503);
    expect(answer.headers["retry-after"]).toBe("1");
    expect(answer.body.error).toBe("the receiver stopped before the records were handed over; send them again");
    await expect(run).rejects.toThrow("disk full");
  });

  it("cancelling the run answers waiting POSTs 503 and stops the server", async () => {
    const gate = manualGate();
    const controller = new AbortController();
    const s = source({ timeout_secs: 0 });
    const { url } = await s.listen();
    const run = new Pipeline(s, memorySink(gate.wait), {
      logger: silentLogger,
      prefetch: 0,
      signal: controller.signal,
    }).run();
    const waiting = post(url, { id: 1 });
    await delay(100);
    controller.abort();
    gate.open();
    const result = await run;
    expect(result.cancelled).toBe(true);
    // The page was written, but the run stopped before asking past it: the sender is told to
    // send it again (at least once, never lost).
    expect((await waiting).status).toBe(503);
    const late = await post(url, { id: 2 }).catch((e: Error) => e);
    expect(late).toBeInstanceOf(Error);
  });
});

describe("backpressure", () => {
  it("answers 503 with Retry-After while the buffer is full, and takes the POST once there is room", async () => {
    const gate = manualGate();
    const s = source({ max_buffered_records: 4, retry_after_secs: 2, max_records: 9 });
    const { url } = await s.listen();
    const sink = memorySink(gate.wait);
    const run = new Pipeline(s, sink, { logger: silentLogger, prefetch: 0 }).run();
    // Page 1 (id 1) is taken and stuck in the sink; ids 2–5 fill the buffer.
    const first = post(url, { id: 1 });
    await delay(50);
    const buffered = post(url, events(4, 2));
    await delay(50);
    const refused = await post(url, { id: 6 });
    expect(refused.status).toBe(503);
    expect(refused.headers["retry-after"]).toBe("2");
    expect(refused.body.error).toBe("the pipeline is behind; retry later");
    expect(s.refused?.busy).toBe(1);
    const tooMany = await post(url, events(5, 100));
    expect(tooMany.status).toBe(413);
    expect(tooMany.body.error).toBe("5 records in one request, more than max_buffered_records (4)");
    gate.open();
    expect((await first).status).toBe(200);
    expect((await buffered).status).toBe(200);
    expect((await post(url, events(4, 6))).status).toBe(200);
    await run;
    expect(ids(sink.rows)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("a storm of concurrent senders that retry on 503 delivers every record exactly once", async () => {
    const senders = 40;
    const perSender = 25;
    // 40 senders post 200 records at once into room for 20, while the sink takes 10 ms a page.
    const s = source({
      max_buffered_records: 20,
      retry_after_secs: 0,
      max_records: senders * perSender,
      batch_size: 10,
    });
    const { url } = await s.listen();
    const sink = memorySink(() => delay(10));
    const run = new Pipeline(s, sink, { logger: silentLogger }).run();
    let refusals = 0;
    await Promise.all(
      Array.from({ length: senders }, async (_, sender) => {
        for (let i = 0; i < perSender; i += 5) {
          const body = events(5, sender * perSender + i + 1);
          for (;;) {
            const answer = await post(url, body);
            if (answer.status === 200) break;
            expect(answer.status).toBe(503);
            refusals++;
            await delay(Math.random() * 5);
          }
        }
      }),
    );
    await run;
    expect(ids(sink.rows).sort((a, b) => a - b)).toEqual(ids(events(senders * perSender)));
    expect(refusals).toBeGreaterThan(0);
    expect(s.refused?.busy).toBe(refusals);
  });
});

describe("refusing bad requests", () => {
  it("malformed, scalar, non-UTF-8 bodies, wrong paths and methods get 4xx and are not read", async () => {
    const s = source({ max_records: 1 });
    const { url } = await s.listen();
    const read = s.fetchWithContext();
    const bad = await post(url, '{"id": 1,');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/^the body is not valid JSON: /);
    expect((await post(url, "42")).body.error).toBe(
      "the body must be a JSON object (one record) or an array of records",
    );
    expect((await post(url, Buffer.from([0x7b, 0xff, 0x7d]))).status).toBe(400);
    const elsewhere = await post(url.replace("/webhook", "/other"), { id: 1 });
    expect([elsewhere.status, elsewhere.body.error]).toEqual([404, "nothing is received at /other; POST to /webhook"]);
    const get = await post(url, "", {}, "GET");
    expect([get.status, get.headers.allow]).toEqual([405, "POST"]);
    expect((await post(url, { id: 1 })).status).toBe(200);
    expect(await read).toEqual([{ id: 1 }]);
    expect(s.refused).toMatchObject({ malformed: 3, not_found: 1, method: 1 });
  });

  it("bodies over max_body_bytes get 413, declared or streamed", async () => {
    const s = source({ max_body_bytes: 1000, max_records: 1 });
    const { url } = await s.listen();
    const read = s.fetchWithContext();
    const big = JSON.stringify(events(100));
    const declared = await post(url, big);
    expect([declared.status, declared.body.error]).toEqual([413, "the body is larger than max_body_bytes (1000)"]);
    const streamed = await post(url, big, { "transfer-encoding": "chunked" });
    expect(streamed.status).toBe(413);
    expect((await post(url, { id: 1 })).status).toBe(200);
    expect(await read).toEqual([{ id: 1 }]);
  });

  it("a shared token: missing or wrong gets 401; raw, Bearer and a custom header work", async () => {
    const s = source({ auth_token: "s3cr3t-t0ken", max_records: 2 });
    const { url } = await s.listen();
    const read = s.fetchWithContext();
    expect((await post(url, { id: 0 })).status).toBe(401);
    expect((await post(url, { id: 0 }, { authorization: "Bearer s3cr3t-t0keN" })).status).toBe(401);
    expect((await post(url, { id: 1 }, { authorization: "s3cr3t-t0ken" })).status).toBe(200);
    expect((await post(url, { id: 2 }, { authorization: "Bearer s3cr3t-t0ken" })).status).toBe(200);
    expect(ids(await read)).toEqual([1, 2]);
    // The header's name is not a secret: it stays readable in messages, the token never shows.
    expect(s.logger.warnings()).toEqual(["refused a request with 401: missing or wrong token in authorization"]);
    const custom = source({ auth_token: "k", authorization_header: "X-Hook-Token", max_records: 1 });
    const customUrl = (await custom.listen()).url;
    const customRead = custom.fetchWithContext();
    expect((await post(customUrl, { id: 1 }, { authorization: "k" })).status).toBe(401);
    expect((await post(customUrl, { id: 1 }, { "x-hook-token": "k" })).status).toBe(200);
    expect(await customRead).toEqual([{ id: 1 }]);
  });

  it("an HMAC-SHA256 signature (GitHub style): good passes, wrong or tampered gets 401", async () => {
    const signature = { secret: "hook-s3cret", header: "X-Hub-Signature-256", prefix: "sha256=" };
    const s = source({ signature, max_records: 1 });
    const { url } = await s.listen();
    const read = s.fetchWithContext();
    const body = JSON.stringify({ id: 1, action: "opened" });
    const good = signBody(s.config.signature as NonNullable<typeof s.config.signature>, body);
    expect(good).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect((await post(url, body, { "x-hub-signature-256": good.replace(/.$/, "0") })).status).toBe(401);
    expect((await post(url, body.replace("opened", "closed"), { "x-hub-signature-256": good })).status).toBe(401);
    expect((await post(url, body, { "x-hub-signature-256": "sha256=zz" })).body.error).toBe("signature malformed");
    expect((await post(url, body)).body.error).toBe("signature missing");
    expect((await post(url, body, { "x-hub-signature-256": good })).status).toBe(200);
    expect(await read).toEqual([{ id: 1, action: "opened" }]);
    expect(s.refused?.signature).toBe(4);
  });

  it("base64 SHA-512 signatures over a timestamp refuse stale requests", async () => {
    const signature = {
      secret: "k",
      header: "X-Signature",
      encoding: "base64" as const,
      algorithm: "sha512" as const,
      timestamp_header: "X-Timestamp",
      tolerance_secs: 60,
    };
    const s = source({ signature, max_records: 1 });
    const { url } = await s.listen();
    const read = s.fetchWithContext();
    const config = s.config.signature as NonNullable<typeof s.config.signature>;
    const body = '{"id":1}';
    const now = Math.floor(Date.now() / 1000);
    const stale = now - 3600;
    const old = await post(url, body, { "x-signature": signBody(config, body, stale), "x-timestamp": String(stale) });
    expect([old.status, old.body.error]).toEqual([401, "signature stale"]);
    const fresh = await post(url, body, { "x-signature": signBody(config, body, now), "x-timestamp": String(now) });
    expect(fresh.status).toBe(200);
    expect(await read).toEqual([{ id: 1 }]);
  });
});

describe("setup", () => {
  it("a port in use fails with a connection error; check() says so", async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      const s = source({ listen_addr: `127.0.0.1:${port}` });
      const report = await s.check();
      expect(report.probes[0]).toMatchObject({ status: "fail", reason: expect.stringContaining("EADDRINUSE") });
      const error = await rejection(s.fetchWithContext());
      expect(FaucetError.is(error, "connection")).toBe(true);
      expect((error as FaucetError).message).toBe(
        `[faucet] [source-webhook] cannot listen on 127.0.0.1:${port}: the address is in use (hint: stop the other process on that port, or pick another port in listen_addr)`,
      );
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it("config: Rust keys, unknown keys with a suggestion, bad addresses", async () => {
    expect(definition).toMatchObject({ kind: "source", type: "webhook" });
    expect(definition.config.parse({})).toMatchObject({
      listen_addr: "127.0.0.1:8080",
      path: "/webhook",
      timeout_secs: 30,
      max_body_bytes: 1048576,
      batch_size: 1000,
    });
    expect(() => new WebhookSource({ max_payload: 3 } as never)).toThrow(
      "`max_payload`: unknown key; did you mean `max_payloads`?",
    );
    expect(() => new WebhookSource({ listen_addr: "127.0.0.1:99999" })).toThrow("must be host:port");
    expect(() => new WebhookSource({ path: "webhook" })).toThrow("must start with /");
    await expect(new WebhookSource({ path: "/hooks/{team}" }).listen()).rejects.toThrow(
      "path `/hooks/{team}` needs `{team}`, which has no value here",
    );
    expect(new WebhookSource({ listen_addr: "[::1]:0" }).config.listen_addr).toBe("[::1]:0");
  });
});
