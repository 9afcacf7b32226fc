// testStateStoreLeases is itself tested without a server: core's FileStateStore and its lock-file
// lease pass the battery, and the broken file stores in fixtures/leases fail exactly the checks
// they break (run by a nested vitest, so their failures do not fail this run).
import { testStateStoreLeases } from "faucet-conformance";
import { describe, expect, test } from "vitest";
import { fileLeaseSpaces } from "./file-leases.js";
import { runNestedSuites } from "./nested-run.js";

// A dead holder's lock names a pid that no longer runs on this host: the next taker clears it at
// once, without waiting for the ttl, as a Postgres session's lock dies with its connection.
describe("testStateStoreLeases on core's file lease", () => {
  testStateStoreLeases({ freedWithConnection: true, space: fileLeaseSpaces() });
});

const EXCLUSIVE = "a lease is exclusive between two stores and says who holds it; release hands it over";
const KILLED = "a holder killed with SIGKILL frees the key as soon as its connection drops";
const KILLED_TTL = "a holder killed with SIGKILL frees the key once its ttl runs out";
const CLOSE = "close() releases held leases; close() while a lease is being taken rejects it";
const PIPELINE = "Pipeline: a second run on the same key fails with 'already running' and writes nothing";

describe("testStateStoreLeases fails broken stores", () => {
  test("each broken file store fails exactly the checks it breaks, for the reason it breaks them", async () => {
    const results = await runNestedSuites(new URL("fixtures/leases/vitest.config.ts", import.meta.url));
    const checks = (suite: string, status: string) =>
      results.filter((r) => r.suite === suite && r.status === status).map((r) => r.title);
    const failure = (suite: string, check: string) =>
      results.find((r) => r.suite === suite && r.title === check)?.failure ?? "";
    // The battery's `rejection` helper: the take it expected to be refused went through.
    const notRefused = /expected false to be true/;

    const neverExcludes = "store whose leases never exclude";
    expect(checks(neverExcludes, "failed")).toEqual([EXCLUSIVE, KILLED, PIPELINE]);
    expect(checks(neverExcludes, "passed")).toEqual([CLOSE]);
    for (const check of [EXCLUSIVE, KILLED, PIPELINE]) expect(failure(neverExcludes, check)).toMatch(notRefused);

    const releaseNoop = "store whose release does nothing";
    expect(checks(releaseNoop, "failed")).toEqual([EXCLUSIVE, CLOSE, PIPELINE]);
    expect(checks(releaseNoop, "passed")).toEqual([KILLED]);
    expect(failure(releaseNoop, EXCLUSIVE)).toMatch(/expected \{ pid: \d+, host: .+ \} to be undefined/s);
    expect(failure(releaseNoop, CLOSE)).toMatch(/already running: state key "k" is held by pid/);
    expect(failure(releaseNoop, PIPELINE)).toMatch(/expected \{ pid: \d+, host: .+ \} to be undefined/s);

    const closeKeeps = "store whose close() keeps its leases";
    expect(checks(closeKeeps, "failed")).toEqual([CLOSE]);
    expect(checks(closeKeeps, "passed")).toEqual([EXCLUSIVE, KILLED, PIPELINE]);
    expect(failure(closeKeeps, CLOSE)).toMatch(/already running: state key "k" is held by pid/);

    const deadHolderBlocks = "store whose dead holder blocks the key until its ttl";
    expect(checks(deadHolderBlocks, "failed")).toEqual([KILLED]);
    expect(checks(deadHolderBlocks, "passed")).toEqual([EXCLUSIVE, CLOSE, PIPELINE]);
    expect(failure(deadHolderBlocks, KILLED)).toMatch(/already running: state key "orders" is held by pid/);

    const saysTtl = "store that says a dead holder's lease outlives it";
    expect(checks(saysTtl, "failed")).toEqual([KILLED_TTL]);
    expect(checks(saysTtl, "passed")).toEqual([EXCLUSIVE, CLOSE, PIPELINE]);
    expect(failure(saysTtl, KILLED_TTL)).toMatch(notRefused);
  });
});
