import { connect } from "node:net";
import { describe, test } from "vitest";

/** A local service a test suite needs. */
export interface ServiceAddress {
  /** E.g. `PostgreSQL`. */
  name: string;
  host?: string;
  port: number;
}

/**
 * Resolves true when something accepts TCP connections at the address within `timeoutMs`.
 *
 * @example
 * if (await serviceReachable({ name: "Redis", port: 6379 })) { … }
 */
export function serviceReachable(service: ServiceAddress, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: service.host ?? "127.0.0.1", port: service.port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/**
 * A `describe` block that needs a real service. When the service is unreachable the suite
 * fails under `CI=true` and is skipped with a loud notice otherwise (`npm run services` starts
 * the services on a Debian machine).
 *
 * @example
 * await describeWithService({ name: "PostgreSQL", port: 5432 }, "source-postgres", () => {
 *   test("reads rows", async () => { … });
 * });
 */
export async function describeWithService(service: ServiceAddress, title: string, body: () => void): Promise<void> {
  const up = await serviceReachable(service);
  const where = `${service.host ?? "127.0.0.1"}:${service.port}`;
  if (up) {
    describe(title, body);
    return;
  }
  if (process.env.CI === "true") {
    describe(title, () => {
      test(`${service.name} must be reachable at ${where}`, () => {
        throw new Error(`${service.name} is not reachable at ${where}; run \`npm run services\``);
      });
    });
    return;
  }
  console.warn(
    `\n!!! SKIPPING "${title}": ${service.name} is not reachable at ${where}. Run \`npm run services\` to start it. !!!\n`,
  );
  describe.skip(title, body);
}
