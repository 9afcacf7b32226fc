// The test MariaDB server, for the tests of every MySQL connector (source and sink).
import mysql from "mysql2/promise";

export const ADMIN_URL = process.env.FAUCET_TEST_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test";

/** The URL of another database on the same server. */
export function databaseUrl(database: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * Runs statements on a short-lived connection (plain mysql2), reading values as text where a
 * JavaScript number or object could change them: big integers, dates and JSON.
 */
export async function sql(url: string, text: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  const connection = await mysql.createConnection({
    uri: url,
    multipleStatements: true,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    jsonStrings: true,
  });
  try {
    const [rows] = await connection.query(text, params);
    return rows as Record<string, unknown>[];
  } finally {
    await connection.end();
  }
}

/** Creates a database of its own for a test file (so discover() sees only that file's tables). */
export async function freshDatabase(name: string): Promise<string> {
  await sql(ADMIN_URL, `DROP DATABASE IF EXISTS \`${name}\`; CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  return databaseUrl(name);
}
