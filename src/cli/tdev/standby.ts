/**
 * The warm standby: an app process started ahead of time (Node, the loader and esbuild up, the app's
 * packages imported) that waits for `go`. A restart then costs only the app's own modules. A standby is
 * only good while nothing it already loaded has changed and while the set of held ports is the one it
 * inherited; otherwise it is thrown away and a cold process starts instead.
 */
import path from "node:path";
import type { AppChild } from "./child.js";

/** What the standby manager needs from the supervisor. */
export interface StandbyOptions {
  /** False when standbys are off, or when a process would block waiting for a debugger. */
  enabled: boolean;
  /** Starts an app process that waits for `go`. */
  spawn: () => AppChild;
  /** True once the supervisor shuts down: no new standby then. */
  stopped: () => boolean;
  /** The held ports' identity now (see HeldSockets.key). */
  socketKey: () => string;
  /** Env files, relative to `cwd`: Node reads them at startup, so a change needs a cold process. */
  envFiles: string[];
  cwd: string;
}

/** Holds at most one standby process. */
export class Standby {
  private child: AppChild | null = null;
  private key = "";

  constructor(private readonly o: StandbyOptions) {}

  /** The waiting process, if any. */
  get current(): AppChild | null {
    return this.child;
  }

  /** Starts a standby after `delay` ms, unless one exists (the delay lets the active app start first). */
  schedule(delay = 30): void {
    if (!this.o.enabled || this.o.stopped() || this.child) return;
    const make = () => {
      if (!this.o.stopped() && !this.child) {
        this.key = this.o.socketKey();
        this.child = this.o.spawn();
      }
    };
    if (delay === 0) make();
    else setTimeout(make, delay).unref();
  }

  /** Hands over the standby for use, or null when there is none or it can no longer serve. */
  take(): AppChild | null {
    const s = this.child;
    this.child = null;
    if (!s) return null;
    if (s.exited || !s.connected || this.key !== this.o.socketKey()) {
      s.kill();
      return null;
    }
    return s;
  }

  /** Kills the standby (if any). */
  discard(): void {
    this.child?.kill();
    this.child = null;
  }

  /** Discards a standby that already imported one of `files` (a rebuilt dependency): it would run stale code. */
  discardIfStale(files: string[]): void {
    if (this.child && (this.needsCold(files) || files.some((f) => this.child!.preloaded.has(f)))) this.discard();
  }

  /** Forgets a standby that exited on its own. */
  exited(child: AppChild): void {
    if (child === this.child) this.child = null;
  }

  private needsCold(files: string[]): boolean {
    const env = new Set(this.o.envFiles.map((e) => path.resolve(this.o.cwd, e)));
    return files.some((f) => env.has(f) || path.basename(f) === "package.json" || f.includes(`${path.sep}node_modules${path.sep}`));
  }
}
