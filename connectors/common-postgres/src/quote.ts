import { qualifyIdentifier, quoteIdentifier, splitQualifiedIdentifier } from "faucet-common-sql";

/**
 * Quotes an identifier for SQL: always double-quoted, inner quotes doubled, so any name (mixed
 * case, spaces, keywords) is safe and exact.
 *
 * @example
 * quoteIdent('Order "Lines"'); // "\"Order \"\"Lines\"\"\""
 */
export function quoteIdent(name: string): string {
  return quoteIdentifier(name, '"');
}

/**
 * `"schema"."table"`, or just `"table"` when no schema is given (the search_path decides).
 *
 * @example
 * qualifiedName("public", "orders"); // "\"public\".\"orders\""
 */
export function qualifiedName(schema: string | undefined, table: string): string {
  return qualifyIdentifier(schema, table, '"');
}

/**
 * Splits `schema.table` (either part may be double-quoted) into its parts. A name without a dot
 * has no schema.
 *
 * @example
 * splitQualifiedName('sales."Order Lines"'); // { schema: "sales", table: "Order Lines" }
 */
export function splitQualifiedName(name: string): { schema: string | undefined; table: string } {
  const [schema, table] = splitQualifiedIdentifier(name, '"', "schema");
  return { schema, table };
}

/**
 * A SQL string literal that is safe whatever `standard_conforming_strings` says: `E'…'` with
 * backslashes and quotes escaped. For the few places that cannot bind parameters (COPY).
 *
 * @example
 * quoteLiteral("it's"); // "E'it\\'s'"
 */
export function quoteLiteral(value: string): string {
  if (value.includes("\0")) throw new Error("a string literal cannot contain a NUL character");
  return `E'${value.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}
