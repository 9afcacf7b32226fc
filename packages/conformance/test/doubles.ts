// Test doubles for the checks: each correct double must pass its check and each broken one
// (a `fault`) must fail it. They keep rows in a `Table`, standing in for a real backend.
import { connect, createServer, type Server, type Socket } from "node:net";
import {
  type CheckReport,
  type DatasetDescriptor,
  FaucetError,
  type FetchContext,
  parseCommitToken,
  probe,
  type SchemaChange,
  type Sink,
  type SinkCapabilities,
  type SinkSchema,
  type Source,
  type SourceCapabilities,
  type StreamPage,
  schemaFor,
  type Value,
  type ValueObject,
  z,
} from "faucet-core";

/** The "backend" doubles read and write. */
export class Table {
  rows: ValueObject[] = [];
  columns = ["id", "v"];
  tokens = new Map<string, string>();
  count = () => this.rows.length;
  read = () => this.rows.map((row) => ({ ...row }));
}

export function records(count: number, firstId = 1): ValueObject[] {
  return Array.from({ length: count }, (_, i) => ({ id: firstId + i, v: `v${firstId + i}` }));
}

const SourceConfig = z.strictObject({ batch_size: z.number().int().min(0).default(100).describe("Records per page") });

export type SourceFault =
  | "one-big-page"
  | "loses-a-record"
  | "ignores-bookmark"
  | "no-bookmark"
  | "batch-zero-pages"
  | "shuffles"
  | "bookmark-not-json";

/** A source over `table.rows`, paging natively, incremental on `id`. */
export class TableSource implements Source {
  #start: number | undefined;
  readonly #table: Table;
  readonly #batchSize: number;
  readonly #faults: ReadonlySet<SourceFault>;

  constructor(table: Table, options: { batchSize?: number; faults?: SourceFault[] } = {}) {
    this.#table = table;
    this.#batchSize = options.batchSize ?? 100;
    this.#faults = new Set(options.faults);
  }
  connectorName(): string {
    return "source-table";
  }
  configSchema() {
    return schemaFor(SourceConfig);
  }
  capabilities(): SourceCapabilities {
    return { incremental: true, deterministicReplay: true, discover: false };
  }
  applyStartBookmark(bookmark: Value): void {
    if (!this.#faults.has("ignores-bookmark")) this.#start = (bookmark as { id: number }).id;
  }
  async fetchWithContext(): Promise<Value[]> {
    const all: Value[] = [];
    for await (const page of this.streamPages({}, 0)) all.push(...page.records);
    return all;
  }
  async *streamPages(_ctx: FetchContext, batchSize: number): AsyncGenerator<StreamPage> {
    let rows = this.#table.rows.filter((row) => this.#start === undefined || (row.id as number) > this.#start);
    if (this.#faults.has("loses-a-record")) rows = rows.slice(1);
    if (this.#faults.has("shuffles")) rows = [...rows].sort(() => Math.random() - 0.5);
    let size = this.#batchSize || batchSize || rows.length || 1;
    if (this.#faults.has("one-big-page")) size = rows.length || 1;
    if (this.#batchSize === 0 && this.#faults.has("batch-zero-pages")) size = 10;
    for (let start = 0; start < rows.length; start += size) {
      const page = rows.slice(start, start + size);
      const last = page[page.length - 1] as ValueObject;
      if (this.#faults.has("no-bookmark")) yield { records: page };
      else if (this.#faults.has("bookmark-not-json"))
        yield { records: page, bookmark: { id: last.id, at: undefined } as never };
      else yield { records: page, bookmark: { id: last.id as number } };
    }
  }
}

/** A source of named datasets that can discover them. */
export class DatasetSource implements Source {
  constructor(
    readonly datasets: Record<string, ValueObject[]>,
    readonly config: { dataset?: string },
    readonly found: DatasetDescriptor[] = Object.keys(datasets).map((name) => ({
      name,
      kind: "table",
      configPatch: { dataset: name },
    })),
  ) {}
  connectorName(): string {
    return "source-datasets";
  }
  capabilities(): SourceCapabilities {
    return { incremental: false, deterministicReplay: false, discover: true };
  }
  async discover(): Promise<DatasetDescriptor[]> {
    return this.found;
  }
  async fetchWithContext(): Promise<Value[]> {
    const rows = this.datasets[this.config.dataset ?? ""];
    if (!rows) throw new FaucetError("source", `no dataset ${this.config.dataset}`, { connector: "source-datasets" });
    return rows;
  }
}

export type FailureFault = "plain-error" | "succeeds-empty" | "uncaught" | "unhandled-rejection" | "wrong-kind";

/** A source set up to fail as a real one does when its server is unreachable. */
export class UnreachableSource implements Source {
  constructor(readonly fault?: FailureFault) {}
  connectorName(): string {
    return "source-unreachable";
  }
  async fetchWithContext(): Promise<Value[]> {
    switch (this.fault) {
      case "plain-error":
        throw new Error("ECONNREFUSED 127.0.0.1:1");
      case "succeeds-empty":
        return [];
      case "uncaught":
        setImmediate(() => {
          throw new Error("socket error in a callback");
        });
        throw new FaucetError("connection", "could not connect", { connector: "source-unreachable" });
      case "unhandled-rejection":
        Promise.reject(new Error("a forgotten promise"));
        throw new FaucetError("connection", "could not connect", { connector: "source-unreachable" });
      case "wrong-kind":
        throw new FaucetError("custom", "could not connect", { connector: "source-unreachable" });
      default:
        throw new FaucetError("connection", "could not connect to 127.0.0.1:1", {
          connector: "source-unreachable",
          hint: "start the server",
        });
    }
  }
}

export type CheckFault = "rejects" | "no-probes" | "no-reason" | "mutates" | "no-name" | "no-elapsed";

/** A connector whose check() probes `table`. */
export class CheckedSink implements Sink {
  constructor(
    readonly table: Table,
    readonly fault?: CheckFault,
  ) {}
  connectorName(): string {
    return "sink-checked";
  }
  async writeBatch(records: readonly Value[]): Promise<number> {
    this.table.rows.push(...(records as ValueObject[]));
    return records.length;
  }
  async check(): Promise<CheckReport> {
    if (this.fault === "rejects") throw new Error("cannot connect");
    if (this.fault === "no-probes") return { probes: [] };
    if (this.fault === "mutates") this.table.rows.push({ id: -1, v: "probe row" });
    const connect = await probe("connect", () => undefined);
    const write = await probe("table is writable", () => ({ skip: "read-only check" }));
    if (this.fault === "no-reason") delete write.reason;
    if (this.fault === "no-name") connect.name = "";
    if (this.fault === "no-elapsed") connect.elapsedMs = Number.NaN;
    return { probes: [connect, write] };
  }
}

export type SinkFault =
  | "upsert-appends"
  | "upsert-keeps-old"
  | "keyless-written"
  | "delete-ignored"
  | "token-not-stored"
  | "token-unscoped"
  | "watermark-duplicates"
  | "no-append-mode"
  | "claims-replay-safe"
  | "reports-token"
  | "appends-nothing"
  | "overwrite-appends"
  | "abort-keeps-staged"
  | "evolve-noop"
  | "flush-noop";

export interface TableSinkOptions {
  mode?: "append" | "upsert" | "delete";
  watermark?: boolean;
  evolve?: boolean;
  overwrite?: boolean;
  /** Holds written rows until flush(). */
  buffered?: boolean;
  partial?: boolean;
  /** Every write fails, as when the server is down. */
  down?: boolean;
  faults?: SinkFault[];
}

/** A sink into `table` that can append, upsert/delete on `id`, commit tokens, evolve and overwrite. */
export class TableSink implements Sink {
  readonly #table: Table;
  readonly #options: TableSinkOptions;
  readonly #faults: ReadonlySet<SinkFault>;
  #buffer: ValueObject[] = [];
  #staged: ValueObject[] | undefined;

  constructor(table: Table, options: TableSinkOptions = {}) {
    this.#table = table;
    this.#options = options;
    this.#faults = new Set(options.faults);
    // Core treats a method's presence as a claim (a sink with beginOverwrite is overwriting),
    // so the methods this configuration does not support are removed.
    if (!options.partial) this.writeBatchPartial = undefined as never;
    if (!options.overwrite) {
      this.beginOverwrite = undefined as never;
      this.commitOverwrite = undefined as never;
      this.abortOverwrite = undefined as never;
    }
  }
  connectorName(): string {
    return "sink-table";
  }
  capabilities(): SinkCapabilities {
    const keyed = this.#options.mode === "upsert" || this.#options.mode === "delete";
    const modes: SinkCapabilities["writeModes"] = ["append", "upsert", "delete"];
    if (this.#options.overwrite) modes.push("overwrite");
    return {
      writeModes: this.#faults.has("no-append-mode") ? modes.slice(1) : modes,
      replaySafeWrites: keyed || this.#faults.has("claims-replay-safe"),
      atomicWatermark: this.#options.watermark ?? false,
      dedupsByKey: keyed,
      schemaEvolution: this.#options.evolve ?? false,
    };
  }
  async writeBatch(records: readonly Value[]): Promise<number> {
    const rows = records as ValueObject[];
    const mode = this.#options.mode ?? "append";
    if (this.#options.down) throw new FaucetError("connection", "server is down", { connector: "sink-table" });
    if (mode !== "append" && !this.#faults.has("keyless-written")) {
      const keyless = rows.findIndex((row) => row.id === undefined || row.id === null);
      if (keyless >= 0) throw new FaucetError("sink", `row ${keyless} has no id`, { connector: "sink-table" });
    }
    if (this.#staged) this.#staged.push(...rows);
    else if (this.#options.buffered) this.#buffer.push(...rows);
    else this.#apply(rows);
    return rows.length;
  }
  async writeBatchPartial(records: readonly Value[]) {
    const ok = (records as ValueObject[]).filter((row) => row.id !== undefined && row.id !== null);
    const failures = (records as ValueObject[]).flatMap((row, index) =>
      row.id === undefined || row.id === null ? [{ index, error: new FaucetError("sink", "no id") }] : [],
    );
    await this.writeBatch(this.#faults.has("keyless-written") ? records : ok);
    return { written: ok.length, failures: this.#faults.has("keyless-written") ? [] : failures };
  }
  async flush(): Promise<void> {
    if (this.#faults.has("flush-noop")) return;
    this.#apply(this.#buffer);
    this.#buffer = [];
  }
  async close(): Promise<void> {
    this.#apply(this.#buffer);
    this.#buffer = [];
  }
  async writeBatchIdempotent(records: readonly Value[], scope: string, token: string): Promise<number> {
    await this.writeBatch(records);
    if (this.#faults.has("watermark-duplicates")) await this.writeBatch(records);
    if (!this.#faults.has("token-not-stored")) {
      this.#table.tokens.set(this.#faults.has("token-unscoped") ? "*" : scope, token);
    }
    return records.length;
  }
  async lastCommittedToken(scope: string): Promise<string | undefined> {
    if (this.#faults.has("reports-token")) return "00000000000000000001#1";
    const token = this.#table.tokens.get(this.#faults.has("token-unscoped") ? "*" : scope);
    if (token !== undefined) parseCommitToken(token);
    return token;
  }
  async currentSchema(): Promise<SinkSchema | undefined> {
    return { columns: this.#table.columns.map((name) => ({ name, type: "text", nullable: true })) };
  }
  async evolveSchema(change: SchemaChange): Promise<void> {
    if (this.#faults.has("evolve-noop")) return;
    for (const column of change.addColumns) this.#table.columns.push(column.name);
  }
  async beginOverwrite(): Promise<void> {
    this.#staged = [];
  }
  async commitOverwrite(): Promise<void> {
    if (!this.#faults.has("overwrite-appends")) this.#table.rows = [];
    this.#table.rows.push(...(this.#staged ?? []));
    this.#staged = undefined;
  }
  async abortOverwrite(): Promise<void> {
    if (this.#faults.has("abort-keeps-staged")) this.#table.rows.push(...(this.#staged ?? []));
    this.#staged = undefined;
  }

  #apply(rows: ValueObject[]): void {
    const mode = this.#options.mode ?? "append";
    for (const row of rows) {
      if (this.#faults.has("appends-nothing")) continue;
      const at = this.#table.rows.findIndex((existing) => existing.id === row.id);
      const isDelete = mode === "delete" || row.__op === "d";
      if (mode === "append" || this.#faults.has("upsert-appends") || (row.id ?? null) === null) {
        if (!isDelete || mode === "append") this.#table.rows.push(row);
      } else if (isDelete) {
        if (at >= 0 && !this.#faults.has("delete-ignored")) this.#table.rows.splice(at, 1);
      } else if (at < 0) {
        this.#table.rows.push(row);
      } else if (!this.#faults.has("upsert-keeps-old")) {
        this.#table.rows[at] = row;
      }
    }
  }
}

/** A TCP server on loopback for connectors that open sockets. */
export async function startServer(): Promise<{ server: Server; port: number; stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    server,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export type ResourceFault = "leaks-socket" | "leaks-timer" | "close-twice-throws";

/** A source that holds a socket and a keep-alive timer while open. */
export class SocketSource implements Source {
  #socket: Socket | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  constructor(
    readonly port: number,
    readonly fault?: ResourceFault,
  ) {}
  connectorName(): string {
    return "source-socket";
  }
  async fetchWithContext(): Promise<Value[]> {
    if (!this.#socket) {
      const socket = connect({ host: "127.0.0.1", port: this.port });
      await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
      this.#socket = socket;
      this.#timer = setInterval(() => {}, 60_000);
    }
    return [{ id: 1 }];
  }
  async close(): Promise<void> {
    if (this.#closed && this.fault === "close-twice-throws") throw new Error("already closed");
    this.#closed = true;
    if (this.fault !== "leaks-socket") this.#socket?.destroy();
    if (this.fault !== "leaks-timer") clearInterval(this.#timer);
  }
  /** Releases what a leaking double kept, after its check has failed. */
  release(): void {
    this.#socket?.destroy();
    clearInterval(this.#timer);
  }
}
