import { FaucetError, type Value } from "faucet-core";

/**
 * Rendering a stored bookmark into a request, shared by the HTTP sources that bind it (the
 * GraphQL source's `replication_bind.variable` and the REST source's `replication_bind`). The
 * formats are the Rust faucet-stream's `BindFormat`.
 */

/** The placeholder a bind template substitutes (the Rust faucet-stream spelling). */
// biome-ignore lint/suspicious/noTemplateCurlyInString: a literal placeholder users write in YAML
export const BOOKMARK_PLACEHOLDER = "${bookmark}";

/** How a bookmark is written into a request. */
export const BOOKMARK_FORMATS = ["raw", "iso8601", "epoch_s", "epoch_ms", "date"] as const;

/** One of {@link BOOKMARK_FORMATS}. */
export type BookmarkFormat = (typeof BOOKMARK_FORMATS)[number];

/**
 * Formats a bookmark: `raw` as stored (objects as JSON); otherwise it is read as an instant (an
 * RFC 3339 or `YYYY-MM-DD` string, or a number of epoch seconds) and written as ISO 8601 UTC,
 * epoch seconds, epoch milliseconds or a date. A value that is not an instant is a `config` error.
 *
 * @example
 * formatBookmark("2024-05-01T10:00:00Z", "epoch_s"); // "1714557600"
 * formatBookmark(1714557600, "date");                // "2024-05-01"
 */
export function formatBookmark(bookmark: Value, format: BookmarkFormat, connector?: string): string {
  if (format === "raw") return typeof bookmark === "object" ? JSON.stringify(bookmark) : String(bookmark);
  const ms = instantOf(bookmark, connector);
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

/**
 * Fills a bind template: every `${bookmark}` becomes the formatted bookmark.
 *
 * @example
 * renderBookmark("updated_at:>${bookmark}", "2024-05-01T10:00:00Z", "date"); // "updated_at:>2024-05-01"
 */
export function renderBookmark(template: string, bookmark: Value, format: BookmarkFormat, connector?: string): string {
  return template.split(BOOKMARK_PLACEHOLDER).join(formatBookmark(bookmark, format, connector));
}

function instantOf(bookmark: Value, connector: string | undefined): number {
  if (typeof bookmark === "number" && Number.isFinite(bookmark)) return bookmark * 1000;
  if (typeof bookmark === "string") {
    const text = bookmark.trim();
    // A timestamp without a zone is read as UTC, not local time.
    const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/.test(text) ? Date.parse(`${text}Z`) : Date.parse(text);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new FaucetError("config", `cannot read the bookmark ${JSON.stringify(bookmark)} as a time`, {
    ...(connector ? { connector } : {}),
    hint: "use format: raw, or keep bookmarks as RFC 3339 strings or epoch seconds",
  });
}
