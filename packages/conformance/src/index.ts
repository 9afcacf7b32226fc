/**
 * faucet-conformance: the battery every faucet connector passes against its real backend.
 *
 * @packageDocumentation
 */
export type { ServiceAddress } from "./services.js";
export { describeWithService, serviceReachable } from "./services.js";
