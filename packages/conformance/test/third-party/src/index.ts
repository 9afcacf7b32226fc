// faucet-source-foo: a connector written by someone outside the faucet repository. It depends
// on faucet-core alone (zod comes through it) and reads a JSON Lines file, page by page.
import { open } from "node:fs/promises";
import {
  defineSource,
  FaucetError,
  type FetchContext,
  parseConfig,
  type Source,
  type SourceCapabilities,
  type StreamPage,
  schemaFor,
  type Value,
  z,
} from "faucet-core";

export const FooConfig = z.strictObject({
  path: z.string().min(1).describe("The JSON Lines file to read"),
  batch_size: z.number().int().min(0).optional().describe("Records per page; 0 reads everything as one page"),
});

export class FooSource implements Source {
  readonly config: z.output<typeof FooConfig>;
  #after = 0;

  constructor(input: z.input<typeof FooConfig>) {
    this.config = parseConfig(FooConfig, input, { connector: "source-foo" });
  }
  connectorName(): string {
    return "source-foo";
  }
  configSchema() {
    return schemaFor(FooConfig);
  }
  capabilities(): SourceCapabilities {
    return { incremental: true, deterministicReplay: true, discover: false };
  }
  applyStartBookmark(bookmark: Value): void {
    this.#after = Number(bookmark);
  }
  async fetchWithContext(ctx: FetchContext): Promise<Value[]> {
    const records: Value[] = [];
    for await (const page of this.streamPages(ctx, 0)) records.push(...page.records);
    return records;
  }
  /** Reads line by line; the bookmark is the number of lines read so far. */
  async *streamPages(_ctx: FetchContext, batchSize: number): AsyncGenerator<StreamPage> {
    const size = this.config.batch_size ?? batchSize;
    let file: Awaited<ReturnType<typeof open>>;
    try {
      file = await open(this.config.path);
    } catch (error) {
      throw new FaucetError("source", `cannot open ${this.config.path}`, { cause: error, connector: "source-foo" });
    }
    try {
      let line = 0;
      let page: Value[] = [];
      for await (const text of file.readLines()) {
        if (text.trim() === "" || ++line <= this.#after) continue;
        page.push(JSON.parse(text) as Value);
        if (size > 0 && page.length === size) {
          yield { records: page, bookmark: line };
          page = [];
        }
      }
      if (page.length > 0) yield { records: page, bookmark: line };
    } finally {
      await file.close();
    }
  }
}

export const definition = defineSource({
  type: "foo",
  description: "Read a JSON Lines file",
  config: FooConfig,
  create: (config) => new FooSource(config),
});
