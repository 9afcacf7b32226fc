import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll } from "vitest";

/** The local Redis the tests use. */
export const REDIS_URL = process.env.FAUCET_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/** A namespace no other test (or parallel test file) uses. */
export function uniqueNamespace(label: string): string {
  return `faucet-test-${label}-${randomBytes(4).toString("hex")}`;
}

/** A plain client for looking at what the store wrote, as an operator would with redis-cli. */
export function rawClient(): Redis {
  return new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
}

/** Deletes every key of `namespace`: its values (`ns:…`) and its leases (`ns|lease:…`). */
export async function dropNamespace(raw: Redis, namespace: string): Promise<void> {
  for (const pattern of [`${namespace}:*`, `${namespace}|*`]) {
    let cursor = "0";
    do {
      const [next, keys] = await raw.scan(cursor, "MATCH", pattern, "COUNT", 500);
      if (keys.length > 0) await raw.del(...keys);
      cursor = next;
    } while (cursor !== "0");
  }
}

/**
 * For one suite: a raw client and `namespace(label)` that hands out fresh namespaces, all
 * dropped (values and leases) and the client closed after the suite's tests; `dropLater(ns)`
 * adds a namespace made otherwise.
 */
export function redisScratch(): {
  raw: Redis;
  namespace: (label: string) => string;
  dropLater: (namespace: string) => void;
} {
  const raw = rawClient();
  const namespaces: string[] = [];
  afterAll(async () => {
    for (const ns of namespaces) await dropNamespace(raw, ns);
    raw.disconnect();
  });
  const namespace = (label: string): string => {
    const ns = uniqueNamespace(label);
    namespaces.push(ns);
    return ns;
  };
  return { raw, namespace, dropLater: (ns) => namespaces.push(ns) };
}
