// The machine line every report carries, read from the machine itself.
import { readFileSync } from "node:fs";
import { availableParallelism, cpus, release, totalmem, type } from "node:os";

/**
 * `CPU model, N cores, X GiB RAM, Node vX, OS, date` for this machine and this moment.
 *
 * @example
 * machineLine(); // "AMD EPYC, 2 cores, 23.5 GiB RAM, Node v20.20.0, Linux 6.1.0, 2026-11-27"
 */
export function machineLine(now: Date = new Date()): string {
  const ram = (totalmem() / 1024 ** 3).toFixed(1);
  return [
    cpuModel(),
    `${availableParallelism()} cores`,
    `${ram} GiB RAM`,
    `Node ${process.version}`,
    `${type()} ${release()}`,
    now.toISOString().slice(0, 10),
  ].join(", ");
}

function cpuModel(): string {
  try {
    const model = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1];
    if (model) return model.trim();
  } catch {
    // not Linux; fall back to what Node reports
  }
  return cpus()[0]?.model.trim() || "unknown CPU";
}
