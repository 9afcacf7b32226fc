import { FaucetError } from "faucet-core";

/** What the caller was doing with the file, for the message. */
export type FileAction = "read" | "write" | "open" | "list" | "create directory for";

/** Where a file error happened. */
export interface FileErrorContext {
  /** E.g. `source-csv`. */
  connector: string;
  path: string;
  action: FileAction;
  /** `source` for readers, `sink` for writers. */
  kind: "source" | "sink";
}

const CAUSES: Record<string, [string, string]> = {
  ENOENT: ["does not exist", "check the path; relative paths resolve against the config file's directory"],
  EACCES: ["is not accessible (permission denied)", "fix the file's permissions or run as a user that may access it"],
  EPERM: ["is not accessible (operation not permitted)", "fix the file's permissions"],
  EISDIR: ["is a directory, not a file", "name a file, or a glob such as `dir/*.csv`"],
  ENOTDIR: ["has a parent that is not a directory", "fix the path: one of its parents is a regular file"],
  EEXIST: ["already exists and is not a directory", "remove or rename the file that is in the way"],
  ENOSPC: ["could not be written: the disk is full", "free some disk space"],
  EROFS: ["is on a read-only file system", "write somewhere writable"],
  EMFILE: ["could not be opened: too many open files", "raise the open-file limit (ulimit -n)"],
};

/**
 * Maps a Node file-system error to one clear FaucetError naming the file and how to fix it.
 *
 * @example
 * try { await open(path); } catch (err) { throw fileError(err, { connector: "source-csv", path, action: "open", kind: "source" }); }
 */
export function fileError(error: unknown, context: FileErrorContext): FaucetError {
  if (error instanceof FaucetError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const known = code ? CAUSES[code] : undefined;
  const what = known ? known[0] : `failed: ${(error as Error)?.message ?? String(error)}`;
  const noun =
    context.action === "create directory for"
      ? `could not create the directory for ${context.path}: it`
      : `could not ${context.action} ${context.path}: it`;
  const message = known
    ? `${noun} ${what}`
    : `could not ${context.action} ${context.path}: ${(error as Error)?.message ?? String(error)}`;
  return new FaucetError(context.kind, message, {
    cause: error,
    connector: context.connector,
    retryable: code === "EMFILE",
    ...(known ? { hint: known[1] } : {}),
  });
}
