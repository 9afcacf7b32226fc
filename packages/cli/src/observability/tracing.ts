/**
 * OpenTelemetry spans through `@opentelemetry/api`. faucet ships no SDK: spans go wherever the
 * process registered one (`node --import ./otel.mjs`, docs/observability.md). When none is
 * registered, the API is not even imported, so a plain run pays nothing.
 */
import type { CallEvent, FaucetError, PipelineResult, SpanHandle } from "faucet-core";
import { redactSecrets } from "faucet-core";

/** Where @opentelemetry/api 1.x keeps what an SDK registered (its documented global). */
const OTEL_GLOBAL = Symbol.for("opentelemetry.js.api.1");

/** True when an OpenTelemetry SDK registered a tracer provider in this process. */
export function tracerRegistered(): boolean {
  const registered = (globalThis as Record<symbol, { trace?: unknown } | undefined>)[OTEL_GLOBAL];
  return registered?.trace !== undefined;
}

/** Core's span names (`role.operation`) as faucet's (the Rust faucet-stream's where it has one). */
function spanName(name: string): string {
  return name === "source.read" ? "faucet.source.page" : `faucet.${name}`;
}

/** What the run span is about. */
export interface RunSpanAttributes {
  pipeline: string;
  runId: string;
  source: string;
  sink: string;
  version: string;
}

/** The spans of one run: the run span, and a child for every connector call. */
export interface RunTracing {
  /** Runs `body` with the run span as the active context (for libraries' own instrumentation). */
  within<T>(body: () => Promise<T>): Promise<T>;
  startSpan(name: string, attributes: Record<string, string | number>): SpanHandle;
  /** Called by the instrumentation just before the matching span ends: carries its record count. */
  onCall(event: CallEvent): void;
  end(outcome: { result: PipelineResult } | { error: unknown }): void;
}

/**
 * Starts the run span, or returns undefined when no SDK is registered.
 *
 * @example
 * const tracing = await startTracing({ pipeline: "orders", runId, source: "source-csv", sink: "sink-jsonl", version });
 */
export async function startTracing(attributes: RunSpanAttributes): Promise<RunTracing | undefined> {
  if (!tracerRegistered()) return undefined;
  const api = await import("@opentelemetry/api");
  const tracer = api.trace.getTracer("faucet", attributes.version);
  const base = { "faucet.pipeline": attributes.pipeline, "faucet.run_id": attributes.runId };
  const runSpan = tracer.startSpan("faucet.run", {
    attributes: { ...base, "faucet.source": attributes.source, "faucet.sink": attributes.sink },
  });
  const parent = api.trace.setSpan(api.context.active(), runSpan);
  const fail = (span: import("@opentelemetry/api").Span, error: unknown) => {
    const message = redactSecrets(error instanceof Error ? error.message : String(error));
    const kind = (error as Partial<FaucetError> | undefined)?.kind ?? "custom";
    span.setAttribute("faucet.error.kind", kind);
    span.recordException({ name: "FaucetError", message });
    span.setStatus({ code: api.SpanStatusCode.ERROR, message });
  };
  // The instrumentation reports a call (onCall) and then ends its span, with no await between,
  // so the event seen last belongs to the span that ends next.
  let lastEvent: CallEvent | undefined;
  return {
    within: (body) => api.context.with(parent, body),
    startSpan(name, attrs) {
      const span = tracer.startSpan(spanName(name), { attributes: { ...base, ...attrs } }, parent);
      return {
        end(error) {
          if (lastEvent?.records !== undefined) span.setAttribute("faucet.records", lastEvent.records);
          lastEvent = undefined;
          if (error) fail(span, error);
          span.end();
        },
      };
    },
    onCall(event) {
      lastEvent = event;
    },
    end(outcome) {
      if ("result" in outcome) {
        const r = outcome.result;
        runSpan.setAttributes({
          "faucet.records_read": r.recordsRead,
          "faucet.records_written": r.recordsWritten,
          "faucet.pages": r.pages,
          "faucet.dead_lettered": r.deadLettered,
          "faucet.cancelled": r.cancelled,
        });
      } else {
        fail(runSpan, outcome.error);
      }
      runSpan.end();
    },
  };
}
