import { FaucetError, type Value } from "faucet-core";
import { BOOKMARK_PLACEHOLDER, type ReplicationBindConfig } from "./config.js";

/** A bookmark rendered for the request: where it goes and what is sent. */
export interface BoundBookmark {
  into: ReplicationBindConfig["into"];
  /** Query parameter, header, body field, JSON Pointer or path placeholder. */
  target: string;
  /** The value: a string, or a number for `value_type: number` body binds. */
  value: string | number;
}

/**
 * Renders `replication_bind` for a partition's start bookmark, or nothing when there is no
 * bookmark yet (the first run reads everything).
 *
 * @example
 * renderBind({ into: "query", name: "since", template: "${bookmark}", format: "date", value_type: "string", … }, "2024-05-01T10:00:00Z");
 * // { into: "query", target: "since", value: "2024-05-01" }
 */
export function renderBind(bind: ReplicationBindConfig, bookmark: Value | undefined): BoundBookmark | undefined {
  if (bookmark === undefined || bookmark === null) return undefined;
  const text = bind.template.split(BOOKMARK_PLACEHOLDER).join(formatBookmark(bookmark, bind.format));
  const target = bind.into === "body" && bind.path !== undefined ? bind.path : bind.name;
  if (bind.into === "body" && bind.value_type === "number") {
    const number = Number(text);
    if (!Number.isFinite(number)) {
      throw new FaucetError(
        "config",
        `replication_bind renders \`${text}\`, which is not a number (value_type: number)`,
        {
          connector: "source-rest",
          hint: "use format epoch_s or epoch_ms, or value_type: string",
        },
      );
    }
    return { into: bind.into, target, value: number };
  }
  return { into: bind.into, target, value: text };
}

/**
 * Formats a bookmark: `raw` as stored; otherwise it is read as an instant (an RFC 3339 or
 * `YYYY-MM-DD` string, or a number of epoch seconds) and written as ISO 8601 UTC, epoch
 * seconds, epoch milliseconds or a date.
 */
export function formatBookmark(bookmark: Value, format: ReplicationBindConfig["format"]): string {
  if (format === "raw") {
    if (typeof bookmark === "object") return JSON.stringify(bookmark);
    return String(bookmark);
  }
  const ms = instantOf(bookmark);
  switch (format) {
    case "iso8601":
      return new Date(ms).toISOString().replace(/\.000Z$/, "Z");
    case "epoch_s":
      return String(Math.floor(ms / 1000));
    case "epoch_ms":
      return String(ms);
    case "date":
      return new Date(ms).toISOString().slice(0, 10);
  }
}

function instantOf(bookmark: Value): number {
  if (typeof bookmark === "number") return bookmark * 1000;
  if (typeof bookmark === "string") {
    const text = bookmark.trim();
    const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/.test(text) ? Date.parse(`${text}Z`) : Date.parse(text);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new FaucetError("config", `replication_bind cannot read the bookmark ${JSON.stringify(bookmark)} as a time`, {
    connector: "source-rest",
    hint: "use format: raw, or keep bookmarks as RFC 3339 strings or epoch seconds",
  });
}
