import { BOOKMARK_PLACEHOLDER, formatBookmark, renderBookmark } from "faucet-common-http";
import { FaucetError } from "faucet-core";
import { describe, expect, it } from "vitest";

describe("formatBookmark", () => {
  it("writes raw values as stored and instants in every format", () => {
    expect(formatBookmark(42, "raw")).toBe("42");
    expect(formatBookmark({ a: 1 }, "raw")).toBe('{"a":1}');
    expect(formatBookmark("2024-05-01T10:00:00Z", "iso8601")).toBe("2024-05-01T10:00:00Z");
    expect(formatBookmark("2024-05-01T10:00:00.250Z", "iso8601")).toBe("2024-05-01T10:00:00.250Z");
    expect(formatBookmark("2024-05-01T10:00:00", "epoch_s")).toBe("1714557600");
    expect(formatBookmark(1714557600, "epoch_ms")).toBe("1714557600000");
    expect(formatBookmark(1714557600, "date")).toBe("2024-05-01");
    expect(renderBookmark(`updated_at:>${BOOKMARK_PLACEHOLDER}`, "2024-05-01T10:00:00Z", "date")).toBe(
      "updated_at:>2024-05-01",
    );
  });

  it("refuses a value that is not an instant with a config error", () => {
    const error = (() => {
      try {
        formatBookmark("not a time", "epoch_s", "source-graphql");
      } catch (e) {
        return e;
      }
    })();
    expect(FaucetError.is(error, "config")).toBe(true);
    expect((error as FaucetError).message).toBe(
      '[faucet] [source-graphql] cannot read the bookmark "not a time" as a time (hint: use format: raw, or keep bookmarks as RFC 3339 strings or epoch seconds)',
    );
  });
});
