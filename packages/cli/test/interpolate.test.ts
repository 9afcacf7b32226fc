// biome-ignore-all lint/suspicious/noTemplateCurlyInString: tests write faucet config syntax
// Load-time interpolation, unit by unit (the binary tests cover it end to end).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { clearSecrets, redactSecrets } from "faucet-core";
import { beforeEach, describe, expect, test } from "vitest";
import { interpolateString, interpolateTree } from "../dist/config/interpolate.js";
import { tempDir } from "./helpers.js";

const dir = tempDir();
const ctx = {
  env: { HOST: "db.local", PASSWORD: "pa55word!" },
  baseDir: dir,
  vars: { port: 5432, db: { name: "app" }, list: [1, 2] },
};

beforeEach(() => clearSecrets());

describe("interpolation", () => {
  test("${env:…} and its alias ${secret:…} resolve, and their values become secrets", () => {
    expect(interpolateString("postgres://${env:HOST}/x", "url", ctx)).toBe("postgres://db.local/x");
    expect(interpolateString("${secret:PASSWORD}", "password", ctx)).toBe("pa55word!");
    expect(redactSecrets("host db.local, password pa55word!")).toBe("host ***, password ***");
  });

  test("${file:…} reads a file relative to the config directory, trimmed, as a secret", () => {
    writeFileSync(join(dir, "token.txt"), "tok-123\n");
    expect(interpolateString("Bearer ${file:token.txt}", "auth", ctx)).toBe("Bearer tok-123");
    expect(redactSecrets("tok-123")).toBe("***");
    expect(() => interpolateString("${file:nope.txt}", "auth", ctx)).toThrow("`auth`: cannot read");
  });

  test("${vars.…} keeps its type alone and is spliced as text elsewhere; nested paths work", () => {
    expect(interpolateString("${vars.port}", "port", ctx)).toBe(5432);
    expect(interpolateString("${vars.list}", "list", ctx)).toEqual([1, 2]);
    expect(interpolateString("${env:HOST}:${vars.port}/${vars.db.name}", "url", ctx)).toBe("db.local:5432/app");
    expect(() => interpolateString("${vars.prot}", "x.port", ctx)).toThrow(
      "`x.port`: ${vars.prot} refers to vars.prot, which is not defined (hint: did you mean ${vars.port}?)",
    );
  });

  test("$${…} is kept for run time; run-time references and unknown prefixes pass through", () => {
    expect(interpolateString("$${env:HOST} ${now.iso} ${parent.id} ${vault:x} $5 ${", "x", ctx)).toBe(
      "$${env:HOST} ${now.iso} ${parent.id} ${vault:x} $5 ${",
    );
  });

  test("a missing variable names the path and where to set it", () => {
    expect(() => interpolateTree({ a: { b: ["${env:NOPE}"] } }, "", { ...ctx, envFile: "/x/.env" })).toThrow(
      "`a.b[0]`: environment variable NOPE is not set (referenced as ${env:NOPE}) (hint: export NOPE=… in the shell or in /x/.env)",
    );
  });

  test("trees are copied, not changed in place", () => {
    const input = { a: "${env:HOST}", n: 1, list: ["${vars.port}"] };
    expect(interpolateTree(input, "", ctx)).toEqual({ a: "db.local", n: 1, list: [5432] });
    expect(input.a).toBe("${env:HOST}");
  });
});
