// A stand-in for the system a connector talks to: named datasets of records, kept in this
// process. A real connector replaces this file with its vendor library (pg, mysql2, undici, …)
// and creates its client or pool once, in the connector's constructor.
import type { ValueObject } from "faucet-core";

const datasets = new Map<string, ValueObject[]>();

/** The in-memory backend shared by the template source and sink. */
export const memory = {
  /** The names of every dataset, sorted. */
  names(): string[] {
    return [...datasets.keys()].sort();
  },
  /** The rows of a dataset, or undefined when it does not exist. */
  rows(name: string): readonly ValueObject[] | undefined {
    return datasets.get(name);
  },
  /** Replaces a dataset's rows (creating it). The rows are copied. */
  replace(name: string, rows: readonly ValueObject[]): void {
    datasets.set(
      name,
      rows.map((row) => ({ ...row })),
    );
  },
  /** Adds rows to the end of a dataset (creating it). The rows are copied. */
  append(name: string, rows: readonly ValueObject[]): void {
    const current = datasets.get(name) ?? [];
    for (const row of rows) current.push({ ...row });
    datasets.set(name, current);
  },
  /** Removes a dataset. */
  drop(name: string): void {
    datasets.delete(name);
  },
};
