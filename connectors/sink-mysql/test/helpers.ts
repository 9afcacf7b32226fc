// The test MariaDB server comes from common-mysql/test/server.ts, as for the source tests; the
// cross-database tests also read from the test PostgreSQL server of common-postgres/test/server.ts.
import type pg from "pg";
import { ADMIN_URL as POSTGRES_URL, sql as postgresSql } from "../../common-postgres/test/server.js";

export { ADMIN_URL, databaseUrl, freshDatabase, sql } from "../../common-mysql/test/server.js";
export { POSTGRES_URL };

/** Runs statements on the PostgreSQL server the cross-database tests read from (raw pg). */
export function pgsql(text: string): Promise<pg.QueryResult> {
  return postgresSql(POSTGRES_URL, text);
}
