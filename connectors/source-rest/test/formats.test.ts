import { FaucetError } from "faucet-core";
import { parseCsv } from "faucet-source-rest";
import { describe, expect, it } from "vitest";
import { readAll, rejection, sendText, serve, source } from "./apis.js";

describe("response_format: jsonl", () => {
  it("reads one record per line, paging by page number", async () => {
    const server = await serve((req, res) => {
      const page = Number(req.query.get("page"));
      const lines = page <= 2 ? [`{"id":${page * 2 - 1}}`, "", `{"id":${page * 2},"big":12345678901234567890}`] : [];
      sendText(res, 200, `${lines.join("\r\n")}\n`, "application/x-ndjson");
    });
    const s = source({ base_url: server.url, response_format: "jsonl", pagination: { type: "page_number" } });
    expect((await readAll(s)).records).toEqual([
      { id: 1 },
      { id: 2, big: "12345678901234567890" },
      { id: 3 },
      { id: 4, big: "12345678901234567890" },
    ]);
    expect(server.requests[0]?.headers.accept).toContain("application/x-ndjson");
  });

  it("a malformed line fails with its line number", async () => {
    const server = await serve((_req, res) => sendText(res, 200, '{"id":1}\n{"id":\n', "application/x-ndjson"));
    const error = (await rejection(readAll(source({ base_url: server.url, response_format: "jsonl" })))) as FaucetError;
    expect(FaucetError.is(error, "json")).toBe(true);
    expect(error.message).toContain("line 2");
  });
});

describe("response_format: csv", () => {
  it("reads rows with quotes, embedded delimiters, newlines and a BOM", async () => {
    const body = '\uFEFFid;name;note\r\n1;"Smith; Ann";"said ""hi"""\r\n2;Bob;"two\nlines"\r\n3;Cy\r\n';
    const server = await serve((_req, res) => sendText(res, 200, body, "text/csv"));
    const s = source({ base_url: server.url, response_format: "csv", csv_delimiter: ";" });
    expect((await readAll(s)).records).toEqual([
      { id: "1", name: "Smith; Ann", note: 'said "hi"' },
      { id: "2", name: "Bob", note: "two\nlines" },
      { id: "3", name: "Cy", note: null },
    ]);
  });

  it("names columns column_<i> without headers, and suffixes repeated header names", () => {
    expect(parseCsv("a,b\n1,2,3\n", { delimiter: ",", hasHeaders: false })).toEqual([
      { column_0: "a", column_1: "b" },
      { column_0: "1", column_1: "2", column_2: "3" },
    ]);
    expect(parseCsv("x,x,\n1,2,3", { delimiter: ",", hasHeaders: true })).toEqual([
      { x: "1", x_2: "2", column_2: "3" },
    ]);
    expect(parseCsv("", { delimiter: ",", hasHeaders: true })).toEqual([]);
    expect(() => parseCsv('a\n"open', { delimiter: ",", hasHeaders: true })).toThrow(/inside a quoted field/);
  });
});

describe("response_format: json edge cases", () => {
  it("an empty 204 body has no records; big integers stay exact", async () => {
    const server = await serve((req, res) => {
      if (req.path === "/empty") {
        res.writeHead(204);
        return res.end();
      }
      sendText(res, 200, '{"data":[{"id":18446744073709551615,"amount":0.1}]}', "application/json");
    });
    expect((await readAll(source({ base_url: server.url, path: "/empty" }))).records).toEqual([]);
    expect((await readAll(source({ base_url: server.url, path: "/n", records_path: "$.data" }))).records).toEqual([
      { id: "18446744073709551615", amount: 0.1 },
    ]);
  });
});
