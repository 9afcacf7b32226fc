// On a terminal, `faucet run` draws one live status line on stderr (run under `script`, which
// gives the process a pseudo-terminal).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { BIN, LINES_SINK, TICKER_SOURCE, tempDir, write } from "./helpers.js";

const hasScript = existsSync("/usr/bin/script");

describe.skipIf(!hasScript)("the live status line", () => {
  test("shows records read and written, pages, rows/s, elapsed and the bookmark, then the summary", () => {
    const dir = tempDir();
    write(
      dir,
      "faucet.yaml",
      `version: 1\nname: tty\nplugins: [${TICKER_SOURCE}, ${LINES_SINK}]\npipeline:\n  source: { type: ticker, config: { page_size: 10, pages: 8, delay_ms: 60 } }\n  sink: { type: lines, config: { path: out.jsonl } }\n`,
    );
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} run 2>&1`;
    const result = spawnSync("script", ["-qec", command, "/dev/null"], { cwd: dir, encoding: "utf8", timeout: 60_000 });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    const out = result.stdout;
    expect(out).toContain("\r\x1b[2K");
    expect(out).toMatch(/read [\d,]+ · written [\d,]+ · \d+ pages · [\d,]+ rows\/s · \d+\.\d\d s · bookmark/);
    expect(out).toMatch(/bookmark \{"n":\d+\}/);
    expect(out).toContain("done: tty: read 80 records, wrote 80 in 8 pages");
  });
});
