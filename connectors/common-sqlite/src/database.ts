import { mkdir, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { type DatabaseLocation, databaseLocation } from "faucet-common-sql";
import { FaucetError } from "faucet-core";
import Libsql from "libsql";
import { sqliteError } from "./errors.js";

/** A libsql (better-sqlite3 compatible) connection. */
export type Database = InstanceType<typeof Libsql>;

/**
 * Where a `database_url` points: a plain path, `sqlite:path`, `sqlite://path`,
 * `sqlite:///abs/path`, `file:path`, or `:memory:` / `sqlite::memory:` (prefixes in any case). A
 * query string (`?mode=rwc`) is ignored. Relative paths resolve against `baseDir`.
 *
 * @example
 * parseDatabaseUrl("sqlite:./data/app.db", "/etc/faucet"); // { path: "/etc/faucet/data/app.db", memory: false }
 */
export function parseDatabaseUrl(url: string, baseDir?: string): DatabaseLocation {
  return databaseLocation(url, ["sqlite", "file"], baseDir, { ignoreCase: true, dropQuery: true });
}

/** Options of {@link openDatabase}. */
export interface OpenOptions {
  /** E.g. `sink-sqlite`, for error messages. */
  connector: string;
  kind: "source" | "sink";
  /** Create the file (and its directory) when missing; otherwise a missing file is an error. */
  create: boolean;
  /** How long a statement waits for another connection's lock before failing. */
  busyTimeoutMs: number;
  /**
   * Switch the database to WAL journaling with `synchronous = NORMAL` (writers: readers never
   * block the writer, and commits skip fsync; call `checkpoint` to make them durable).
   */
  wal?: boolean;
  /** Refuse writes through this connection (sources). */
  queryOnly?: boolean;
}

/**
 * Opens a connection with a busy timeout (and WAL, for writers). Every failure is a
 * FaucetError naming the file: a missing file for a reader, a directory that cannot be created,
 * a file locked by another writer.
 *
 * @example
 * const db = await openDatabase({ path: "/data/app.db", memory: false }, { connector: "source-sqlite", kind: "source", create: false, busyTimeoutMs: 5000 });
 */
export async function openDatabase(location: DatabaseLocation, options: OpenOptions): Promise<Database> {
  const { connector, kind } = options;
  const where = { connector, kind, path: location.path };
  if (!location.memory) {
    if (options.create) {
      try {
        await mkdir(dirname(location.path), { recursive: true });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new FaucetError(
          kind,
          `could not create the directory for ${location.path}: ${code === "ENOTDIR" || code === "EEXIST" ? "a parent is a file, not a directory" : (error as Error).message}`,
          {
            cause: error,
            connector,
            hint: "fix database_url so that every parent of the file is a directory",
          },
        );
      }
    } else {
      try {
        const info = await stat(location.path);
        if (!info.isFile()) throw Object.assign(new Error("not a regular file"), { code: "EISDIR" });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new FaucetError(
          kind,
          `could not open ${location.path}: ${code === "ENOENT" ? "the database file does not exist" : code === "EISDIR" ? "it is a directory, not a database file" : (error as Error).message}`,
          {
            cause: error,
            connector,
            hint: "check database_url; relative paths resolve against the config file's directory",
          },
        );
      }
    }
  }
  let db: Database;
  try {
    db = new Libsql(location.path);
  } catch (error) {
    throw sqliteError(error, { ...where, action: "open" });
  }
  try {
    db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs))}`);
    if (options.wal && !location.memory) {
      db.exec("PRAGMA journal_mode = WAL");
      // Commits are not fsynced one by one (a process crash loses nothing in WAL mode); the
      // writer's flush() runs a checkpoint, which syncs the WAL, before any bookmark is saved.
      db.exec("PRAGMA synchronous = NORMAL");
    }
    if (options.queryOnly) db.exec("PRAGMA query_only = ON");
    // Reading the schema proves this is a database at all (a text file fails here, not later).
    db.prepare("SELECT count(*) FROM sqlite_schema").raw(true).get();
  } catch (error) {
    db.close();
    throw sqliteError(error, { ...where, action: "open" });
  }
  return db;
}

/**
 * Makes every committed transaction durable: in WAL mode with `synchronous = NORMAL` a
 * checkpoint syncs the WAL first, even when readers keep it from finishing.
 *
 * @example
 * checkpoint(db); // before saving a bookmark
 */
export function checkpoint(db: Database): void {
  db.prepare("PRAGMA wal_checkpoint(PASSIVE)").raw(true).get();
}

/**
 * An identifier quoted for SQLite: `"name"`, with embedded quotes doubled.
 *
 * @example
 * quoteIdentifier('odd"name'); // '"odd""name"'
 */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
