import pg from "pg";

/** The local PostgreSQL the tests use. */
export const PG_URL = process.env.FAUCET_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** Runs one statement on a connection of its own, as an operator would with psql. */
export async function sql(text: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return await client.query(text, params);
  } finally {
    await client.end();
  }
}
