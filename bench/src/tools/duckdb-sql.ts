// Runs one SQL statement in an in-memory DuckDB and exits: the harness times this process as
// the DuckDB reference, apart from its own memory. Usage: node duckdb-sql.js "<sql>"
const sql = process.argv[2];
if (sql === undefined) {
  console.error("usage: node duckdb-sql.js <sql>");
  process.exit(2);
}
const { DuckDBInstance } = await import("@duckdb/node-api");
const instance = await DuckDBInstance.create(":memory:");
const connection = await instance.connect();
try {
  await connection.run(sql);
} finally {
  connection.closeSync();
  instance.closeSync();
}
