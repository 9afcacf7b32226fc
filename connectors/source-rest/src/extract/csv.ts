import { FaucetError, type ValueObject } from "faucet-core";

/** Options of {@link parseCsv}. */
export interface CsvOptions {
  delimiter: string;
  hasHeaders: boolean;
}

/**
 * Parses a CSV body (RFC 4180: quoted fields, `""` escapes, CRLF or LF, a UTF-8 BOM) into
 * records of strings. With headers, the first row names the fields (a repeated name gets a
 * `_2`, `_3` suffix); without, fields are `column_0`, `column_1`, …. A row with more fields
 * than the header names the extras `column_<i>`; a shorter row leaves the rest null.
 *
 * @example
 * parseCsv("id,name\n1,\"a, b\"\n", { delimiter: ",", hasHeaders: true }); // [{ id: "1", name: "a, b" }]
 */
export function parseCsv(text: string, options: CsvOptions, connector = "source-rest"): ValueObject[] {
  const rows = splitRows(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, options.delimiter, connector);
  if (rows.length === 0) return [];
  const header = options.hasHeaders ? uniqueNames(rows.shift() as string[]) : [];
  const records: ValueObject[] = [];
  for (const row of rows) {
    const record: ValueObject = {};
    const width = Math.max(header.length, row.length);
    for (let i = 0; i < width; i++) record[header[i] ?? `column_${i}`] = row[i] ?? null;
    records.push(record);
  }
  return records;
}

function splitRows(text: string, delimiter: string, connector: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
      i++;
      continue;
    }
    if (c === '"' && field === "") quoted = true;
    else if (c === delimiter) {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      row.push(field);
      field = "";
      if (!(row.length === 1 && row[0] === "")) rows.push(row);
      row = [];
      if (c === "\r" && text[i + 1] === "\n") i++;
    } else field += c;
    i++;
  }
  if (quoted) {
    throw new FaucetError("source", "the CSV body ends inside a quoted field", {
      connector,
      hint: "the response was truncated or is not CSV; check response_format",
    });
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

function uniqueNames(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((raw, i) => {
    const name = raw === "" ? `column_${i}` : raw;
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    return count === 1 ? name : `${name}_${count}`;
  });
}
