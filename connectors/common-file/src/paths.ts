import type { Dirent } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { isAbsolute, join, resolve, sep } from "node:path";
import { FaucetError } from "faucet-core";
import { fileError } from "./errors.js";

/**
 * `path` made absolute: relative paths resolve against `baseDir` (the config file's directory),
 * or the working directory when there is none. A leading `~/` means the home directory.
 *
 * @example
 * resolvePath("data/in.csv", "/etc/faucet"); // "/etc/faucet/data/in.csv"
 */
export function resolvePath(path: string, baseDir?: string): string {
  if (path === "~" || path.startsWith("~/")) return join(process.env.HOME ?? "~", path.slice(1));
  if (isAbsolute(path)) return path;
  return resolve(baseDir ?? process.cwd(), path);
}

/** True when `pattern` has glob syntax (`*`, `?`, `[…]`, `{a,b}`). */
export function hasGlob(pattern: string): boolean {
  return /[*?[{]/.test(pattern);
}

/** Options of {@link expandPaths}. */
export interface ExpandOptions {
  /** Relative patterns resolve against this directory. */
  baseDir?: string;
  /** E.g. `source-csv`, for error messages. */
  connector: string;
}

/**
 * The files a `path` config names, in sorted order: the file itself, or every regular file a
 * glob matches (`*`, `?`, `[abc]`, `{a,b}`, and `**` for any depth). A glob that matches
 * nothing, a missing file and a directory are errors that say how to fix the path.
 *
 * @example
 * await expandPaths("data/*.csv", { baseDir: "/srv", connector: "source-csv" });
 * // ["/srv/data/a.csv", "/srv/data/b.csv"]
 */
export async function expandPaths(pattern: string, options: ExpandOptions): Promise<string[]> {
  const { connector } = options;
  if (pattern.trim() === "") {
    throw new FaucetError("config", "`path` must not be empty", { connector, hint: "set `path` to a file or a glob" });
  }
  const absolute = resolvePath(pattern, options.baseDir);
  if (!hasGlob(pattern)) {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(absolute);
    } catch (error) {
      throw fileError(error, { connector, path: absolute, action: "read", kind: "source" });
    }
    if (info.isDirectory()) {
      throw new FaucetError("source", `could not read ${absolute}: it is a directory, not a file`, {
        connector,
        hint: `name a file, or a glob such as ${join(pattern, "*")}`,
      });
    }
    return [absolute];
  }
  // A file literally named like a glob (`report[1].csv`) is taken as it is.
  if (await isFile(absolute)) return [absolute];
  const segments = absolute.split(sep);
  const firstMagic = segments.findIndex(hasGlob);
  const root = segments.slice(0, firstMagic).join(sep) || sep;
  const matchers = segments.slice(firstMagic).map((s) => (s === "**" ? GLOBSTAR : segmentMatcher(s)));
  const found: string[] = [];
  await walk(root, matchers, found, connector);
  if (found.length === 0) {
    throw new FaucetError("source", `no file matches ${absolute}`, {
      connector,
      hint: "check the pattern; relative paths resolve against the config file's directory",
    });
  }
  return found.sort(comparePaths);
}

/** Byte-order comparison, so the order is the same on every machine and locale. */
function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const GLOBSTAR = Symbol("**");
type Matcher = RegExp | typeof GLOBSTAR;

async function walk(dir: string, matchers: Matcher[], found: string[], connector: string): Promise<void> {
  const [head, ...rest] = matchers;
  if (head === undefined) return;
  if (head === GLOBSTAR) {
    // `**` matches zero directories (try the rest here) or one more (descend and keep `**`).
    await walk(dir, rest, found, connector);
    for (const entry of await list(dir, connector)) {
      if (entry.isDirectory() && !entry.name.startsWith("."))
        await walk(join(dir, entry.name), matchers, found, connector);
    }
    return;
  }
  for (const entry of await list(dir, connector)) {
    if (!head.test(entry.name)) continue;
    const path = join(dir, entry.name);
    if (rest.length === 0) {
      if (entry.isFile() || (entry.isSymbolicLink() && (await isFile(path)))) found.push(path);
    } else if (entry.isDirectory() || entry.isSymbolicLink()) {
      await walk(path, rest, found, connector);
    }
  }
}

async function list(dir: string, connector: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return [];
    throw fileError(error, { connector, path: dir, action: "list", kind: "source" });
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** A regular expression for one path segment of a glob. Leading dots must be matched explicitly. */
function segmentMatcher(segment: string): RegExp {
  let out = segment.startsWith(".") ? "" : "(?!\\.)";
  let braces = 0;
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] as string;
    if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else if (c === "[") {
      const close = segment.indexOf("]", i + 2);
      if (close === -1) out += "\\[";
      else {
        let body = segment.slice(i + 1, close).replace(/\\/g, "\\\\");
        if (body.startsWith("!")) body = `^${body.slice(1)}`;
        out += `[${body}]`;
        i = close;
      }
    } else if (c === "{") {
      braces++;
      out += "(?:";
    } else if (c === "}" && braces > 0) {
      braces--;
      out += ")";
    } else if (c === "," && braces > 0) out += "|";
    else out += c.replace(/[.+^$()|\\\]{}]/g, "\\$&");
  }
  return new RegExp(`^${out}$`);
}
