/**
 * The in-app autoreload supervisor, run in a worker thread of the original process while its main
 * thread is frozen (see index.ts). It runs tdev's restart engine on the app's own argv and Node flags.
 * Output goes straight to fd 2: the frozen main thread cannot relay a worker's stdio.
 */
import fs from "node:fs";
import tty from "node:tty";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { workerData } from "node:worker_threads";
import { Output } from "../cli/tdev/output.js";
import { Supervisor } from "../cli/tdev/supervisor.js";

interface Data {
  shared: Int32Array;
  entry: string;
  args: string[];
  execArgv: string[];
  cwd: string;
  watch: string[];
}

const data = workerData as Data;
const here = path.dirname(new URL(import.meta.url).pathname);
const stderr = {
  isTTY: tty.isatty(2),
  write(s: string) {
    try {
      fs.writeSync(2, s);
    } catch {
      /* terminal gone */
    }
    return true;
  },
} as unknown as NodeJS.WriteStream;
const out = new Output(false, stderr, "[autoreload]");

// The inspector port belongs to this (frozen) process; tdev is the tool for debugging across restarts.
const nodeFlags = data.execArgv.filter((f) => !/^--inspect/.test(f) && !/^--watch/.test(f));
const sup = new Supervisor({
  entry: data.entry,
  args: data.args,
  nodeFlags,
  cwd: data.cwd,
  env: { ...process.env, TYPHOON_LAUNCHER: "autoreload" },
  registerUrl: pathToFileURL(path.resolve(here, "../register/index.js")).href,
  preloadUrl: pathToFileURL(path.resolve(here, "../cli/tdev/preload.js")).href,
  errorServer: path.resolve(here, "../cli/tdev/error-server.js"),
  watch: data.watch,
  ignore: [],
  poll: false,
  pollInterval: 100,
  debounce: 20,
  killSignal: "SIGTERM",
  grace: 2000,
  exitOnCrash: false,
  exitOnCleanExit: true,
  clear: false,
  liveReload: true,
  standby: true,
  envFiles: nodeFlags.filter((f) => f.startsWith("--env-file=")).map((f) => f.slice("--env-file=".length)),
  forwardStdin: false,
  sameProcessGroup: true,
  out,
  exit: (code) => {
    Atomics.store(data.shared, 1, code);
    Atomics.store(data.shared, 0, 1);
    Atomics.notify(data.shared, 0);
  },
});
process.on("uncaughtException", (err) => {
  stderr.write(`autoreload supervisor failed: ${(err as Error)?.stack ?? err}\n`);
  sup.killAll();
  Atomics.store(data.shared, 1, 1);
  Atomics.store(data.shared, 0, 1);
  Atomics.notify(data.shared, 0);
});
out.info("this process now supervises the app and restarts it when a file it loaded changes");
void sup.start();
