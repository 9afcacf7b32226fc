import { compileJsonPath, type HttpResponse, parseJson, parseJsonResponse } from "faucet-common-http";
import { FaucetError, type Value } from "faucet-core";
import type { RestSourceConfig } from "../config.js";
import { parseCsv } from "./csv.js";

export { parseCsv } from "./csv.js";

/** The records of one response, and its parsed JSON body for the paginator. */
export interface Extracted {
  records: Value[];
  body: Value | undefined;
}

/** Turns one response into records. */
export type Extractor = (response: HttpResponse) => Extracted;

/**
 * The extractor for a config's `response_format` and `records_path`, compiled once.
 *
 * - `json`: the records are what `records_path` selects — the elements of `$.data[*]`, or the
 *   array `$.data` points at. Without `records_path`, a top-level array is the records and any
 *   other body is one record. An empty body (204) has none.
 * - `jsonl`: one JSON value per non-blank line.
 * - `csv`: one record per row, see {@link parseCsv}.
 *
 * @example
 * const extract = createExtractor(config, "source-rest");
 * const { records } = extract(response);
 */
export function createExtractor(config: RestSourceConfig, connector: string): Extractor {
  switch (config.response_format) {
    case "jsonl":
      return (response) => ({ records: parseJsonLines(response, connector), body: undefined });
    case "csv": {
      const options = { delimiter: config.csv_delimiter, hasHeaders: config.csv_has_headers };
      return (response) => ({ records: parseCsv(response.text(), options, connector), body: undefined });
    }
    default:
      return jsonExtractor(config.records_path, connector);
  }
}

function jsonExtractor(recordsPath: string | undefined, connector: string): Extractor {
  const path = recordsPath === undefined ? undefined : compileJsonPath(recordsPath);
  return (response) => {
    if (response.body.length === 0) return { records: [], body: undefined };
    const body = parseJsonResponse(response, connector);
    if (!path) return { records: Array.isArray(body) ? body : [body], body };
    const selected = path.query(body);
    if (!path.multiple && selected.length === 1 && Array.isArray(selected[0])) {
      return { records: selected[0], body };
    }
    return { records: selected.length === 1 && selected[0] === null ? [] : selected, body };
  };
}

function parseJsonLines(response: HttpResponse, connector: string): Value[] {
  const text = response.text();
  const records: Value[] = [];
  let start = 0;
  let line = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    line++;
    const raw = text.slice(start, end).trim();
    start = end + 1;
    if (raw === "") continue;
    try {
      records.push(parseJson(raw));
    } catch (error) {
      throw new FaucetError(
        "json",
        `line ${line} of the response of ${response.url} is not valid JSON: ${(error as Error).message}`,
        { connector, cause: error, hint: "check response_format: jsonl expects one JSON value per line" },
      );
    }
  }
  return records;
}
