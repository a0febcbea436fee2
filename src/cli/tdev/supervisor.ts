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
 *
 * The parts live beside it: sockets.ts (held ports), standby.ts (the warm process), change-filter.ts
 * (duplicate events, restart loops), error-process.ts (the 500 page), node-flags.ts (--inspect).
 */
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { changeLine, ChangeFilter, displayPath } from "./change-filter.js";
import { AppChild, stdioLayout } from "./child.js";
import { exitHow, exitState } from "./crash.js";
import type { BrokenState } from "./error-page.js";
import { ErrorProcess } from "./error-process.js";
import { ignoreMatcher } from "./glob.js";
import { InspectorProxy, parseInspectorUrl } from "./inspector-proxy.js";
import { childExecArgv, waitsForDebugger, type InspectAddress } from "./node-flags.js";
import type { Output } from "./output.js";
import {
  ENV_GRACE, ENV_INSPECT, ENV_LIVE_RELOAD, ENV_PRELOAD_DEPS, ENV_PREWARM, ENV_REPORT_FD, ENV_SOCKETS, ENV_STANDBY, ENV_TDEV, type Report,
} from "./protocol.js";
import { bindPort, HeldSockets, portInUse, probePort, type HeldHandle } from "./sockets.js";
import type { TdevArgs } from "./args.js";
import { Standby } from "./standby.js";
import { Watcher } from "./watcher.js";

/** Everything the engine needs. */
export interface SupervisorOptions
  extends Pick<
      TdevArgs,
      | "entry" | "args" | "nodeFlags" | "watch" | "ignore" | "poll" | "pollInterval" | "debounce" | "killSignal"
      | "grace" | "exitOnCrash" | "clear" | "liveReload" | "standby" | "envFiles"
    >,
    Partial<Pick<TdevArgs, "port" | "host">> {
  cwd: string;
  env: NodeJS.ProcessEnv;
  registerUrl: string;
  preloadUrl: string;
  errorServer: string;
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

const distDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const OWN_DIRS = [path.join(distDir, "register") + path.sep, path.join(distDir, "cli") + path.sep, path.join(distDir, "autoreload", "bridge.js")];

const READY_TIMEOUT = 10_000;

/** The engine. `start()` once; `restart()` on demand; `shutdown()` to end. */
export class Supervisor {
  private readonly sockets = new HeldSockets();
  private active: AppChild | null = null;
  private readonly standby: Standby;
  private readonly errorPage: ErrorProcess;
  private restarting = false;
  private queued: string[] | null = null;
  private shuttingDown = false;
  private readonly watcher: Watcher;
  private readonly changes: ChangeFilter;
  private readonly graph = new Set<string>();
  private readonly deps = new Set<string>();
  private readonly execArgv: string[];
  private proxy: InspectorProxy | undefined;
  private readonly inspect: InspectAddress | undefined;
  private stdinEnded = false;
  private firstStart = true;

  constructor(private readonly o: SupervisorOptions) {
    const isIgnored = ignoreMatcher(o.ignore, o.cwd);
    this.watcher = new Watcher({
      poll: o.poll,
      interval: o.pollInterval,
      debounce: o.debounce,
      ignored: isIgnored,
      onPollFallback: (dir, fsName) => o.out.info(`${dir} is on ${fsName}, where change events do not arrive: polling it`),
    });
    this.watcher.on("change", (files: string[]) => this.onChange(files));
    this.watcher.on("error", (err: Error) => o.out.warn(`watcher: ${err.message}`));
    this.changes = new ChangeFilter(o.cwd, o.out);
    ({ execArgv: this.execArgv, inspect: this.inspect } = childExecArgv(o.nodeFlags, o.registerUrl, o.preloadUrl));
    this.standby = new Standby({
      // A standby started under --inspect-brk/--inspect-wait would sit waiting for a debugger.
      enabled: o.standby && !waitsForDebugger(o.nodeFlags),
      spawn: () => this.spawn(true),
      stopped: () => this.shuttingDown,
      socketKey: () => this.sockets.key(),
      envFiles: o.envFiles,
      cwd: o.cwd,
    });
    this.errorPage = new ErrorProcess({ errorServer: o.errorServer, cwd: o.cwd, env: o.env, liveReload: o.liveReload });
  }

  private rel(file: string): string {
    return displayPath(this.o.cwd, file);
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
      const bound = (await probePort(this.o.port, this.o.host)) ?? bindPort(this.o.port, this.o.host);
      if (typeof bound === "string") {
        out.error(bound);
        return this.o.exit(1);
      }
      this.sockets.add(this.o.port, bound);
    }
    this.watcher.add(this.o.entry);
    for (const w of this.o.watch) this.watcher.add(path.resolve(this.o.cwd, w), true);
    for (const e of this.o.envFiles) this.watcher.add(path.resolve(this.o.cwd, e));
    const polling = this.o.poll ? `, polling every ${this.o.pollInterval} ms` : "";
    out.info(`watching ${this.rel(this.o.entry)} and the files it loads${this.o.watch.length ? ` (+ ${this.o.watch.join(", ")})` : ""}${polling}`);
    await this.restart(null, []);
  }

  /** Stops everything; `signal` is forwarded to the app (Ctrl-C → SIGINT). Exit status: the app's. */
  async shutdown(signal: NodeJS.Signals = this.o.killSignal, code?: number): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    void this.watcher.close();
    this.standby.current?.kill();
    this.errorPage.kill();
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
    for (const c of [this.active, this.standby.current, this.errorPage.current]) c?.kill();
  }

  // ---- stdin ----------------------------------------------------------------------------------------

  /** Feeds tdev's stdin: `rs` + Enter restarts, everything else goes to the app. */
  onStdin(chunk: Buffer): void {
    if (chunk.toString().trim() === "rs") {
      this.changes.resume();
      void this.restart("rs: restarting", []);
      return;
    }
    this.active?.stdin?.write(chunk);
  }

  /** tdev's stdin closed: the app sees its stdin end too (now, and in every later process). */
  onStdinEnd(): void {
    this.stdinEnded = true;
    this.active?.stdin?.end();
  }

  // ---- children -------------------------------------------------------------------------------------

  private spawn(standby: boolean): AppChild {
    const sockets = this.sockets.fds();
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
    child.on("file", (f: string) => this.addFile(f, child));
    child.on("dep", (url: string) => this.deps.add(url));
    child.on("listening", (port: number, handle: HeldHandle | undefined) => this.onListening(child, port, handle));
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
      if (r.t === "listen-error" && r.code === "EADDRINUSE") this.o.out.error(portInUse(r.port));
    });
    child.on("exit", () => this.onExit(child));
    if (this.stdinEnded || !this.o.forwardStdin) child.stdin?.end();
    return child;
  }

  private addFile(file: string, child: AppChild): void {
    if (this.graph.has(file)) return;
    this.graph.add(file);
    // Written after the process started: maybe after it read the file, before anything watched it.
    const changedSince = this.changes.loaded(file, child.startedEpoch);
    if (file.includes(`${path.sep}node_modules${path.sep}`)) return;
    // tdev's own injected modules (loader, preload) are not the app's.
    if (OWN_DIRS.some((d) => file.startsWith(d))) return;
    this.watcher.add(file);
    if (changedSince) this.watcher.report(file);
  }

  private onListening(child: AppChild, port: number, handle: HeldHandle | undefined): void {
    if (handle && typeof handle.fd === "number" && !this.sockets.has(port)) {
      this.sockets.add(port, handle);
      this.o.out.info(`app listens on port ${port}; tdev holds the socket across restarts`);
      // A standby spawned before this port was known cannot use it: replace it.
      if (this.standby.current) {
        this.standby.discard();
        this.standby.schedule();
      }
    }
    if (child === this.active && !this.restarting) this.errorPage.dismiss();
  }

  private printCrash(child: AppChild, when: string): BrokenState {
    const state = exitState(child, this.o.cwd);
    if (child.crash) this.o.out.block(state.text);
    this.o.out.error(`app ${when} (${exitHow(child)}) — waiting for a file change${this.o.exitOnCrash ? "" : " (rs + Enter restarts)"}`);
    return state;
  }

  private showError(state: BrokenState): void {
    // Without a held socket there is no port to answer on.
    if (this.shuttingDown || this.sockets.size === 0) return;
    this.errorPage.show(state, this.sockets.fds());
  }

  private onExit(child: AppChild): void {
    this.standby.exited(child);
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

  private onChange(files: string[]): void {
    if (this.shuttingDown) return;
    const due = this.changes.due(files, this.restarting);
    if (due.length) void this.restart(changeLine(this.o.cwd, due), due);
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
      this.standby.discardIfStale(files);
      let next = this.standby.take();
      if (next) next.go();
      else next = this.spawn(false);
      // Boot the following standby now, in parallel, so quick successive edits still find one warm.
      this.standby.schedule(0);
      // An old version that serves a port keeps serving until the new one listens: no request is refused.
      const overlap = !!old && !old.exited && old.ports.size > 0;
      if (old && !overlap) await old.stop(this.o.killSignal, this.o.grace);
      this.active = next;
      if (next.inspectorUrl) this.proxy?.setTarget(parseInspectorUrl(next.inspectorUrl));
      const waitMs = overlap || this.sockets.size ? READY_TIMEOUT : 3000;
      const how = await next.waitReady(waitMs);
      if (this.shuttingDown) return;
      if (how === "ready") {
        const readyAt = performance.now();
        this.changes.markReady(next.startedEpoch);
        const ms = Math.round(readyAt - t0);
        if (old && !old.exited) void old.stop(this.o.killSignal, this.o.grace);
        this.errorPage.dismiss();
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
    this.standby.schedule();
    if (this.queued) {
      const q = this.queued;
      this.queued = null;
      void this.restart(changeLine(this.o.cwd, q.length ? q : ["(changes during restart)"]), q);
    }
  }
}

function signalNumber(sig: NodeJS.Signals): number {
  return os.constants.signals[sig] ?? 1;
}
