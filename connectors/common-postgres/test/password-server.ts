// A private PostgreSQL server that demands a password (scram-sha-256), for the wrong-password
// test: the shared test server trusts every local connection, so it cannot reject a password.
// It is a real server (initdb + pg_ctl from the machine's PostgreSQL), started on a free port
// and removed afterwards. Needs root (to run it as the postgres user) and the server binaries.
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface PasswordServer {
  port: number;
  user: string;
  password: string;
  stop(): void;
}

function binaries(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const version = readdirSync(root).sort((a, b) => Number(b) - Number(a))[0];
  const bin = version ? join(root, version, "bin") : undefined;
  return bin && existsSync(join(bin, "initdb")) ? bin : undefined;
}

/** Why a private server cannot run here, or undefined when it can. */
export function passwordServerUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "not root (the server must run as the postgres user)";
  if (!binaries()) return "no PostgreSQL server binaries under /usr/lib/postgresql";
  return undefined;
}

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

export async function startPasswordServer(): Promise<PasswordServer> {
  const bin = binaries() as string;
  const dir = mkdtempSync(join(tmpdir(), "faucet-pg-auth-"));
  chmodSync(dir, 0o777);
  const data = join(dir, "data");
  const pwfile = join(dir, "pw");
  const password = "s3cret-Pa55word";
  writeFileSync(pwfile, `${password}\n`, { mode: 0o644 });
  const as = (args: string[]) =>
    execFileSync("runuser", ["-u", "postgres", "--", ...args], { stdio: "pipe", timeout: 60_000 });
  as([join(bin, "initdb"), "-D", data, "-U", "faucet_auth", "--pwfile", pwfile, "-A", "scram-sha-256", "--no-sync"]);
  const port = await freePort();
  as([
    join(bin, "pg_ctl"),
    "-D",
    data,
    "-w",
    "-l",
    join(dir, "log"),
    "-o",
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
    "start",
  ]);
  return {
    port,
    user: "faucet_auth",
    password,
    stop() {
      try {
        as([join(bin, "pg_ctl"), "-D", data, "-m", "immediate", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
