/**
 * The restart engine behind `tdev` (and behind in-app autoreload). It owns the listening sockets and
 * hands them to each app process; watches the files the app loaded; on a change it runs the app's
 * reload hooks, wakes a warm standby (Node, the loader and esbuild already up), and once the new
 * process listens it drains and stops the old one, so no request is refused or dropped. A broken
 * version stops serving: the port then answers a 500 page with the error until a change fixes it.
 *
 * How tdev learns the port: the first `listen(port)` of the first app process binds normally and sends
 * the bound handle to tdev (IPC); tdev keeps it open and passes it as an inherited fd to every later
 * process, whose `listen(port)` then uses it (see preload.ts). `--port` binds it up front instead.
 */
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { AppChild } from "./child.js";
import { describeCrash } from "./crash.js";
import type { BrokenState } from "./error-page.js";
import { InspectorProxy, parseInspectorUrl } from "./inspector-proxy.js";
import type { Output } from "./output.js";
import {
  ENV_GRACE, ENV_INSPECT, ENV_LIVE_RELOAD, ENV_PRELOAD_DEPS, ENV_PREWARM, ENV_REPORT_FD, ENV_SOCKETS, ENV_STANDBY, ENV_TDEV, type Report,
} from "./protocol.js";
import { stdioLayout } from "./child.js";
import { ignoreMatcher } from "./glob.js";
import { Watcher } from "./watcher.js";

/** Everything the engine needs. */
export interface SupervisorOptions {
  entry: string;
  args: string[];
  nodeFlags: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  registerUrl: string;
  preloadUrl: string;
  errorServer: string;
  watch: string[];
  ignore: string[];
  poll: boolean;
  pollInterval: number;
  debounce: number;
  killSignal: NodeJS.Signals;
  grace: number;
  exitOnCrash: boolean;
  clear: boolean;
  liveReload: boolean;
  standby: boolean;
  port?: number;
  host?: string;
  envFiles: string[];
  /** Let the standby import the app's packages before it is needed (default true). */
  warmDeps?: boolean;
  /** Exit (status 0) when the app exits cleanly, instead of waiting for a change (in-app mode). */
  exitOnCleanExit?: boolean;
  /** Keep app processes in our process group, so the terminal's Ctrl-C reaches them (in-app mode). */
  sameProcessGroup?: boolean;
  /** Forward our stdin to the app and read `rs` (tdev), or let the app inherit it (in-app mode). */
  forwardStdin: boolean;
  /** How the engine ends the launcher. */
  exit: (code: number) => void;
  out: Output;
}

interface Held {
  handle: { fd: number; close?: (cb?: () => void) => void };
}

const distDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const OWN_DIRS = [path.join(distDir, "register") + path.sep, path.join(distDir, "cli") + path.sep, path.join(distDir, "autoreload", "bridge.js")];

const READY_TIMEOUT = 10_000;
const LOOP_WINDOW = 300;
const LOOP_COUNT = 3;

/** The engine. `start()` once; `restart()` on demand; `shutdown()` to end. */
export class Supervisor {
  private readonly sockets = new Map<number, Held>();
  private active: AppChild | null = null;
  private standby: AppChild | null = null;
  private errorChild: AppChild | null = null;
  private restarting = false;
  private queued: string[] | null = null;
  private shuttingDown = false;
  private readonly watcher: Watcher;
  private readonly graph = new Set<string>();
  private readonly deps = new Set<string>();
  private readonly seen = new Map<string, string>();
  private readonly isIgnored: (f: string) => boolean;
  private readonly paused = new Set<string>();
  private readonly loopCounts = new Map<string, number>();
  private lastReadyAt = 0;
  private readonly execArgv: string[];
  private proxy: InspectorProxy | undefined;
  private inspect: { host: string; port: number } | undefined;
  private stdinEnded = false;
  private firstStart = true;

  constructor(private readonly o: SupervisorOptions) {
    this.isIgnored = ignoreMatcher(o.ignore, o.cwd);
    this.watcher = new Watcher({
      poll: o.poll,
      interval: o.pollInterval,
      debounce: o.debounce,
      ignored: this.isIgnored,
      onPollFallback: (dir, fsName) => o.out.info(`${dir} is on ${fsName}, where change events do not arrive: polling it`),
    });
    this.watcher.on("change", (files: string[]) => this.onChange(files));
    this.watcher.on("error", (err: Error) => o.out.warn(`watcher: ${err.message}`));
    this.execArgv = this.childExecArgv();
  }

  private rel(file: string): string {
    const r = path.relative(this.o.cwd, file);
    return r && !r.startsWith("..") ? r : file;
  }

  /** Node flags for children: ours first, --inspect rewritten to an ephemeral port behind the proxy. */
  private childExecArgv(): string[] {
    const flags: string[] = [];
    let inspectKind: string | undefined;
    let inspectAddr: string | undefined;
    let inspectPort: string | undefined;
    for (const f of this.o.nodeFlags) {
      const m = /^--(inspect(?:-brk|-wait)?)(?:=(.*))?$/.exec(f);
      if (m) {
        inspectKind = m[1];
        inspectAddr = m[2];
        continue;
      }
      const p = /^--inspect-port=(.*)$/.exec(f);
      if (p) {
        inspectPort = p[1];
        continue;
      }
      flags.push(f);
    }
    if (inspectKind) {
      let host = "127.0.0.1";
      let port = 9229;
      const addr = inspectAddr ?? inspectPort;
      if (addr) {
        const mm = /^(?:(.*):)?(\d+)$/.exec(addr);
        if (mm) {
          if (mm[1]) host = mm[1].replace(/^\[|\]$/g, "");
          port = Number(mm[2]);
        } else host = addr;
      }
      this.inspect = { host, port };
      flags.push(`--${inspectKind}=127.0.0.1:0`);
    }
    return ["--import", this.o.registerUrl, "--import", this.o.preloadUrl, ...flags];
  }

  // ---- start / stop ---------------------------------------------------------------------------------

  /** Binds what must be bound, starts watching and starts the app. */
  async start(): Promise<void> {
    const { out } = this.o;
    if (this.inspect) {
      this.proxy = new InspectorProxy(this.inspect.host, this.inspect.port);
      try {
        await this.proxy.listen();
        out.info(`debugger: ws://${this.inspect.host}:${this.inspect.port} (stays the same across restarts)`);
      } catch (err) {
        out.error(`inspector port ${this.inspect.port} is already in use: another process holds it (pick one with --inspect=<port>)`);
        this.proxy = undefined;
      }
    }
    if (this.o.port !== undefined) {
      const err = (await probePort(this.o.port, this.o.host)) ?? this.bindPort(this.o.port, this.o.host);
      if (err) {
        out.error(err);
        return this.o.exit(1);
      }
    }
    this.watcher.add(this.o.entry);
    for (const w of this.o.watch) this.watcher.add(path.resolve(this.o.cwd, w), true);
    for (const e of this.o.envFiles) this.watcher.add(path.resolve(this.o.cwd, e));
    out.info(`watching ${this.rel(this.o.entry)} and the files it loads${this.o.watch.length ? ` (+ ${this.o.watch.join(", ")})` : ""}`);
    await this.restart(null, []);
  }

  /** Binds `port` in tdev (never listening here: the app's listen() does that on the inherited fd). */
  private bindPort(port: number, host?: string): string | undefined {
    const create = (net as unknown as { _createServerHandle: (a: string | null, p: number, t: number, fd?: number, flags?: number) => Held["handle"] | number })._createServerHandle;
    let h = host ? create(host, port, net.isIPv6(host) ? 6 : 4) : create("::", port, 6);
    if (typeof h === "number" && !host) h = create("0.0.0.0", port, 4);
    if (typeof h === "number") {
      const inUse = h === -98 || h === -48;
      return inUse
        ? `port ${port} is already in use: another process holds it (stop it, or run the app on another port)`
        : `cannot bind port ${port}${host ? ` on ${host}` : ""} (error ${h})`;
    }
    this.sockets.set(port, { handle: h });
    return undefined;
  }

  /** Stops everything; `signal` is forwarded to the app (Ctrl-C → SIGINT). Exit status: the app's. */
  async shutdown(signal: NodeJS.Signals = this.o.killSignal, code?: number): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    void this.watcher.close();
    this.standby?.kill();
    this.errorChild?.kill();
    this.proxy?.close();
    const a = this.active;
    let status = code ?? 0;
    if (a && !a.exited) {
      a.stopping = true;
      a.signal(signal);
      const t = setTimeout(() => a.signal("SIGKILL"), this.o.grace);
      await a.exitPromise;
      clearTimeout(t);
      if (code === undefined) status = a.exitCode ?? (a.exitSignal ? 128 + signalNumber(a.exitSignal) : 1);
    } else if (a && code === undefined) status = a.exitCode ?? 0;
    this.o.exit(status);
  }

  /** Kills everything at once (second Ctrl-C). */
  killAll(): void {
    this.shuttingDown = true;
    for (const c of [this.active, this.standby, this.errorChild]) c?.kill();
  }

  // ---- stdin ----------------------------------------------------------------------------------------

  /** Feeds tdev's stdin: `rs` + Enter restarts, everything else goes to the app. */
  onStdin(chunk: Buffer): void {
    if (chunk.toString().trim() === "rs") {
      this.paused.clear();
      void this.restart("rs: restarting", []);
      return;
    }
    this.active?.stdin?.write(chunk);
  }

  onStdinEnd(): void {
    this.stdinEnded = true;
    this.active?.stdin?.end();
  }

  // ---- children -------------------------------------------------------------------------------------

  private socketKey(): string {
    return [...this.sockets.keys()].join(",");
  }

  private spawn(standby: boolean): AppChild {
    const sockets = new Map([...this.sockets].map(([p, h]) => [p, h.handle.fd] as [number, number]));
    const { socketEnv, reportFd } = stdioLayout(sockets);
    const env: NodeJS.ProcessEnv = {
      ...this.o.env,
      [ENV_TDEV]: "1",
      [ENV_REPORT_FD]: String(reportFd),
      [ENV_SOCKETS]: socketEnv,
      [ENV_STANDBY]: standby ? "1" : "0",
      [ENV_PREWARM]: standby ? "1" : "0",
      [ENV_LIVE_RELOAD]: this.o.liveReload ? "1" : "0",
      [ENV_GRACE]: String(this.o.grace),
      [ENV_INSPECT]: this.inspect ? "1" : "0",
      [ENV_PRELOAD_DEPS]: standby && this.o.warmDeps !== false ? JSON.stringify([...this.deps]) : "",
    };
    const child = new AppChild(
      { execArgv: this.execArgv, script: this.o.entry, args: this.o.args, env, sockets, cwd: this.o.cwd, detached: !this.o.sameProcessGroup, stdin: this.o.forwardStdin ? "pipe" : "inherit" },
      standby,
    );
    (child as AppChild & { socketKey?: string }).socketKey = this.socketKey();
    child.on("file", (f: string) => this.addFile(f));
    child.on("dep", (url: string) => this.deps.add(url));
    child.on("listening", (port: number, handle: Held["handle"] | undefined) => this.onListening(child, port, handle));
    child.on("message", (m: { t: string; path?: string }) => {
      if (m.t === "watch" && m.path) {
        const p = path.resolve(this.o.cwd, m.path);
        if (this.watcher.add(p, true)) this.o.out.info(`watching ${this.rel(p)} (autoreload.watch)`);
      }
    });
    child.on("inspector", (url: string) => {
      if (child === this.active) this.proxy?.setTarget(parseInspectorUrl(url));
    });
    child.on("report", (r: Report) => {
      if (r.t === "listen-error" && r.code === "EADDRINUSE") {
        this.o.out.error(`port ${r.port} is already in use: another process holds it (stop it, or run the app on another port)`);
      }
    });
    child.on("exit", () => this.onExit(child));
    if (this.stdinEnded || !this.o.forwardStdin) child.stdin?.end();
    return child;
  }

  private addFile(file: string): void {
    if (this.graph.has(file)) return;
    this.graph.add(file);
    if (!this.seen.has(file)) this.seen.set(file, this.statKey(file));
    if (file.includes(`${path.sep}node_modules${path.sep}`)) return;
    // tdev's own injected modules (loader, preload) are not the app's.
    if (OWN_DIRS.some((d) => file.startsWith(d))) return;
    this.watcher.add(file);
  }

  private onListening(child: AppChild, port: number, handle: Held["handle"] | undefined): void {
    if (handle && typeof handle.fd === "number" && !this.sockets.has(port)) {
      this.sockets.set(port, { handle });
      this.o.out.info(`app listens on port ${port}; tdev holds the socket across restarts`);
      // A standby spawned before this port was known cannot use it: replace it.
      if (this.standby) {
        this.standby.kill();
        this.standby = null;
        this.scheduleStandby();
      }
    }
    if (child === this.active && this.errorChild && !this.restarting) {
      const e = this.errorChild;
      this.errorChild = null;
      void e.stop("SIGTERM", 500);
    }
  }

  private scheduleStandby(delay = 30): void {
    if (!this.o.standby || this.shuttingDown || this.standby) return;
    if (this.o.nodeFlags.some((f) => /^--inspect-(brk|wait)/.test(f))) return;
    const make = () => {
      if (!this.shuttingDown && !this.standby) this.standby = this.spawn(true);
    };
    if (delay === 0) make();
    else setTimeout(make, delay).unref();
  }

  private takeStandby(): AppChild | null {
    const s = this.standby;
    this.standby = null;
    if (!s) return null;
    if (s.exited || !s.connected || (s as AppChild & { socketKey?: string }).socketKey !== this.socketKey()) {
      s.kill();
      return null;
    }
    return s;
  }

  /** Resolves with how a starting child ended up. */
  private waitReady(child: AppChild, ms: number): Promise<"ready" | "exit" | "timeout"> {
    if (child.ports.size) return Promise.resolve("ready");
    if (child.exited) return Promise.resolve("exit");
    return new Promise((resolve) => {
      const done = (v: "ready" | "exit" | "timeout") => {
        clearTimeout(timer);
        child.off("listening", onL);
        child.off("exit", onE);
        resolve(v);
      };
      const onL = () => done("ready");
      const onE = () => done("exit");
      const timer = setTimeout(() => done("timeout"), ms);
      child.on("listening", onL);
      child.on("exit", onE);
    });
  }

  private crashState(child: AppChild): BrokenState {
    if (child.crash) return describeCrash(child.crash, this.o.cwd);
    const how = child.exitSignal ? `killed by ${child.exitSignal}` : `exit code ${child.exitCode}`;
    return { title: `the app exited (${how})`, text: `The app process exited (${how}) without an uncaught exception.\nSee its output in the terminal.` };
  }

  private printCrash(child: AppChild, when: string): BrokenState {
    const state = this.crashState(child);
    if (child.crash) this.o.out.block(state.text);
    const how = child.exitSignal ? `killed by ${child.exitSignal}` : `exit code ${child.exitCode}`;
    this.o.out.error(`app ${when} (${how}) — waiting for a file change${this.o.exitOnCrash ? "" : " (rs + Enter restarts)"}`);
    return state;
  }

  private showError(state: BrokenState): void {
    if (this.shuttingDown || this.sockets.size === 0) return;
    const old = this.errorChild;
    this.errorChild = null;
    old?.kill();
    const sockets = new Map([...this.sockets].map(([p, h]) => [p, h.handle.fd] as [number, number]));
    const { socketEnv } = stdioLayout(sockets);
    const env: NodeJS.ProcessEnv = {
      ...this.o.env,
      [ENV_SOCKETS]: socketEnv,
      [ENV_LIVE_RELOAD]: this.o.liveReload ? "1" : "0",
      TYPHOON_TDEV_ERROR: JSON.stringify(state),
      NODE_OPTIONS: "",
    };
    const child = new AppChild({ execArgv: [], script: this.o.errorServer, args: [], env, sockets, cwd: this.o.cwd }, false);
    child.stdin?.end();
    child.on("exit", () => {
      if (this.errorChild === child) this.errorChild = null;
    });
    this.errorChild = child;
  }

  private onExit(child: AppChild): void {
    if (child === this.standby) this.standby = null;
    if (child !== this.active || child.stopping || this.restarting || this.shuttingDown) return;
    // The app ended on its own while running.
    this.active = null;
    this.proxy?.setTarget(undefined);
    const crashed = child.exitCode !== 0 || child.exitSignal !== null;
    if (crashed) {
      const state = this.printCrash(child, "crashed");
      if (this.o.exitOnCrash) {
        void this.shutdown(this.o.killSignal, child.exitCode ?? 1);
        return;
      }
      this.showError(state);
    } else {
      if (this.o.exitOnCleanExit) return void this.shutdown(this.o.killSignal, 0);
      this.o.out.info(`app exited cleanly — waiting for a file change`);
      if (child.ports.size) this.showError({ title: "the app exited", text: "The app process exited with code 0 and no longer serves this port." });
    }
  }

  // ---- changes and restarts -------------------------------------------------------------------------

  /** mtime/size/inode of a file, to drop events that report no new content. */
  private statKey(file: string): string {
    try {
      const st = fs.statSync(file);
      return st.isDirectory() ? "dir" : `${st.mtimeMs}:${st.size}:${st.ino}`;
    } catch {
      return "missing";
    }
  }

  private onChange(files: string[]): void {
    if (this.shuttingDown) return;
    // A late duplicate event (chokidar stats each raw event) for content a restart already picked up.
    files = files.filter((f) => {
      const key = this.statKey(f);
      if (key !== "dir" && this.seen.get(f) === key) return false;
      this.seen.set(f, key);
      return true;
    });
    const live = files.filter((f) => !this.paused.has(f));
    if (!live.length) return;
    // Restart-loop detection: the same file changing right after each start means the app writes it.
    const sinceReady = performance.now() - this.lastReadyAt;
    if (this.restarting || sinceReady < LOOP_WINDOW) {
      for (const f of live) this.loopCounts.set(f, (this.loopCounts.get(f) ?? 0) + 1);
      const looping = live.filter((f) => (this.loopCounts.get(f) ?? 0) >= LOOP_COUNT);
      if (looping.length) {
        for (const f of looping) {
          this.paused.add(f);
          this.loopCounts.delete(f);
          const rel = this.rel(f);
          this.o.out.warn(
            `restart loop: ${rel} changed right after each of the last ${LOOP_COUNT} starts — the app seems to write it.\n` +
              `       Paused restarts for it. Add --ignore ${JSON.stringify(rel)} (or keep that file out of the loaded modules); rs + Enter restarts.`,
          );
        }
        const rest = live.filter((f) => !looping.includes(f));
        if (!rest.length) return;
        return void this.restart(this.changeLine(rest), rest);
      }
    } else this.loopCounts.clear();
    void this.restart(this.changeLine(live), live);
  }

  private changeLine(files: string[]): string {
    const shown = files.slice(0, 3).map((f) => this.rel(f)).join(", ");
    return `changed: ${shown}${files.length > 3 ? ` and ${files.length - 3} more` : ""}`;
  }

  private needsCold(files: string[]): boolean {
    const env = new Set(this.o.envFiles.map((e) => path.resolve(this.o.cwd, e)));
    return files.some((f) => env.has(f) || path.basename(f) === "package.json" || f.includes(`${path.sep}node_modules${path.sep}`));
  }

  /** Restarts the app (or starts it, when `reason` is null). Changes during a restart queue one more. */
  async restart(reason: string | null, files: string[]): Promise<void> {
    if (this.shuttingDown) return;
    if (this.restarting) {
      this.queued = [...(this.queued ?? []), ...files];
      return;
    }
    this.restarting = true;
    const { out } = this.o;
    try {
      if (reason !== null) {
        if (this.o.clear) out.clear();
        out.info(reason);
      }
      const t0 = performance.now();
      const old = this.active;
      if (old && !old.exited) await old.runReloadHooks(2000);
      // A standby that already imported a changed file (a rebuilt dependency) would run stale code.
      if (this.standby && (this.needsCold(files) || files.some((f) => this.standby!.preloaded.has(f)))) {
        this.standby.kill();
        this.standby = null;
      }
      let next = this.takeStandby();
      if (next) next.go();
      else next = this.spawn(false);
      // Boot the following standby now, in parallel, so quick successive edits still find one warm.
      this.scheduleStandby(0);
      const overlap = !!old && !old.exited && old.ports.size > 0;
      if (old && !overlap) await old.stop(this.o.killSignal, this.o.grace);
      this.active = next;
      if (next.inspectorUrl) this.proxy?.setTarget(parseInspectorUrl(next.inspectorUrl));
      const waitMs = overlap || this.sockets.size ? READY_TIMEOUT : 3000;
      const how = await this.waitReady(next, waitMs);
      if (this.shuttingDown) return;
      if (how === "ready") {
        this.lastReadyAt = performance.now();
        const ms = Math.round(this.lastReadyAt - t0);
        if (old && !old.exited) void old.stop(this.o.killSignal, this.o.grace);
        if (this.errorChild) {
          const e = this.errorChild;
          this.errorChild = null;
          void e.stop("SIGTERM", 500);
        }
        if (this.firstStart) out.info(`started in ${ms} ms · ${this.watcher.size} files watched`);
        else out.info(out.green(`restarted in ${ms} ms`));
        this.firstStart = false;
      } else if (how === "exit") {
        this.active = null;
        if (old && !old.exited) await old.stop(this.o.killSignal, this.o.grace);
        const crashed = next.exitCode !== 0 || next.exitSignal !== null;
        if (crashed) {
          const state = this.printCrash(next, this.firstStart ? "failed to start" : "failed to start after the change");
          if (this.o.exitOnCrash) {
            this.restarting = false;
            return void this.shutdown(this.o.killSignal, next.exitCode ?? 1);
          }
          this.showError(state);
        } else {
          if (this.o.exitOnCleanExit) {
            this.restarting = false;
            return void this.shutdown(this.o.killSignal, 0);
          }
          out.info(`app exited cleanly (exit code 0) — waiting for a file change`);
          if (this.sockets.size) this.showError({ title: "the app exited", text: "The app process exited with code 0 without listening." });
        }
        this.firstStart = false;
      } else {
        // Alive but not listening (yet): a script, a worker, or a slow start. Retire the old version.
        if (old && !old.exited) void old.stop(this.o.killSignal, this.o.grace);
        if (this.firstStart) out.info(`started · ${this.watcher.size} files watched`);
        else out.info(out.green(`restarted (${Math.round(performance.now() - t0)} ms, not listening yet)`));
        this.firstStart = false;
      }
    } finally {
      this.restarting = false;
    }
    this.scheduleStandby();
    if (this.queued) {
      const q = this.queued;
      this.queued = null;
      void this.restart(this.changeLine(q.length ? q : ["(changes during restart)"]), q);
    }
  }
}

/** Checks that nobody listens on the port (a bound-only socket would not notice until the app listens). */
function probePort(port: number, host?: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once("error", (err: NodeJS.ErrnoException) =>
      resolve(err.code === "EADDRINUSE" ? `port ${port} is already in use: another process holds it (stop it, or run the app on another port)` : `cannot bind port ${port}: ${err.message}`),
    );
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(undefined)));
  });
}

function signalNumber(sig: NodeJS.Signals): number {
  return os.constants.signals[sig] ?? 1;
}
