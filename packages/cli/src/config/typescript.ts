/**
 * Loads `faucet.config.ts` (or `.js`) on Node 20, which cannot run TypeScript itself: the file
 * is transpiled with the `typescript` package's `transpileModule` (types are only stripped, not
 * checked: your editor and `tsc` check them) into a temporary module beside it, so its relative
 * imports resolve, then imported. `import … from "faucet-cli"` is pointed at this very CLI, so
 * the config works whether faucet is installed locally or globally.
 */
import { readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { FaucetError } from "faucet-core";

/** Imports a TypeScript or JavaScript config module and returns its pipeline document. */
export async function importConfigModule(file: string): Promise<unknown> {
  const ext = extname(file).toLowerCase();
  let target = file;
  let temporary: string | undefined;
  if (ext === ".ts" || ext === ".mts") {
    const source = readFileSync(file, "utf8");
    const ts = (await import("typescript")).default;
    const output = ts.transpileModule(source, {
      fileName: file,
      reportDiagnostics: true,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        sourceMap: false,
        verbatimModuleSyntax: false,
      },
    });
    const diagnostic = output.diagnostics?.[0];
    if (diagnostic) {
      const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
      const pos =
        diagnostic.file && diagnostic.start !== undefined
          ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start)
          : undefined;
      const where = pos ? `:${pos.line + 1}:${pos.character + 1}` : "";
      throw new FaucetError("config", `${file}${where}: TypeScript syntax error: ${text}`, {
        hint: "fix the syntax at that position",
      });
    }
    const self = new URL("./index.js", new URL("../", import.meta.url)).href;
    const code = output.outputText.replace(/(from\s*|import\s*\(\s*)(["'])faucet-cli\2/g, `$1$2${self}$2`);
    temporary = join(dirname(file), `.${basename(file, ext)}.${process.pid}.${Date.now()}.mjs`);
    writeFileSync(temporary, code);
    target = temporary;
  }
  try {
    const module = (await import(pathToFileURL(target).href)) as Record<string, unknown>;
    const value = module.default ?? module.pipeline;
    if (value === undefined) {
      throw new FaucetError("config", `${file}: exports no pipeline`, {
        hint: "end the file with `export default definePipeline({ … })`",
      });
    }
    return typeof value === "function" ? await (value as () => unknown)() : value;
  } catch (error) {
    if (error instanceof FaucetError) throw error;
    throw new FaucetError("config", `${file}: could not load the config module: ${(error as Error).message}`, {
      cause: error,
      hint: "run it with `node` or check its imports",
    });
  } finally {
    if (temporary) {
      try {
        unlinkSync(temporary);
      } catch {
        // already gone
      }
    }
  }
}
