// The test PostgreSQL server, for the tests of every Postgres connector (source, sink, state store).
import pg from "pg";

export const ADMIN_URL = process.env.FAUCET_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** The URL of another database on the same server. */
export function databaseUrl(database: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Runs statements on a short-lived connection (raw pg, default parsers). */
export async function sql(url: string, text: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text, params);
  } finally {
    await client.end();
  }
}

/** Creates a database of its own for a test file (so discover() sees only that file's tables). */
export async function ensureDatabase(name: string): Promise<string> {
  const { rowCount } = await sql(ADMIN_URL, "SELECT 1 FROM pg_database WHERE datname = $1", [name]);
  if (!rowCount) {
    await sql(ADMIN_URL, `CREATE DATABASE "${name}"`).catch((error: { code?: string }) => {
      if (error.code !== "42P04" && error.code !== "23505") throw error;
    });
  }
  return databaseUrl(name);
}
