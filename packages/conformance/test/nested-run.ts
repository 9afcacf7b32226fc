// Runs fixture suites that must fail in a nested vitest (so their failures do not fail the main
// run) and returns what each test did, for the tests that check a battery fails broken doubles.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

interface JsonReport {
  testResults: {
    assertionResults: { ancestorTitles: string[]; title: string; status: string; failureMessages: string[] }[];
  }[];
}

/** One test of the nested run: its describe path, title, status and failure messages. */
export interface NestedResult {
  suite: string;
  title: string;
  status: string;
  failure: string;
}

/** Runs the suites of the vitest config at `config` in a child vitest and returns every test's result. */
export async function runNestedSuites(config: URL): Promise<NestedResult[]> {
  const root = fileURLToPath(new URL("../../..", import.meta.url));
  const out = mkdtempSync(join(tmpdir(), "faucet-conformance-nested-"));
  const report = join(out, "report.json");
  try {
    await promisify(execFile)(
      process.execPath,
      [
        join(root, "node_modules/vitest/vitest.mjs"),
        "run",
        "--config",
        fileURLToPath(config),
        "--reporter=json",
        `--outputFile=${report}`,
      ],
      { cwd: root, env: { ...process.env, CI: "" } },
    ).catch(() => undefined); // the run fails: that is the point
    return (JSON.parse(readFileSync(report, "utf8")) as JsonReport).testResults.flatMap((file) =>
      file.assertionResults.map((r) => ({
        suite: r.ancestorTitles.join(" > "),
        title: r.title,
        status: r.status,
        failure: r.failureMessages.join("\n"),
      })),
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
