/**
 * Path and glob expansion for local files. A stand-in until faucet-common-file lands; then these
 * two functions fold into it.
 */
import { readdir } from "node:fs/promises";
import { isAbsolute, join, resolve, sep } from "node:path";

const GLOB_CHARS = /[*?[{]/;

/** True when `pattern` contains glob syntax (`*`, `?`, `[…]`, `{a,b}`). */
export function isGlob(pattern: string): boolean {
  return GLOB_CHARS.test(pattern);
}

/** `path` made absolute against `baseDir` (the config file's folder) when it is relative. */
export function resolveAgainst(path: string, baseDir: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

/**
 * The files a glob matches, sorted; a plain path is returned as is (its existence is checked
 * when it is opened). Supports `*`, `?`, `**`, `[abc]`, `[!abc]` and `{a,b}`.
 */
export async function expandGlob(pattern: string): Promise<string[]> {
  if (!isGlob(pattern)) return [pattern];
  const normalized = pattern.split(sep).join("/");
  const segments = normalized.split("/");
  const firstDynamic = segments.findIndex((segment) => isGlob(segment));
  const root = segments.slice(0, firstDynamic).join("/") || (normalized.startsWith("/") ? "/" : ".");
  const rest = segments.slice(firstDynamic);
  const matcher = globToRegExp(rest.join("/"));
  const maxDepth = rest.includes("**") ? Number.POSITIVE_INFINITY : rest.length;
  const found: string[] = [];
  await walk(root, "", 1, maxDepth, (relative) => {
    if (matcher.test(relative)) found.push(join(root, relative));
  });
  return found.sort();
}

async function walk(
  root: string,
  relative: string,
  depth: number,
  maxDepth: number,
  onFile: (relative: string) => void,
): Promise<void> {
  let entries: import("node:fs").Dirent[];
  try {
    entries = await readdir(join(root, relative), { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "ENOTDIR") {
      return;
    }
    throw error;
  }
  for (const entry of entries) {
    const child = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (depth < maxDepth) await walk(root, child, depth + 1, maxDepth, onFile);
    } else if (entry.isFile() || entry.isSymbolicLink()) {
      onFile(child);
    }
  }
}

/** A glob (relative, `/`-separated) as an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  let out = "";
  let inGroup = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === "*") {
      if (glob[i + 1] === "*") {
        const slashAfter = glob[i + 2] === "/";
        out += slashAfter ? "(?:[^/]+/)*" : ".*";
        i += slashAfter ? 2 : 1;
      } else {
        out += "[^/]*";
      }
    } else if (c === "?") {
      out += "[^/]";
    } else if (c === "[") {
      const close = glob.indexOf("]", i + 2);
      if (close < 0) {
        out += "\\[";
        continue;
      }
      let body = glob.slice(i + 1, close).replace(/\\/g, "\\\\");
      if (body.startsWith("!")) body = `^${body.slice(1)}`;
      out += `[${body}]`;
      i = close;
    } else if (c === "{") {
      inGroup++;
      out += "(?:";
    } else if (c === "}" && inGroup > 0) {
      inGroup--;
      out += ")";
    } else if (c === "," && inGroup > 0) {
      out += "|";
    } else {
      out += c.replace(/[.+^$()|\\\]}]/g, "\\$&");
    }
  }
  return new RegExp(`^${out}$`);
}
