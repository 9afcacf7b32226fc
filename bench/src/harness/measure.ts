// Runs one command and measures it: wall time from spawn to exit, and peak resident memory.
// Memory comes from two real sources and the larger wins: GNU time's %M (the kernel's exact
// peak of the largest single process in the tree) and a 50 ms sampler that sums the RSS of
// every process in the tree (catches tools that fan out into several processes). Neither is
// estimated; when neither is available the figure is reported as unknown.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, open, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "./scenario.js";

/** GNU time, whose `-f %M` prints the peak RSS in KiB. */
const GNU_TIME = "/usr/bin/time";
const SAMPLE_INTERVAL_MS = 50;
const STDERR_TAIL_CHARS = 4000;

/** The outcome of one timed run. */
export interface Measurement {
  /** Seconds from spawn to exit. */
  wallSeconds: number;
  /** Peak RSS of the process tree in bytes, or undefined when it could not be read. */
  peakRssBytes: number | undefined;
  /** Exit code (null when killed by a signal). */
  exitCode: number | null;
  /** The signal that ended the process, if any. */
  signal: NodeJS.Signals | null;
  /** The end of the process's stderr, for failure reports. */
  stderrTail: string;
}

/**
 * Runs `command` once, measured. Never throws for a failing command: the exit code says it.
 *
 * @example
 * const m = await measure({ argv: ["mlr", "--version"] }, "/work/main");
 */
export async function measure(command: Command, root: string): Promise<Measurement> {
  const useTime = existsSync(GNU_TIME);
  const scratch = await mkdtemp(join(tmpdir(), "faucet-bench-"));
  const timeFile = join(scratch, "maxrss");
  const argv = useTime ? [GNU_TIME, "-f", "%M", "-o", timeFile, ...command.argv] : [...command.argv];
  try {
    const stdout = command.stdout === undefined ? "ignore" : await open(command.stdout, "w");
    const started = performance.now();
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: command.cwd ?? root,
      env: { ...process.env, ...command.env },
      stdio: ["ignore", stdout === "ignore" ? "ignore" : stdout.fd, "pipe"],
    });
    if (stdout !== "ignore") await stdout.close(); // the child holds its own descriptor
    let stderrTail = "";
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (text: string) => {
      stderrTail = (stderrTail + text).slice(-STDERR_TAIL_CHARS);
    });
    const sampler = new TreeRssSampler(child.pid, useTime);
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
      (resolve, reject) => {
        child.once("error", reject);
        child.once("close", (exitCode, exitSignal) => resolve({ code: exitCode, signal: exitSignal }));
      },
    );
    const wallSeconds = (performance.now() - started) / 1000;
    const sampledPeak = await sampler.stop();
    const timePeak = useTime ? await readGnuTimePeak(timeFile) : undefined;
    const peaks = [sampledPeak, timePeak].filter((value): value is number => value !== undefined && value > 0);
    return {
      wallSeconds,
      peakRssBytes: peaks.length > 0 ? Math.max(...peaks) : undefined,
      exitCode: code,
      signal,
      stderrTail: stderrTail.trim(),
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function readGnuTimePeak(path: string): Promise<number | undefined> {
  try {
    // The file may hold "Command exited with non-zero status N" or "Command terminated by
    // signal N" before the figure.
    const lines = (await readFile(path, "utf8")).trim().split("\n");
    const kib = Number(lines.at(-1));
    return Number.isFinite(kib) && kib > 0 ? kib * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Samples the summed RSS of a process tree until stopped; the root itself is skipped when it is GNU time. */
class TreeRssSampler {
  private peak = 0;
  private readonly timer: NodeJS.Timeout | undefined;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly rootPid: number | undefined,
    private readonly skipRoot: boolean,
  ) {
    if (rootPid === undefined || !existsSync("/proc/self/status")) return;
    this.timer = setInterval(() => {
      this.pending = this.pending.then(() => this.sample());
    }, SAMPLE_INTERVAL_MS);
  }

  async stop(): Promise<number | undefined> {
    if (this.timer) clearInterval(this.timer);
    await this.pending;
    return this.peak > 0 ? this.peak : undefined;
  }

  private async sample(): Promise<void> {
    if (this.rootPid === undefined) return;
    let total = 0;
    const stack = [this.rootPid];
    while (stack.length > 0) {
      const pid = stack.pop()!;
      if (!(this.skipRoot && pid === this.rootPid)) total += await this.rssOf(pid);
      stack.push(...(await childrenOf(pid)));
    }
    if (total > this.peak) this.peak = total;
  }

  private async rssOf(pid: number): Promise<number> {
    try {
      const status = await readFile(`/proc/${pid}/status`, "utf8");
      const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
      return kib === undefined ? 0 : Number(kib) * 1024;
    } catch {
      return 0; // the process ended between listing and reading
    }
  }
}

async function childrenOf(pid: number): Promise<number[]> {
  try {
    const tasks = await readdir(`/proc/${pid}/task`);
    const lists = await Promise.all(
      tasks.map((task) => readFile(`/proc/${pid}/task/${task}/children`, "utf8").catch(() => "")),
    );
    return lists.flatMap((list) => list.split(" ").filter(Boolean).map(Number));
  } catch {
    return [];
  }
}
