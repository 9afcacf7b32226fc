/**
 * Quotes an identifier for SQL: always double-quoted, inner quotes doubled, so any name (mixed
 * case, spaces, keywords) is safe and exact.
 *
 * @example
 * quoteIdent('Order "Lines"'); // "\"Order \"\"Lines\"\"\""
 */
export function quoteIdent(name: string): string {
  if (name.includes("\0")) throw new Error("an identifier cannot contain a NUL character");
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * `"schema"."table"`, or just `"table"` when no schema is given (the search_path decides).
 *
 * @example
 * qualifiedName("public", "orders"); // "\"public\".\"orders\""
 */
export function qualifiedName(schema: string | undefined, table: string): string {
  return schema ? `${quoteIdent(schema)}.${quoteIdent(table)}` : quoteIdent(table);
}

/**
 * Splits `schema.table` (either part may be double-quoted) into its parts. A name without a dot
 * has no schema.
 *
 * @example
 * splitQualifiedName('sales."Order Lines"'); // { schema: "sales", table: "Order Lines" }
 */
export function splitQualifiedName(name: string): { schema: string | undefined; table: string } {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < name.length; i++) {
    const ch = name[i] as string;
    if (quoted) {
      if (ch === '"' && name[i + 1] === '"') {
        current += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else current += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ".") {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  parts.push(current);
  if (quoted || parts.length > 2 || parts.some((p) => p === "")) {
    throw new Error(`\`${name}\` is not a table name (write table or schema.table)`);
  }
  return parts.length === 2
    ? { schema: parts[0], table: parts[1] as string }
    : { schema: undefined, table: parts[0] as string };
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
