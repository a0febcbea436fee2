// Starting and stopping bench servers. Every server is started in its own process group and
// tracked here, so it is killed by PID at the end, on Ctrl-C, or if the bench crashes.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pinned, pinning } from "./cpus.mjs";

const live = new Set();
const logDirs = new Set();

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

process.on("exit", () => {
  for (const child of live) killGroup(child, "SIGKILL");
  for (const dir of logDirs) fs.rmSync(dir, { recursive: true, force: true });
});
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(sig, () => {
    for (const child of live) killGroup(child, "SIGKILL");
    process.exit(130);
  });
}

/** Kills `child` (a spawned helper such as wrk) if this process exits or is interrupted first. */
export function track(child) {
  live.add(child);
  child.once("exit", () => live.delete(child));
}

/**
 * Starts a server (pinned to the server core unless `pin: false`) and waits until `GET readyPath`
 * answers 200. Returns `{ pid, stop(), output() }`. The server's stdout/stderr go to a temp file, not a
 * pipe: a per-request access log then costs the server what a real log file would, and this process
 * (unpinned) never competes with the server or wrk for a core by reading it.
 */
export async function startServer({ name, cmd, args = [], cwd, env, port, readyPath = "/", timeoutMs = 20000, pin = true }) {
  const [file, argv] = pin ? pinned(pinning().server, cmd, args) : [cmd, args];
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), "typhoon-bench-"));
  logDirs.add(logDir);
  const logFile = path.join(logDir, "server.log");
  const fd = fs.openSync(logFile, "w");
  const child = spawn(file, argv, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", fd, fd], detached: true });
  fs.closeSync(fd);
  live.add(child);
  const out = () => {
    try {
      const text = fs.readFileSync(logFile, "utf8");
      return text.length > 4000 ? "…" + text.slice(-4000) : text;
    } catch {
      return "";
    }
  };
  let exited = null;
  const exitPromise = new Promise((resolve) =>
    child.on("exit", (code, signal) => {
      exited = { code, signal };
      live.delete(child);
      resolve(exited);
    }),
  );
  const handle = {
    name,
    pid: child.pid,
    port,
    output: out,
    async stop(graceMs = 3000) {
      if (exited) return exited;
      killGroup(child, "SIGTERM");
      const timer = setTimeout(() => killGroup(child, "SIGKILL"), graceMs);
      const result = await exitPromise;
      clearTimeout(timer);
      return result;
    },
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${name} exited early (${exited.code ?? exited.signal}):\n${out()}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}${readyPath}`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) return handle;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await handle.stop();
  throw new Error(`${name} did not answer on port ${port} within ${timeoutMs} ms:\n${out()}`);
}

/** Stops every server still running (used in `finally`). */
export async function stopAll() {
  await Promise.all([...live].map((child) => new Promise((resolve) => {
    child.once("exit", resolve);
    killGroup(child, "SIGTERM");
    setTimeout(() => killGroup(child, "SIGKILL"), 3000).unref();
  })));
}

const CLK_TCK = 100; // Linux's USER_HZ, which /proc reports in on every mainstream kernel config.

/** Every live process: pid → { ppid, ticks } (user + system CPU in clock ticks), from /proc. */
function processTable() {
  const table = new Map();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      table.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      /* exited while we looked */
    }
  }
  return table;
}

/** `pid` and its live descendants, parents before children, in `table` (read now by default). */
export function processTree(pid, table = processTable()) {
  const children = new Map();
  for (const [p, { ppid }] of table) {
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(p);
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]) ?? []));
  return tree;
}

/**
 * CPU seconds (user + system) a process and its live descendants have used so far, from /proc (null
 * where unavailable). Divided by the requests served, it gives a cost per request that other load on
 * the machine barely disturbs. The descendants count: a multi-process server's workers do its work.
 */
export function cpuSeconds(pid) {
  const table = processTable();
  if (!table.has(pid)) return null;
  let ticks = 0;
  for (const p of processTree(pid, table)) ticks += table.get(p).ticks;
  return ticks / CLK_TCK;
}
