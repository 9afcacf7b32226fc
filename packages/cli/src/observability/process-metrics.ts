/**
 * The standard process metrics (the names prom-client's default metrics and Node dashboards use),
 * computed when scraped: nothing runs while the pipeline does.
 */
import { Counter, Gauge, type Registry } from "./prom.js";

/** Registers CPU, memory and start-time metrics of this process in `registry`. */
export function registerProcessMetrics(registry: Registry): void {
  const registers = [registry];
  let last = { user: 0, system: 0 };
  let system: { inc(value: number): void } | undefined;
  let total: { inc(value: number): void } | undefined;
  // The first of the three moves all of them when collected, as prom-client's own does.
  new Counter({
    name: "process_cpu_user_seconds_total",
    help: "Total user CPU time spent in seconds.",
    registers,
    collect() {
      const now = process.cpuUsage();
      const user = (now.user - last.user) / 1e6;
      const sys = (now.system - last.system) / 1e6;
      last = now;
      this.inc(user);
      system?.inc(sys);
      total?.inc(user + sys);
    },
  });
  system = new Counter({
    name: "process_cpu_system_seconds_total",
    help: "Total system CPU time spent in seconds.",
    registers,
  });
  total = new Counter({
    name: "process_cpu_seconds_total",
    help: "Total user and system CPU time spent in seconds.",
    registers,
  });
  new Gauge({
    name: "process_start_time_seconds",
    help: "Start time of the process since unix epoch in seconds.",
    registers,
    collect() {
      this.set(Math.round(Date.now() / 1000 - process.uptime()));
    },
  });
  const memory = (name: string, help: string, read: (m: NodeJS.MemoryUsage) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read(process.memoryUsage()));
      },
    });
  memory("process_resident_memory_bytes", "Resident memory size in bytes.", (m) => m.rss);
  memory("nodejs_heap_size_total_bytes", "Process heap size from Node.js in bytes.", (m) => m.heapTotal);
  memory("nodejs_heap_size_used_bytes", "Process heap size used from Node.js in bytes.", (m) => m.heapUsed);
  memory("nodejs_external_memory_bytes", "Node.js external memory size in bytes.", (m) => m.external);
}
