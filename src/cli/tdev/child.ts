/**
 * One app process started by tdev: spawned in its own process group with the launcher's sockets as
 * inherited fds, a report pipe and an IPC channel. Tracks readiness, loaded files and crash reports,
 * and stops gracefully: drain (close servers, finish requests), then the kill signal, then SIGKILL.
 */
import { spawn, type ChildProcess, type StdioOptions } from "node:child_process";
import { EventEmitter } from "node:events";
import type { Readable, Writable } from "node:stream";
import type { ChildMessage, Report } from "./protocol.js";

/** How to start a child. */
export interface SpawnSpec {
  execArgv: string[];
  script: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** port → fd in tdev, passed as fds 3, 4, ... */
  sockets: Map<number, number>;
  cwd: string;
  /** Own process group (default true). */
  detached?: boolean;
  /** The app's stdin: a pipe tdev writes to (default), or tdev's own. */
  stdin?: "pipe" | "inherit";
}

/** The report-pipe fd position comes right after the sockets; then the IPC channel. */
export function stdioLayout(sockets: Map<number, number>, stdin: "pipe" | "inherit" = "pipe"): { stdio: StdioOptions; socketEnv: string; reportFd: number } {
  const stdio: (string | number)[] = [stdin, "inherit", "inherit"];
  const parts: string[] = [];
  for (const [port, fd] of sockets) {
    parts.push(`${port}:${stdio.length}`);
    stdio.push(fd);
  }
  const reportFd = stdio.length;
  stdio.push("pipe", "ipc");
  return { stdio: stdio as StdioOptions, socketEnv: parts.join(","), reportFd };
}

/**
 * Events: `file` (path), `report` (Report), `message` (ChildMessage, handle?), `listening` (port),
 * `exit` (code, signal).
 */
export class AppChild extends EventEmitter {
  readonly proc: ChildProcess;
  readonly pid: number;
  readonly spawnedAt = performance.now();
  /** When it started running the app (epoch ms, comparable with file mtimes): spawn, or a standby's `go`. */
  startedEpoch = Date.now();
  /** Ports this child listens on. */
  readonly ports = new Set<number>();
  /** The last crash report, if it crashed. */
  crash: Extract<Report, { t: "crash" }> | undefined;
  listenError: Extract<Report, { t: "listen-error" }> | undefined;
  hasHooks = false;
  /** Files a standby loaded before `go` (its warm dependencies). */
  readonly preloaded = new Set<string>();
  /** False while a standby waits for `go`. */
  woken: boolean;
  inspectorUrl: string | undefined;
  exited = false;
  exitCode: number | null = null;
  exitSignal: NodeJS.Signals | null = null;
  /** True once tdev asked it to stop (its exit is then not a crash). */
  stopping = false;
  readonly exitPromise: Promise<void>;
  private reportBuf = "";

  constructor(readonly spec: SpawnSpec, readonly standby: boolean) {
    super();
    this.woken = !standby;
    const { stdio } = stdioLayout(spec.sockets, spec.stdin);
    this.proc = spawn(process.execPath, [...spec.execArgv, spec.script, ...spec.args], {
      cwd: spec.cwd,
      env: spec.env,
      stdio,
      detached: spec.detached ?? true,
    });
    this.pid = this.proc.pid ?? -1;
    this.exitPromise = new Promise((resolve) => {
      this.proc.once("exit", (code, signal) => {
        this.exited = true;
        this.exitCode = code;
        this.exitSignal = signal;
        resolve();
      });
      this.proc.once("error", () => {
        this.exited = true;
        resolve();
      });
    });
    // Let the report pipe drain before announcing the exit, so a crash report is never lost.
    let pipeClosed = false;
    let exitedProc = false;
    const maybeExit = () => {
      if (pipeClosed && exitedProc) this.emit("exit", this.exitCode, this.exitSignal);
    };
    const reportPipe = this.proc.stdio[stdioLayout(spec.sockets).reportFd] as Readable | null;
    if (reportPipe) {
      reportPipe.setEncoding("utf8");
      reportPipe.on("data", (d: string) => this.onReport(d));
      reportPipe.on("close", () => {
        pipeClosed = true;
        maybeExit();
      });
      // Subprocesses of the app may hold the pipe open after it exits: do not wait for them long.
      void this.exitPromise.then(() => setTimeout(() => { if (!pipeClosed) { pipeClosed = true; maybeExit(); } }, 150).unref());
    } else pipeClosed = true;
    void this.exitPromise.then(() => {
      exitedProc = true;
      maybeExit();
    });
    this.proc.on("message", (m: ChildMessage, handle: unknown) => this.onMessage(m, handle));
    this.proc.on("error", () => {});
    const stdin = this.proc.stdin as Writable | null;
    stdin?.on("error", () => {});
  }

  private onReport(chunk: string): void {
    this.reportBuf += chunk;
    let nl: number;
    while ((nl = this.reportBuf.indexOf("\n")) >= 0) {
      const line = this.reportBuf.slice(0, nl);
      this.reportBuf = this.reportBuf.slice(nl + 1);
      let rec: Report;
      try {
        rec = JSON.parse(line) as Report;
      } catch {
        continue;
      }
      if (rec.t === "file") {
        if (!this.woken) this.preloaded.add(rec.path);
        this.emit("file", rec.path);
      } else if (rec.t === "dep") this.emit("dep", rec.url);
      else if (rec.t === "crash") {
        this.crash = rec;
        this.emit("report", rec);
      } else if (rec.t === "listen-error") {
        this.listenError = rec;
        this.emit("report", rec);
      }
    }
  }

  private onMessage(m: ChildMessage, handle: unknown): void {
    if (!m || typeof m !== "object") return;
    if (m.t === "listening") {
      this.ports.add(m.port);
      this.emit("listening", m.port, m.handoff ? handle : undefined);
    } else if (m.t === "has-hooks") this.hasHooks = true;
    else if (m.t === "inspector") {
      this.inspectorUrl = m.url;
      this.emit("inspector", m.url);
    }
    this.emit("message", m, handle);
  }

  /** True while the process runs and its IPC channel is up. */
  get connected(): boolean {
    return !this.exited && this.proc.connected;
  }

  /** The stdin pipe of the app. */
  get stdin(): Writable | null {
    return this.proc.stdin;
  }

  send(msg: unknown): boolean {
    if (!this.connected) return false;
    try {
      this.proc.send(msg as never, undefined, undefined, () => {});
      return true;
    } catch {
      return false;
    }
  }

  /** Sends `go` to a standby. */
  go(): void {
    this.woken = true;
    this.startedEpoch = Date.now();
    this.send({ t: "go" });
  }

  /** Waits for a message of type `t`, up to `ms`; resolves false on timeout or exit. */
  waitFor(t: ChildMessage["t"], ms: number): Promise<boolean> {
    if (this.exited) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (v: boolean) => {
        clearTimeout(timer);
        this.off("message", onMsg);
        resolve(v);
      };
      const onMsg = (m: ChildMessage) => {
        if (m.t === t) done(true);
      };
      const timer = setTimeout(() => done(false), ms);
      this.on("message", onMsg);
      void this.exitPromise.then(() => done(false));
    });
  }

  /** Resolves with how a starting process ended up: listening, exited, or neither within `ms`. */
  waitReady(ms: number): Promise<"ready" | "exit" | "timeout"> {
    if (this.ports.size) return Promise.resolve("ready");
    if (this.exited) return Promise.resolve("exit");
    return new Promise((resolve) => {
      const done = (v: "ready" | "exit" | "timeout") => {
        clearTimeout(timer);
        this.off("listening", onL);
        this.off("exit", onE);
        resolve(v);
      };
      const onL = () => done("ready");
      const onE = () => done("exit");
      const timer = setTimeout(() => done("timeout"), ms);
      this.on("listening", onL);
      this.on("exit", onE);
    });
  }

  /** Runs the app's reload hooks (if it registered any), up to `ms`. */
  async runReloadHooks(ms: number): Promise<void> {
    if (!this.hasHooks || !this.connected) return;
    const p = this.waitFor("hooks-done", ms);
    this.send({ t: "reload-hooks" });
    await p;
  }

  /** Signals the whole process group. */
  signal(sig: NodeJS.Signals): void {
    if (this.exited || this.pid <= 0) return;
    try {
      process.kill(-this.pid, sig);
    } catch {
      try {
        process.kill(this.pid, sig);
      } catch {
        /* gone */
      }
    }
  }

  /**
   * Stops the app: drain over IPC (when `drain`), then `killSignal` to its group, then SIGKILL after
   * `grace` ms. Resolves when it has exited.
   */
  async stop(killSignal: NodeJS.Signals, grace: number, drain = true): Promise<void> {
    this.stopping = true;
    if (this.exited) return;
    if (drain && this.connected && this.ports.size) {
      const drained = this.waitFor("drained", grace);
      this.send({ t: "drain" });
      await drained;
    }
    if (this.exited) return;
    this.signal(killSignal);
    const timer = setTimeout(() => this.signal("SIGKILL"), grace);
    timer.unref();
    await this.exitPromise;
    clearTimeout(timer);
    // Reap what the app left in its group (subprocesses that ignored the signal).
    try {
      process.kill(-this.pid, "SIGKILL");
    } catch {
      /* group empty */
    }
  }

  /** Kills the group at once. */
  kill(): void {
    this.stopping = true;
    this.signal("SIGKILL");
  }
}
