/**
 * Autoreload, Tornado's `tornado.autoreload` for Typhoon: `start()`, `watch(path)`, `addReloadHook(fn)`.
 * `new Application(..., { debug: true })` (or `autoreload: true`) calls `start()` for you.
 *
 * - Under `tdev` (or in a process started by in-app autoreload), autoreload stands down: the launcher
 *   owns restarts, so there is never a double restart; `watch()` and reload hooks are relayed to it.
 * - Without a launcher (`node --import typhoon/register server.ts`, `node server.js`), `start()` turns
 *   this process into a thin supervisor, so the terminal and the IDE keep one foreground process:
 *   the app's code stops right there (this process never listens or runs the rest of the app), and a
 *   worker thread runs tdev's restart engine, which starts the app as a child with the same argv and
 *   Node flags (plus the loader that reports its module graph), watches the files it loads, and on a
 *   change starts a new child and drains the old one, keeping the listening socket (no refused
 *   requests). A syntax error or a crash shows the error (terminal and a 500 page on the port) and
 *   waits for a fix. When the app exits cleanly, this process exits with it. What ran before `start()`
 *   (module-level code before `new Application`) runs once more in the child; keep it side-effect free.
 *   Call `start()` before listening (the Application constructor does).
 * - Never in test runners (VITEST, JEST_WORKER_ID, NODE_TEST_CONTEXT), in cluster workers or in
 *   processes started by `HTTPServer.start(n)`, or with `TYPHOON_AUTORELOAD=0`.
 */
import cluster from "node:cluster";
import fs from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { launcherBridge, type LauncherBridge } from "./bridge.js";

export { launcherBridge, type LauncherBridge } from "./bridge.js";
export { installLiveReload, broadcastReload, injectLiveReload, LIVE_RELOAD_PATH } from "./live-reload.js";

let started = false;
const watched: string[] = [];
const hooks: (() => unknown)[] = [];

/** True when autoreload is active for this process: started here, or a launcher owns restarts. */
export function isEnabled(): boolean {
  return started || launcherBridge() !== undefined;
}

/** The launcher that owns restarts (`"tdev"` or `"autoreload"`), or undefined. */
export function launcher(): LauncherBridge["kind"] | undefined {
  return launcherBridge()?.kind;
}

/** Also restart when `file` (a file or directory) changes. Relative paths resolve against the cwd. */
export function watch(file: string): void {
  const abs = path.resolve(file);
  const bridge = launcherBridge();
  if (bridge) bridge.watch(abs);
  else watched.push(abs);
}

/** Runs `fn` (awaited, in registration order) just before this process is replaced. */
export function addReloadHook(fn: () => unknown): void {
  const bridge = launcherBridge();
  if (bridge) bridge.addReloadHook(fn);
  else hooks.push(fn);
}

/** Why the in-app supervisor must not take over this process, or undefined when it may. */
function reasonNotToSupervise(): string | undefined {
  const env = process.env;
  if (env.TYPHOON_AUTORELOAD === "0") return "TYPHOON_AUTORELOAD=0";
  if (env.VITEST || env.JEST_WORKER_ID || env.NODE_TEST_CONTEXT) return "running under a test runner";
  if (cluster.isWorker || env.TYPHOON_TASK_ID !== undefined) return "a worker process";
  const entry = process.argv[1];
  if (!entry || !fs.existsSync(entry)) return "no entry script (started with -e or a REPL)";
  if (entry.includes(`${path.sep}node_modules${path.sep}`)) return "the entry is a tool in node_modules";
  return undefined;
}

/**
 * Starts autoreload (idempotent). Under a launcher it only records that autoreload is on; otherwise it
 * hands this process over to the supervisor described above and does not return.
 */
export function start(): void {
  if (started) return;
  started = true;
  if (launcherBridge()) return;
  const why = reasonNotToSupervise();
  if (why) {
    started = false;
    return;
  }
  superviseAndBlock();
}

function superviseAndBlock(): void {
  const shared = new Int32Array(new SharedArrayBuffer(8));
  const here = path.dirname(new URL(import.meta.url).pathname);
  const worker = new Worker(path.join(here, "supervisor-worker.js"), {
    workerData: {
      shared,
      entry: path.resolve(process.argv[1]!),
      args: process.argv.slice(2),
      execArgv: process.execArgv,
      cwd: process.cwd(),
      watch: watched,
    },
    stdout: false,
    stderr: false,
    env: process.env,
  });
  worker.on("error", (err) => {
    fs.writeSync(2, `autoreload supervisor failed: ${err?.stack ?? err}\n`);
    Atomics.store(shared, 1, 1);
    Atomics.store(shared, 0, 1);
  });
  // Freeze the app's code here: the worker thread runs the app as a child and wakes us to exit.
  // Signals keep their default action (Ctrl-C reaches the app child directly: same process group).
  while (Atomics.load(shared, 0) === 0) Atomics.wait(shared, 0, 0, 1000);
  process.exit(Atomics.load(shared, 1));
}
