import { MAX_BATCH_SIZE, type Value, z } from "faucet-core";

/**
 * A config field holding one ASCII byte, given as a number (the Rust faucet-stream spelling,
 * e.g. `9` for tab) or as a one-character string (`"\t"`, `";"`); `\t` written as two
 * characters also means tab. Parses to the byte value.
 *
 * @example
 * const Config = z.strictObject({ delimiter: asciiByteField("delimiter", 44) });
 */
export function asciiByteField(what: string, fallback: number) {
  return z
    .union([z.number().int(), z.string()])
    .default(fallback)
    .transform((value, ctx) => {
      const code =
        typeof value === "number" ? value : value === "\\t" ? 9 : value.length === 1 ? value.charCodeAt(0) : -1;
      if (code < 1 || code > 127 || code === 10 || code === 13) {
        ctx.addIssue({
          code: "custom",
          message: `${what} must be one ASCII character other than a newline (a string like ";" or a byte number like 59), got ${JSON.stringify(value)}`,
        });
        return z.NEVER;
      }
      return code;
    });
}

/** The `batch_size` field of file connectors. */
export const batchSizeField = z.number().int().min(0).max(MAX_BATCH_SIZE).optional();

/**
 * Formats values as one CSV row (RFC 4180), without the line ending: null and missing values
 * are empty, an empty string is `""` (so the two stay apart), strings holding the delimiter, a
 * quote or a line break are quoted with quotes doubled, and objects and arrays are JSON text.
 *
 * @example
 * const format = csvRowFormatter(44);
 * format(["a,b", null, "", 3, { x: 1 }]); // '"a,b",,"",3,"{""x"":1}"'
 */
export function csvRowFormatter(delimiter: number): (values: readonly (Value | undefined)[]) => string {
  const separator = String.fromCharCode(delimiter);
  const special = new RegExp(`["\\r\\n${separator.replace(/[\\\]^-]/g, "\\$&")}]`);
  const field = (value: Value | undefined): string => {
    switch (typeof value) {
      case "string":
        if (value === "") return '""';
        return special.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
      case "number":
        return Number.isFinite(value) ? String(value) : "";
      case "boolean":
        return value ? "true" : "false";
      case "object": {
        if (value === null) return "";
        const text = JSON.stringify(value);
        return special.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
      }
      default:
        return "";
    }
  };
  return (values) => {
    let out = "";
    for (let i = 0; i < values.length; i++) out += (i === 0 ? "" : separator) + field(values[i]);
    return out;
  };
}
