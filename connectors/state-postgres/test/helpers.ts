// The test PostgreSQL server of common-postgres/test/server.ts, as for the Postgres source and sink.
import type pg from "pg";
import { ADMIN_URL, sql as serverSql } from "../../common-postgres/test/server.js";

/** The local PostgreSQL the tests use. */
export const PG_URL = ADMIN_URL;

/** Runs one statement on a connection of its own, as an operator would with psql. */
export function sql(text: string, params: unknown[] = []): Promise<pg.QueryResult> {
  return serverSql(PG_URL, text, params);
}
