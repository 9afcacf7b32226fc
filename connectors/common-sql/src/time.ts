/** A point in time with its sub-second digits kept exactly (up to nanoseconds). */
export interface ParsedTimestamp {
  /** Whole seconds since 1970-01-01T00:00:00Z. */
  seconds: number;
  /** The fraction's digits as written (`"123456"`), `""` for none. */
  fraction: string;
  /** Whether the text carried `Z` or an offset (else it was read at the given default offset). */
  zoned: boolean;
}

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * A UTC offset in minutes from `Z`, `UTC`, `+05:30`, `-0800` or `+05`; undefined when `text` is
 * none of these.
 *
 * @example
 * parseOffset("+05:30"); // 330
 */
export function parseOffset(text: string): number | undefined {
  if (text === "Z" || text === "z" || text.toUpperCase() === "UTC") return 0;
  const match = /^([+-])(\d{2})(?::?(\d{2}))?$/.exec(text);
  if (!match) return undefined;
  const hours = Number(match[2]);
  const minutes = Number(match[3] ?? 0);
  if (hours > 14 || minutes > 59) return undefined;
  return (match[1] === "-" ? -1 : 1) * (hours * 60 + minutes);
}

/** `+05:30` for 330, `+00:00` for 0. */
export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

/**
 * Parses an ISO 8601 / SQL timestamp (`2024-02-29T23:59:59.123456+05:30`, `2024-02-29 23:59:59`,
 * `2024-02-29`) exactly; a text without an offset is read at `defaultOffset` minutes. Undefined
 * for anything else, including impossible dates (`2023-02-29`, `0000-00-00`).
 *
 * @example
 * parseTimestamp("1970-01-01T00:00:01.5Z"); // { seconds: 1, fraction: "5", zoned: true }
 */
export function parseTimestamp(text: string, defaultOffset = 0): ParsedTimestamp | undefined {
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((p) => Number(p ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const offset = m[8] === undefined ? defaultOffset : parseOffset(m[8]);
  if (offset === undefined || year < 1 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59) {
    return undefined;
  }
  if (second > 59) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  if (date.getUTCDate() !== day || date.getUTCMonth() !== month - 1) return undefined;
  return { seconds: date.getTime() / 1000 - offset * 60, fraction: m[7] ?? "", zoned: m[8] !== undefined };
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/**
 * Formats a timestamp as wall-clock time at `offset` minutes: `sql` gives `2024-02-29 23:59:59.123`
 * (what MySQL's DATETIME takes), `iso` gives `2024-02-29T23:59:59.123Z` (offset 0) or with the
 * offset (`+05:30`). `fractionDigits` pads or cuts the fraction (cutting never rounds up into the
 * next second); undefined keeps it as parsed.
 *
 * @example
 * formatTimestamp({ seconds: 0, fraction: "5", zoned: true }, 0, "iso"); // "1970-01-01T00:00:00.5Z"
 */
export function formatTimestamp(
  value: ParsedTimestamp,
  offset: number,
  style: "sql" | "iso",
  fractionDigits?: number,
): string {
  const date = new Date((value.seconds + offset * 60) * 1000);
  const year = date.getUTCFullYear();
  let text = `${pad(year, 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}${style === "iso" ? "T" : " "}${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  const fraction =
    fractionDigits === undefined ? value.fraction : value.fraction.padEnd(fractionDigits, "0").slice(0, fractionDigits);
  if (fraction !== "") text += `.${fraction}`;
  if (style === "iso") text += offset === 0 ? "Z" : formatOffset(offset);
  return text;
}
