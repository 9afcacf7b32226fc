import { defineConfig } from "vitest/config";

// One vitest run from the root covers every package; tests import the built packages by name,
// exactly as a user would, so `npm test` builds first.
export default defineConfig({
  test: {
    include: [
      "packages/*/test/**/*.test.ts",
      "connectors/*/test/**/*.test.ts",
      "examples/*/test/**/*.test.ts",
      "bench/test/**/*.test.ts",
      "test/**/*.test.ts",
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    reporters: process.env.CI ? ["default"] : ["default"],
  },
});
