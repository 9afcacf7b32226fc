import { qualifyIdentifier, quoteIdentifier, splitQualifiedIdentifier } from "faucet-common-sql";

/**
 * Quotes an identifier with backticks (inner backticks doubled), so any name is safe and exact.
 *
 * @example
 * quoteIdent("order `lines`"); // "`order ``lines```"
 */
export function quoteIdent(name: string): string {
  return quoteIdentifier(name, "`");
}

/** `` `db`.`table` ``, or just `` `table` `` when no database is given. */
export function qualifiedName(database: string | undefined, table: string): string {
  return qualifyIdentifier(database, table, "`");
}

/**
 * Splits `db.table` (either part may be backtick-quoted) into its parts. A name without a dot has
 * no database.
 *
 * @example
 * splitQualifiedName("shop.`order lines`"); // { database: "shop", table: "order lines" }
 */
export function splitQualifiedName(name: string): { database: string | undefined; table: string } {
  const [database, table] = splitQualifiedIdentifier(name, "`", "database");
  return { database, table };
}

// NUL and Ctrl-Z (0x1a) must be escaped too: the server's parser treats them specially.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const SPECIAL = /[\0\n\r\x1a"'\\]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const SPECIAL_ALL = /[\0\n\r\x1a"'\\]/g;
const ESCAPES: Record<string, string> = {
  "\0": "\\0",
  "\n": "\\n",
  "\r": "\\r",
  "\x1a": "\\Z",
  '"': '\\"',
  "'": "\\'",
  "\\": "\\\\",
};

/**
 * A string literal with backslash escapes, for sessions whose sql_mode has no
 * NO_BACKSLASH_ESCAPES (faucet's sink sets its own sql_mode).
 *
 * @example
 * quoteString("it's"); // "'it\\'s'"
 */
export function quoteString(text: string): string {
  if (!SPECIAL.test(text)) return `'${text}'`;
  return `'${text.replace(SPECIAL_ALL, (c) => ESCAPES[c] as string)}'`;
}
