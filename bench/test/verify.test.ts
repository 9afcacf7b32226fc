// The harness's correctness check: outputs that hold the same data in different JSON styles
// agree, and outputs that differ do not.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { canonicalJsonLine, verifyCsv, verifyJsonl } from "../dist/harness/verify.js";

const dir = mkdtempSync(join(tmpdir(), "faucet-bench-verify-"));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("canonical records", () => {
  it("treat Miller's bare numbers and DuckDB's strings alike, keeping the printed digits", () => {
    const miller = canonicalJsonLine('{"id": 1, "amount": 7535.0, "active": "false", "a": "{\\"x\\":1}"}');
    const duckdb = canonicalJsonLine('{"id":"1","amount":"7535.0","active":"false","a":"{\\"x\\":1}"}');
    expect(miller).toEqual(duckdb);
    expect(canonicalJsonLine('{"amount":7535}')).not.toEqual(canonicalJsonLine('{"amount":"7535.0"}'));
  });

  it("keep null and nested values apart from strings", () => {
    expect(canonicalJsonLine('{"a":null}')).not.toEqual(canonicalJsonLine('{"a":"null"}'));
    expect(canonicalJsonLine('{"a":{"b": [1, "x"]}}')).toEqual([["a", { json: '{"b":[1,"x"]}' }]]);
  });

  it("reject text that is not JSON", () => {
    expect(() => canonicalJsonLine('{"a":1')).toThrow();
    expect(() => canonicalJsonLine('{"a":nope}')).toThrow();
  });
});

describe("verifyCsv and verifyJsonl", () => {
  it("agree on a CSV with quotes, escaped quotes, CRLF and a line break inside a field", async () => {
    const csv = file("in.csv", 'id,note,empty\r\n1,"a, ""b""",\r\n2,"line\nbreak",x\r\n3,plain,""\r\n');
    const jsonl = file(
      "out.jsonl",
      '{"id":"1","note":"a, \\"b\\"","empty":""}\n{"id":2,"note":"line\\nbreak","empty":"x"}\n' +
        '{"empty":"","id":"3","note":"plain"}\n',
    );
    const expected = await verifyCsv(csv);
    expect(expected.rows).toBe(3);
    expect(await verifyJsonl(jsonl)).toEqual(expected);
  });

  it("notice a changed value or a missing row", async () => {
    const expected = await verifyCsv(file("in2.csv", "id,v\n1,a\n2,b\n"));
    const changed = await verifyJsonl(file("changed.jsonl", '{"id":"1","v":"a"}\n{"id":"2","v":"c"}\n'));
    expect(changed.rows).toBe(2);
    expect(changed.contentHash).not.toBe(expected.contentHash);
    expect((await verifyJsonl(file("short.jsonl", '{"id":"1","v":"a"}\n'))).rows).toBe(1);
  });
});
