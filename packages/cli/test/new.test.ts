// `faucet new`: the scaffold builds and passes its conformance tests on its own, outside the
// workspace, against npm-packed faucet-core and faucet-conformance.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { faucet, ROOT, tempDir } from "./helpers.js";

function sh(command: string, args: string[], cwd: string) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: "utf8",
    timeout: 600_000,
    env: { ...process.env, CI: "", NO_COLOR: "1", FORCE_COLOR: "0" },
  });
  return { code: result.status, output: `${result.stdout}\n${result.stderr}` };
}

describe("faucet new", () => {
  test("refuses bad arguments and an existing directory", () => {
    const dir = tempDir();
    expect(faucet(["new", "table", "x"], { cwd: dir }).code).toBe(2);
    expect(faucet(["new", "source", "Bad_Name"], { cwd: dir }).code).toBe(2);
    expect(faucet(["new", "sink", "acme"], { cwd: dir }).code).toBe(0);
    expect(faucet(["new", "sink", "acme"], { cwd: dir }).stderr).toContain("already exists");
    const index = readFileSync(join(dir, "faucet-sink-acme/src/index.ts"), "utf8");
    expect(index).toContain('type: "acme"');
    expect(index).not.toMatch(/Template[A-Z]/);
  });

  test("scaffolds a package that installs and passes its tests outside the workspace", () => {
    const dir = tempDir();
    const created = faucet(["new", "source", "acme", "--dir", dir], { cwd: dir });
    expect(created.code, created.stderr).toBe(0);
    const pkg = join(dir, "faucet-source-acme");
    expect(JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")).name).toBe("faucet-source-acme");
    expect(readdirSync(join(pkg, "test"))).toEqual(["acme.test.ts"]);

    const packs = tempDir();
    for (const workspace of ["packages/core", "packages/conformance"]) {
      const packed = sh("npm", ["pack", "--silent", "--pack-destination", packs, join(ROOT, workspace)], ROOT);
      expect(packed.code, packed.output).toBe(0);
    }
    const tarballs = readdirSync(packs).map((f) => join(packs, f));
    const install = sh(
      "npm",
      ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", ...tarballs],
      pkg,
    );
    expect(install.code, install.output).toBe(0);
    const tested = sh("npm", ["test"], pkg);
    expect(tested.code, tested.output).toBe(0);
    expect(tested.output).toMatch(/Tests\s+\d+ passed/);
  }, 600_000);
});
