/**
 * Prints what the quickstart pipeline landed: the row count of `orders` and its first rows as
 * a table. It is itself a small faucet program: a SQLite source piped into the stdout sink.
 *
 *   node examples/quickstart/dist/summary.js [path/to/quickstart.db]
 */
import { fileURLToPath } from "node:url";
import { fetchAll, Pipeline, silentLogger } from "faucet-core";
import { StdoutSink } from "faucet-sink-stdout";
import { SqliteSource } from "faucet-source-sqlite";

const database = process.argv[2] ?? fileURLToPath(new URL("../out/quickstart.db", import.meta.url));

const [totals] = await fetchAll(
  new SqliteSource({
    database_url: database,
    query: `SELECT count(*) AS orders,
                   count(DISTINCT country) AS countries,
                   round(sum(quantity * unit_price * (1 - coalesce(discount, 0))), 2) AS revenue
            FROM orders`,
  }),
);
const { orders, countries, revenue } = totals as { orders: number; countries: number; revenue: number };
console.log(`${database}: ${orders} orders from ${countries} countries, revenue ${revenue.toFixed(2)}`);

await new Pipeline(
  new SqliteSource({
    database_url: database,
    query:
      "SELECT order_id, ordered_at, customer, country, product, quantity, unit_price, paid FROM orders ORDER BY order_id LIMIT 5",
  }),
  new StdoutSink({ format: "tsv" }),
  { logger: silentLogger },
).run();
