import { qualifyIdentifier, quoteIdentifier, splitQualifiedIdentifier } from "faucet-common-sql";
import { expect, test } from "vitest";

test("identifiers: any quote character, inner quotes doubled, NUL refused", () => {
  expect(quoteIdentifier("a`b", "`")).toBe("`a``b`");
  expect(quoteIdentifier('Order "Lines"', '"')).toBe('"Order ""Lines"""');
  expect(() => quoteIdentifier("a\0b", '"')).toThrow(/NUL/);
  expect(qualifyIdentifier("s", "t", '"')).toBe('"s"."t"');
  expect(qualifyIdentifier(undefined, "t", "`")).toBe("`t`");
});

test("qualified names split on the dot outside quotes; a bad name says which form to write", () => {
  expect(splitQualifiedIdentifier('sales."Order.Lines"', '"', "schema")).toEqual(["sales", "Order.Lines"]);
  expect(splitQualifiedIdentifier("`A``b`", "`", "database")).toEqual([undefined, "A`b"]);
  expect(() => splitQualifiedIdentifier("a.b.c", '"', "schema")).toThrow(
    "`a.b.c` is not a table name (write table or schema.table)",
  );
  expect(() => splitQualifiedIdentifier("a.", "`", "database")).toThrow(/database\.table/);
  expect(() => splitQualifiedIdentifier('"open', '"', "schema")).toThrow(/not a table name/);
});
