import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, test } from "vitest";

const run = promisify(execFile);
const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));

test("the library example moves three orders in two pages", async () => {
  const { stdout } = await run(process.execPath, [main]);
  expect(stdout).toBe(
    [
      '{"id":1,"customer":"Ada","total":12.5}',
      '{"id":2,"customer":"Bo","total":40}',
      '{"id":3,"customer":"Chen","total":7.25}',
      "wrote 3 records in 2 pages",
      "",
    ].join("\n"),
  );
});
