/**
 * The four prom-client classes faucet uses, required one file each. prom-client's index also
 * loads the Pushgateway, cluster aggregation, Summary and the default metrics (which pull in
 * `@opentelemetry/api`): about 30 ms of CPU at start-up that a short run would feel. The version
 * is pinned exactly in package.json, so these paths are fixed.
 */
import { createRequire } from "node:module";
import type * as PromClient from "prom-client";

const require = createRequire(import.meta.url);

export const Registry = require("prom-client/lib/registry") as typeof PromClient.Registry;
export const Counter = require("prom-client/lib/counter") as typeof PromClient.Counter;
export const Gauge = require("prom-client/lib/gauge") as typeof PromClient.Gauge;
export const Histogram = require("prom-client/lib/histogram") as typeof PromClient.Histogram;
export type Registry = PromClient.Registry;
export type Counter<T extends string = string> = PromClient.Counter<T>;
export type Gauge<T extends string = string> = PromClient.Gauge<T>;
export type Histogram<T extends string = string> = PromClient.Histogram<T>;
