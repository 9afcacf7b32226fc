import type { DatasetDescriptor, JsonSchema } from "faucet-core";

/** One column of one table or view, as a source's catalog query lists it. */
export interface CatalogColumn {
  /** The dataset's name, e.g. `schema.table`. */
  dataset: string;
  /** E.g. `table`, `view`. */
  kind: string;
  /** The `table` setting that reads the dataset. */
  table: string;
  /** Estimated rows, when the catalog knows. */
  estimatedRows?: number | undefined;
  column: string;
  /** The column's JSON Schema. */
  schema: JsonSchema;
}

/**
 * The datasets of a catalog listing (one row per column, a dataset's columns in order), each with
 * the JSON Schema of its records (every column required) and the
 * config patch that reads it: `discover()` of a SQL source.
 *
 * @example
 * collectDatasets(rows, (row) => ({ dataset: `${row.schema}.${row.name}`, kind: "table", table: row.name, column: row.column, schema: { type: "string" } }));
 */
export function collectDatasets<R>(rows: Iterable<R>, describe: (row: R) => CatalogColumn): DatasetDescriptor[] {
  const out = new Map<string, DatasetDescriptor & { schema: JsonSchema }>();
  for (const row of rows) {
    const column = describe(row);
    let entry = out.get(column.dataset);
    if (!entry) {
      entry = {
        name: column.dataset,
        kind: column.kind,
        schema: { type: "object", properties: {}, required: [] },
        configPatch: { table: column.table },
      };
      if (column.estimatedRows !== undefined) entry.estimatedRows = column.estimatedRows;
      out.set(column.dataset, entry);
    }
    (entry.schema.properties as Record<string, JsonSchema>)[column.column] = column.schema;
    (entry.schema.required as string[]).push(column.column);
  }
  return [...out.values()];
}
