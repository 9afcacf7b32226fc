/**
 * Quotes an identifier with `quote` (inner quotes doubled), so any name (mixed case, spaces,
 * keywords) is safe and exact: a backtick for MySQL, a double quote for Postgres and DuckDB.
 *
 * @example
 * quoteIdentifier('Order "Lines"', '"'); // "\"Order \"\"Lines\"\"\""
 */
export function quoteIdentifier(name: string, quote: string): string {
  if (name.includes("\0")) throw new Error("an identifier cannot contain a NUL character");
  return `${quote}${name.replaceAll(quote, quote + quote)}${quote}`;
}

/**
 * `<container>.<table>` quoted with `quote`, or just the table when no container (database or
 * schema) is given.
 *
 * @example
 * qualifyIdentifier("shop", "orders", "`"); // "`shop`.`orders`"
 */
export function qualifyIdentifier(container: string | undefined, table: string, quote: string): string {
  return container
    ? `${quoteIdentifier(container, quote)}.${quoteIdentifier(table, quote)}`
    : quoteIdentifier(table, quote);
}

/**
 * Splits `container.table` (either part may be quoted with `quote`, inner quotes doubled) into
 * its parts; a name without a dot has no container. `container` names the first part in the
 * error (`database`, `schema`).
 *
 * @example
 * splitQualifiedIdentifier('sales."Order Lines"', '"', "schema"); // ["sales", "Order Lines"]
 */
export function splitQualifiedIdentifier(
  name: string,
  quote: string,
  container: string,
): [container: string | undefined, table: string] {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < name.length; i++) {
    const ch = name[i] as string;
    if (quoted) {
      if (ch === quote && name[i + 1] === quote) {
        current += quote;
        i++;
      } else if (ch === quote) quoted = false;
      else current += ch;
    } else if (ch === quote) quoted = true;
    else if (ch === ".") {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  parts.push(current);
  if (quoted || parts.length > 2 || parts.some((p) => p === "")) {
    throw new Error(`\`${name}\` is not a table name (write table or ${container}.table)`);
  }
  return parts.length === 2 ? [parts[0], parts[1] as string] : [undefined, parts[0] as string];
}
