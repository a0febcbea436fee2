/**
 * Loaded by `tdev` into every app process (`--import`, after typhoon/register). It:
 * - hands the launcher's sockets to the app: any `listen(port)` (Typhoon, node:http, Express, Fastify)
 *   on a port the launcher holds listens on the inherited fd instead of binding; the first listen on a
 *   new port binds normally and sends the bound handle to tdev, which keeps it for later children;
 * - reports readiness (`listening`), crashes (report pipe) and its inspector URL;
 * - as a warm standby, holds the app's start until tdev says `go` (Node and esbuild already up);
 * - drains on request: closes its servers, waits for requests in flight, then tdev signals it;
 * - exits at once when tdev goes away (IPC disconnect, backed by a ppid poll): no orphans.
 */
import inspector from "node:inspector";
import net from "node:net";
import { Worker } from "node:worker_threads";
import { installLauncherBridge } from "../../autoreload/bridge.js";
import {
  ENV_GRACE, ENV_INSPECT, ENV_LIVE_RELOAD, ENV_PRELOAD_DEPS, ENV_PREWARM, ENV_REPORT_FD, ENV_SOCKETS, ENV_STANDBY, ENV_TDEV,
  parseSockets, type ChildMessage, type ParentMessage,
} from "./protocol.js";
import { report, reportingEnabled } from "../../register/report.js";

const sockets = parseSockets(process.env[ENV_SOCKETS]);
const standby = process.env[ENV_STANDBY] === "1";
const grace = Number(process.env[ENV_GRACE] ?? 2000) || 2000;
const inspect = process.env[ENV_INSPECT] === "1";
const liveReload = process.env[ENV_LIVE_RELOAD] !== "0";
const launcherKind = process.env.TYPHOON_LAUNCHER === "autoreload" ? "autoreload" : "tdev";
delete process.env.TYPHOON_LAUNCHER;
const warmDeps = standby ? (JSON.parse(process.env[ENV_PRELOAD_DEPS] || "[]") as string[]) : [];
for (const k of [ENV_PRELOAD_DEPS, ENV_SOCKETS, ENV_STANDBY, ENV_TDEV, ENV_LIVE_RELOAD, ENV_PREWARM, ENV_REPORT_FD, ENV_GRACE, ENV_INSPECT]) delete process.env[k];

function send(msg: ChildMessage, handle?: unknown): void {
  if (typeof process.send !== "function" || !process.connected) return;
  try {
    (process.send as (m: unknown, h?: unknown, o?: unknown, cb?: (e: Error | null) => void) => boolean)(msg, handle, undefined, () => {});
  } catch {
    /* tdev gone: the disconnect handler ends us */
  }
}

// ---- orphan prevention --------------------------------------------------------------------------
const startPpid = process.ppid;
function orphaned(): void {
  // We lead our own process group (tdev spawns us detached): take our subprocesses with us.
  try {
    process.kill(-process.pid, "SIGKILL");
  } catch {
    process.exit(1);
  }
}
process.on("disconnect", orphaned);
// Backing the disconnect event, a parent check runs on a thread of its own, every 500 ms (an orphan is
// gone within a second): the main thread can be stuck in a synchronous wait on the loader thread (seen
// with standbys whose esbuild service had gone), and the loader thread itself can be parked, so
// neither the disconnect event nor a timer of theirs is sure to run.
new Worker(
  `const { workerData } = require("node:worker_threads");
  setInterval(() => {
    if (process.ppid === workerData.ppid) return;
    try { process.kill(-workerData.pid, "SIGKILL"); } catch { process.kill(workerData.pid, "SIGKILL"); }
  }, 500);`,
  { eval: true, workerData: { ppid: startPpid, pid: process.pid } },
).unref();

// ---- sockets ------------------------------------------------------------------------------------
type ListenArgs = unknown[];
interface Target {
  port: number;
  host?: string;
  cb?: () => void;
}

/** Reads the port out of any `listen()` call shape; null for pipes, fds, handles and port 0. */
function targetOf(args: ListenArgs): Target | null {
  const cb = typeof args[args.length - 1] === "function" ? (args[args.length - 1] as () => void) : undefined;
  const a0 = args[0];
  if (a0 !== null && typeof a0 === "object") {
    const o = a0 as { port?: unknown; host?: unknown; path?: unknown; fd?: unknown; handle?: unknown; _handle?: unknown };
    if (o.path !== undefined || o.fd !== undefined || o.handle !== undefined || o._handle !== undefined) return null;
    const port = Number(o.port);
    if (!Number.isInteger(port) || port <= 0) return null;
    return { port, host: typeof o.host === "string" ? o.host : undefined, cb };
  }
  if (typeof a0 === "number" || (typeof a0 === "string" && /^\d+$/.test(a0))) {
    const port = Number(a0);
    if (port <= 0) return null;
    return { port, host: typeof args[1] === "string" ? args[1] : undefined, cb };
  }
  return null;
}

const servers = new Set<net.Server>();
const connections = new Set<net.Socket>();
const usedPorts = new Set<number>();
const origListen = net.Server.prototype.listen as (this: net.Server, ...args: unknown[]) => net.Server;

function track(server: net.Server, port: number, handoff: boolean): void {
  servers.add(server);
  server.on("connection", (s: net.Socket) => {
    connections.add(s);
    s.once("close", () => connections.delete(s));
  });
  server.once("listening", () => {
    if (handoff) {
      const handle = (server as unknown as { _handle?: unknown })._handle;
      send({ t: "listening", port, handoff: true }, handle);
    } else send({ t: "listening", port });
  });
  server.once("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EADDRINUSE" || err.code === "EACCES" || err.code === "EADDRNOTAVAIL") {
      report({ t: "listen-error", port, code: err.code, message: err.message });
    }
  });
}

net.Server.prototype.listen = function listen(this: net.Server, ...args: unknown[]) {
  const target = targetOf(args);
  if (!target || usedPorts.has(target.port)) return origListen.apply(this, args);
  usedPorts.add(target.port);
  const fd = sockets.get(target.port);
  if (fd !== undefined) {
    track(this, target.port, false);
    return origListen.call(this, { fd }, target.cb);
  }
  track(this, target.port, true);
  return origListen.apply(this, args);
} as typeof net.Server.prototype.listen;

// ---- the bridge the app's autoreload module talks to ----------------------------------------------
const hooks: (() => unknown)[] = [];
const drainListeners: (() => void)[] = [];
installLauncherBridge({
  kind: launcherKind,
  id: `${process.pid.toString(36)}-${Date.now().toString(36)}`,
  liveReload,
  watch(path: string) {
    send({ t: "watch", path });
  },
  addReloadHook(fn) {
    hooks.push(fn);
    if (hooks.length === 1) send({ t: "has-hooks" });
  },
  onDrain(fn) {
    drainListeners.push(fn);
  },
});

// ---- commands from tdev ----------------------------------------------------------------------------
async function drain(): Promise<void> {
  for (const fn of drainListeners) {
    try {
      fn();
    } catch {
      /* a listener's failure must not keep the old version serving */
    }
  }
  for (const s of servers) {
    try {
      s.close();
      (s as { closeIdleConnections?: () => void }).closeIdleConnections?.();
    } catch {
      /* already closed */
    }
  }
  const deadline = Date.now() + grace;
  while (connections.size && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
    for (const s of servers) (s as { closeIdleConnections?: () => void }).closeIdleConnections?.();
  }
  send({ t: "drained" });
}

async function runHooks(): Promise<void> {
  let error: string | undefined;
  for (const fn of hooks) {
    try {
      await fn();
    } catch (err) {
      error = String((err as Error)?.stack ?? err);
    }
  }
  send({ t: "hooks-done", error });
}

let go!: () => void;
const started = new Promise<void>((resolve) => (go = resolve));
process.on("message", (m: ParentMessage) => {
  if (!m || typeof m !== "object") return;
  if (m.t === "go") go();
  else if (m.t === "drain") void drain();
  else if (m.t === "reload-hooks") void runHooks();
});

// ---- crashes ---------------------------------------------------------------------------------------
// Installed first; acts only when the app has no handler of its own, so the app's semantics hold.
process.on("uncaughtException", (err: unknown, origin: string) => {
  if (process.listenerCount("uncaughtException") > 1) return;
  const e = err as Error & { file?: string; line?: number; column?: number };
  const stack = e instanceof Error || (e && typeof e === "object" && "stack" in e) ? String(e.stack ?? e) : String(err);
  report({
    t: "crash",
    name: String(e?.name ?? "Error"),
    message: String(e?.message ?? err),
    stack,
    file: typeof e?.file === "string" ? e.file : undefined,
    line: typeof e?.line === "number" ? e.line : undefined,
    column: typeof e?.column === "number" ? e.column : undefined,
    origin,
  });
  if (!reportingEnabled()) process.stderr.write(stack + "\n");
  process.exit(1);
});

if (inspect) {
  const url = inspector.url();
  if (url) send({ t: "inspector", url });
}

if (standby) {
  // Import the app's packages now (in the order the app first did), so `go` only runs the app's own code.
  for (const url of warmDeps) {
    try {
      await import(url);
    } catch {
      /* the app will meet the same error itself, in its own order */
    }
  }
  await started;
}
// Let a finished script exit even though the IPC channel is open (message listeners ref it).
setImmediate(() => (process as unknown as { channel?: { unref(): void } }).channel?.unref());
