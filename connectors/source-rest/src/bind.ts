import { renderBookmark } from "faucet-common-http";
import { FaucetError, type Value } from "faucet-core";
import type { ReplicationBindConfig } from "./config.js";

export { formatBookmark } from "faucet-common-http";

/** A bookmark rendered for the request: where it goes and what is sent. */
export interface BoundBookmark {
  into: ReplicationBindConfig["into"];
  /** Query parameter, header, body field, JSON Pointer or path placeholder. */
  target: string;
  /** The value: a string, or a number for `value_type: number` body binds. */
  value: string | number;
}

/**
 * Renders `replication_bind` for a partition's start bookmark, or nothing when there is no
 * bookmark yet (the first run reads everything). Formatting (`raw`, `iso8601`, `epoch_s`,
 * `epoch_ms`, `date`) is shared with the GraphQL source through `faucet-common-http`.
 *
 * @example
 * renderBind({ into: "query", name: "since", template: "${bookmark}", format: "date", value_type: "string" }, "2024-05-01T10:00:00Z");
 * // { into: "query", target: "since", value: "2024-05-01" }
 */
export function renderBind(bind: ReplicationBindConfig, bookmark: Value | undefined): BoundBookmark | undefined {
  if (bookmark === undefined || bookmark === null) return undefined;
  const text = renderBookmark(bind.template, bookmark, bind.format, "source-rest");
  const target = bind.into === "body" && bind.path !== undefined ? bind.path : bind.name;
  if (bind.into === "body" && bind.value_type === "number") {
    const number = Number(text);
    if (!Number.isFinite(number)) {
      throw new FaucetError(
        "config",
        `replication_bind renders \`${text}\`, which is not a number (value_type: number)`,
        {
          connector: "source-rest",
          hint: "use format epoch_s or epoch_ms, or value_type: string",
        },
      );
    }
    return { into: bind.into, target, value: number };
  }
  return { into: bind.into, target, value: text };
}
