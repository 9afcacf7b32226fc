/**
 * faucet-common-sql: the SQL-agnostic pieces faucet's database connectors share, so each
 * dialect's package holds only what is its own (quoting, drivers, statements):
 * config fragments (`write_mode`/`key`/`delete_marker`, `column_mapping`, `create_table`,
 * `query`/`table`/`params`, incremental replication), keyed write plans and delete markers,
 * page columns for auto_map, multi-row statement packing under a parameter or packet limit,
 * logical type → column type tables, incremental query wrapping and page assembly with
 * bookmarks, the capabilities of a transactional sink, commit-token checks, exact JSON parsing,
 * timestamps with offsets, and the row-level error that names the record a page failed on.
 *
 * @packageDocumentation
 *
 * @example
 * import { planKeyedWrites, packStatements } from "faucet-common-sql";
 *
 * const { upserts } = planKeyedWrites(records, { mode: "upsert", key: ["id"] });
 * for (const s of packStatements(upserts.length, (i) => tuple(upserts[i]), { head: "INSERT INTO t VALUES ", maxBytes: 1 << 24, maxRows: 1000 }))
 *   await connection.query(s.sql);
 */
export { transactionalSinkCapabilities } from "./capabilities.js";
export type { PlannedColumn, PlannedColumnsOptions, SqlDialect } from "./column-types.js";
export { COLUMN_TYPES, columnTypeFor, createTableSql, KEY_COLUMN_TYPES, plannedColumns } from "./column-types.js";
export { COMMIT_TOKEN_TABLE, isReplayedToken } from "./commit-token.js";
export type {
  DeleteMarker,
  IncrementalConfig,
  IncrementalSettings,
  WriteSpecConfig,
  WriteSpecMessages,
} from "./config.js";
export {
  columnMappingField,
  createTableField,
  deleteMarkerField,
  ignoreUnknownField,
  incrementalFields,
  incrementalSettings,
  jsonColumnOf,
  keyField,
  maxConnectionsField,
  queryFields,
  refineIncremental,
  refineQuery,
  refineWriteSpec,
  statementBatchSizeField,
  WRITE_MODES,
  writeSpecFields,
  writeSpecRefinement,
} from "./config.js";
export type { ConnectFailure } from "./connect-error.js";
export { serverConnectError } from "./connect-error.js";
export type { CatalogColumn } from "./datasets.js";
export { collectDatasets } from "./datasets.js";
export { hasLongNumberRun, isLossy, LossyNumberError, parseJsonbExact, parseJsonExact } from "./exact-json.js";
export { qualifyIdentifier, quoteIdentifier, splitQualifiedIdentifier } from "./identifiers.js";
export type { IncrementalQueryOptions, ReadPlan } from "./incremental.js";
export { incrementalQuery, PageAssembler, sameKey, stateKeyFor, trimQuery } from "./incremental.js";
export type { LazyPoolOptions, LazyResourceOptions } from "./lazy-resource.js";
export { LazyResource, lazyPool } from "./lazy-resource.js";
export type { DatabaseLocation, DatabaseLocationOptions, OpenDatabaseTexts } from "./location.js";
export { databaseLocation, openDatabaseError } from "./location.js";
export type { SourceReadConfig } from "./read-config.js";
export { jsonBigNumbersField, refineSource, serverSourceFields } from "./read-config.js";
export type { ReadCursorConfig, ReadCursorOptions } from "./read-cursor.js";
export { ReadCursor } from "./read-cursor.js";
export { bigNumberWarning, CellError, decodeFailure, missingKeyError } from "./read-errors.js";
export type {
  CertificatePaths,
  ResolvedServer,
  ServerConnectionConfig,
  ServerConnectionTexts,
  ServerUrlOptions,
  ServerUrlParts,
  SslMode,
} from "./server-connection.js";
export {
  badConnectionUrl,
  connectionRequirement,
  describeServer,
  parseServerUrl,
  readTlsFiles,
  resolveServer,
  SSL_MODES,
  serverConnectionFields,
  withBaseDir,
} from "./server-connection.js";
export { NOT_SIMPLE, SimpleJsonReader } from "./simple-json.js";
export { tableSinkFields } from "./sink-config.js";
export type { OverwriteOptions, TableOps } from "./sink-overwrite.js";
export { OverwriteTarget } from "./sink-overwrite.js";
export type { CheckSinkTableOptions, SinkTableConfig, SinkTableOptions } from "./sink-table.js";
export { checkSinkTable, ensureSinkTable, keyColumnsOf } from "./sink-table.js";
export type { OncePage, RunStatement, TransactionOptions } from "./sink-transaction.js";
export { inTransaction, writePageOnce } from "./sink-transaction.js";
export type { PackedStatement, PackOptions } from "./statements.js";
export { packStatements, rowsPerStatement } from "./statements.js";
export type { ParsedTimestamp } from "./time.js";
export { formatOffset, formatTimestamp, parseOffset, parseTimestamp } from "./time.js";
export type { KeyedWriteOptions, KeyedWrites, NamedColumn, PageColumnsOptions } from "./write-plan.js";
export {
  describeValue,
  isDeleteMarked,
  pageColumns,
  planKeyedWrites,
  RowError,
  rowFailure,
} from "./write-plan.js";
