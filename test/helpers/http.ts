// Shared test helpers: real servers on 127.0.0.1 port 0, raw sockets, spawned TypeScript apps.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Application, HTTPServer, type HTTPServerOptions } from "typhoon";

/** The project root (where package.json is). */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** A running test server. */
export interface TestServer {
  port: number;
  url: string;
  server: HTTPServer;
  close(): Promise<void>;
}

/** Serves `app` on 127.0.0.1 port 0. */
export async function serve(app: Application, options: HTTPServerOptions = {}): Promise<TestServer> {
  const server = new HTTPServer(app, { handleSignals: false, ...options });
  const port = await server.listen(0, "127.0.0.1");
  return { port, url: `http://127.0.0.1:${port}`, server, close: () => server.stop() };
}

/** Sends raw bytes on a fresh socket and collects everything until the server closes (or `ms`). */
export function rawRequest(port: number, data: string | Buffer, ms = 2000): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    let out = "";
    socket.on("data", (d) => (out += d.toString("latin1")));
    socket.on("error", () => resolve(out));
    socket.on("close", () => resolve(out));
    socket.setTimeout(ms, () => socket.destroy());
    socket.write(data);
  });
}

/** A temporary directory inside the project (so `import "typhoon"` resolves), removed by `cleanup`. */
export function tempDir(prefix = "t"): { dir: string; cleanup(): void } {
  const base = path.join(projectRoot, ".verify", "tests");
  fs.mkdirSync(base, { recursive: true });
  const dir = fs.mkdtempSync(path.join(base, prefix + "-"));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A spawned process with its output collected. */
export interface Spawned {
  child: ChildProcess;
  output(): string;
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): void;
}

/** Spawns `node --import typhoon/register file args…` from the project root. */
export function spawnTs(file: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Spawned {
  return spawnProcess(process.execPath, ["--import", "typhoon/register", file, ...args], env);
}

/** Spawns a command from the project root, collecting stdout and stderr. */
export function spawnProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Spawned {
  const merged: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", ...env };
  for (const [k, v] of Object.entries(merged)) if (v === undefined) delete merged[k];
  const child = spawn(cmd, args, { cwd: projectRoot, env: merged, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    child,
    output: () => out,
    exited,
    kill: (signal = "SIGKILL") => { try { child.kill(signal); } catch { /* already gone */ } },
    async waitFor(pattern, ms = 20_000) {
      const t0 = Date.now();
      while (Date.now() - t0 < ms) {
        const m = out.match(pattern);
        if (m) return m;
        if (child.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`timed out waiting for ${pattern}; output:\n${out.slice(-2000)}`);
    },
  };
}

/** The pids whose parent is `pid`, read from /proc. */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = fs.readFileSync(`/proc/${d}/stat`, "utf8");
      if (Number(st.slice(st.lastIndexOf(")") + 2).split(" ")[1]) === pid) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Polls `fn` every 20 ms until it returns truthy or `ms` passes. */
export async function until<T>(fn: () => T | Promise<T>, ms = 5000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v || Date.now() - t0 > ms) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const tmpRoot = os.tmpdir();
