// The test PostgreSQL server comes from common-postgres/test/server.ts, as for the source tests.
export { ADMIN_URL, databaseUrl, ensureDatabase, sql } from "../../common-postgres/test/server.js";
