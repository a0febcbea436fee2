import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const tdevBin = path.join(root, "bin", "tdev.js");
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 50 ms until it holds or `ms` pass; resolves whether it held (timing-safe waits). */
export async function until(cond: () => boolean, ms = 10_000): Promise<boolean> {
  const t0 = Date.now();
  for (;;) {
    if (cond()) return true;
    if (Date.now() - t0 >= ms) return false;
    await sleep(50);
  }
}

/** A temp app dir (type: module) whose node_modules/typhoon links to this checkout. */
export function makeDir(files: Record<string, string> = {}): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "tdev-test-")));
  fs.mkdirSync(path.join(dir, "node_modules"));
  fs.symlinkSync(root, path.join(dir, "node_modules", "typhoon"), "dir");
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "module" }));
  for (const [n, t] of Object.entries(files)) write(dir, n, t);
  return dir;
}

export function write(dir: string, name: string, text: string): void {
  const p = path.join(dir, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
}

/** A node:http server answering the body exported by msg.ts (and /pid, /argv). */
export const HTTP_SERVER = `import http from "node:http";
import { body } from "./msg.ts";
const port = Number(process.argv[2]);
http.createServer((req, res) => {
  if (req.url === "/pid") return res.end(String(process.pid));
  if (req.url === "/argv") return res.end(JSON.stringify({ argv: process.argv.slice(2), execArgv: process.execArgv, env: process.env.GREETING ?? null }));
  res.end(body);
}).listen(port, "127.0.0.1");
`;
export const msg = (v: string) => `export const body: string = ${JSON.stringify(v)};\n`;

export async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => res(p));
    });
  });
}

export interface Res {
  status: number;
  body: string;
  error?: string;
  headers: http.IncomingHttpHeaders;
}

export function get(port: number, p = "/", timeout = 5000, headers: Record<string, string> = {}): Promise<Res> {
  return new Promise((resolve) => {
    const r = http.get({ host: "127.0.0.1", port, path: p, agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers }));
      res.on("error", () => resolve({ status: 0, body: "", error: "aborted", headers: {} }));
    });
    r.on("error", (e: NodeJS.ErrnoException) => resolve({ status: 0, body: "", error: e.code ?? String(e), headers: {} }));
    r.setTimeout(timeout, () => r.destroy());
  });
}

export async function waitFor(port: number, pred: (r: Res) => boolean, ms = 20_000, p = "/"): Promise<Res | null> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    const r = await get(port, p);
    if (pred(r)) return r;
    await sleep(25);
  }
  return null;
}

/** A running tdev with its combined output. */
export interface Tdev {
  proc: ChildProcess;
  out: () => string;
  waitOut: (re: RegExp, ms?: number, from?: number) => Promise<boolean>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcess>();

export function startTdev(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Tdev {
  const proc = spawn(process.execPath, [tdevBin, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  running.add(proc);
  let out = "";
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on("exit", (code, signal) => {
      running.delete(proc);
      resolve({ code, signal });
    }),
  );
  return {
    proc,
    out: () => out,
    exit,
    async waitOut(re, ms = 15_000, from = 0) {
      const t0 = Date.now();
      while (Date.now() - t0 < ms) {
        if (re.test(out.slice(from))) return true;
        await sleep(25);
      }
      return false;
    },
  };
}

/** All descendants of pid (via /proc). */
export function descendants(pid: number): number[] {
  const kids = new Map<number, number[]>();
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = fs.readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(st.slice(st.lastIndexOf(")") + 2).split(" ")[1]);
      if (!kids.has(ppid)) kids.set(ppid, []);
      kids.get(ppid)!.push(Number(d));
    } catch {
      /* gone */
    }
  }
  const out: number[] = [];
  const stack = [pid];
  while (stack.length) for (const k of kids.get(stack.pop()!) ?? []) { out.push(k); stack.push(k); }
  return out;
}

export function alive(pid: number): boolean {
  try {
    const st = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return st.slice(st.lastIndexOf(")") + 2, st.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Kills a tdev and everything under it (test cleanup). */
export function killAll(t: Tdev | undefined): void {
  if (!t?.proc.pid) return;
  const pids = [t.proc.pid, ...descendants(t.proc.pid)];
  for (const p of pids) {
    try { process.kill(p, "SIGKILL"); } catch { /* gone */ }
  }
}

export function cleanup(dirs: string[], tdevs: Tdev[]): void {
  for (const t of tdevs.splice(0)) killAll(t);
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}
