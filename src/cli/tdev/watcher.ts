/**
 * Watches exactly the files it is given (the app's module graph, `--watch` paths, env files), with
 * chokidar's event-based watchers. Paths on file systems where change events do not arrive (9p as in
 * WSL2's /mnt drives, NFS, SMB, FUSE mounts such as sshfs or Docker Desktop's bind mounts, VirtualBox
 * shares) are polled instead, detected per directory with statfs; `--poll` polls everything. Events
 * are debounced: a burst (an editor's atomic save, a git checkout) becomes one `change` with all files.
 *
 * chokidar can stay silent about a real change in two windows, so each is closed by comparing stats:
 * it drops every `change` of a path for 50 ms after one it reported (no trailing event: a file written
 * twice in quick succession, e.g. by an app that rewrites a module it loaded and restarts from the warm
 * standby in 20 ms, reports only the first write), and a file written between `add()` and the moment
 * its watch is in place reports nothing at all.
 */
import { EventEmitter } from "node:events";
import fs from "node:fs";
import path from "node:path";
import { watch, type FSWatcher } from "chokidar";

/** statfs magic numbers of file systems whose changes inotify does not see. */
const NO_EVENTS_FS = new Map<number, string>([
  [0x01021997, "9p"],
  [0x6969, "nfs"],
  [0xff534d42, "cifs"],
  [0xfe534d42, "smb2"],
  [0x517b, "smb"],
  [0x65735546, "fuse"],
  [0x786f4256, "vboxsf"],
  [0x53464846, "wslfs"],
  [0x00c36400, "ceph"],
  [0x5346414f, "afs"],
]);

/** The name of a file system (by its statfs magic number) that gives no change events, or null. */
export function noEventsFileSystem(type: number | bigint): string | null {
  return NO_EVENTS_FS.get(Number(type) >>> 0) ?? null;
}

/** Longer than chokidar's 50 ms per-path `change` throttle, so a re-check sees what it swallowed. */
const RECHECK_AFTER = 80;
/** How long a newly added file's watch may take to be in place before it is checked anyway. */
const SETUP_LIMIT = 5000;

/** mtime/size/inode of a file ("dir", "missing"): a different key means different content. */
export function statKey(file: string): string {
  try {
    const st = fs.statSync(file);
    return st.isDirectory() ? "dir" : `${st.mtimeMs}:${st.size}:${st.ino}`;
  } catch {
    return "missing";
  }
}

/** A file whose stat is compared again later: `key` as last reported (or as added). */
interface Recheck {
  key: string;
  at: number;
  /** Added, not reported: wait until chokidar's watch for it is in place (bounded by `until`). */
  until?: number;
}

/** Options of {@link Watcher}. */
export interface WatcherOptions {
  /** Poll everything. */
  poll: boolean;
  /** Poll interval, ms. */
  interval: number;
  /** Quiet time that ends a burst, ms. */
  debounce: number;
  /** Paths never reported. */
  ignored: (file: string) => boolean;
  /** Called when a root is polled because its file system gives no events. */
  onPollFallback?: (dir: string, fsName: string) => void;
}

/** Emits `change` (files: string[]) after each debounced burst, and `error`. */
export class Watcher extends EventEmitter {
  private events: FSWatcher | undefined;
  private poller: FSWatcher | undefined;
  private readonly watched = new Set<string>();
  private readonly dirs: { dir: string; recursive: boolean }[] = [];
  private readonly fsOfDir = new Map<string, string | null>();
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private firstAt = 0;
  private closed = false;
  private readonly missing = new Set<string>();
  private missingTimer: NodeJS.Timeout | undefined;
  private readonly rechecks = new Map<string, Recheck>();
  private recheckTimer: NodeJS.Timeout | undefined;
  private recheckAt = Infinity;

  constructor(private readonly opts: WatcherOptions) {
    super();
  }

  /** Number of files and directories watched. */
  get size(): number {
    return this.watched.size;
  }

  /** True if `file` is watched (directly or inside a watched directory). */
  covers(file: string): boolean {
    if (this.watched.has(file)) return true;
    return this.dirs.some((d) => file.startsWith(d.dir + path.sep) && (d.recursive || path.dirname(file) === d.dir));
  }

  private noEventsFs(dir: string): string | null {
    if (this.fsOfDir.has(dir)) return this.fsOfDir.get(dir)!;
    let name: string | null = null;
    try {
      name = noEventsFileSystem(fs.statfsSync(dir).type);
    } catch {
      name = null;
    }
    if (!name && process.platform === "linux" && /^\/mnt\/[a-z]\//.test(dir + "/") && isWsl()) name = "drvfs";
    this.fsOfDir.set(dir, name);
    return name;
  }

  private watcherFor(p: string): FSWatcher {
    if (this.opts.poll) return (this.poller ??= this.create(true));
    let dir = p;
    try {
      if (!fs.statSync(p).isDirectory()) dir = path.dirname(p);
    } catch {
      dir = path.dirname(p);
    }
    const fsName = this.noEventsFs(dir);
    if (fsName) {
      if (!this.poller) this.opts.onPollFallback?.(dir, fsName);
      return (this.poller ??= this.create(true));
    }
    return (this.events ??= this.create(false));
  }

  private create(usePolling: boolean): FSWatcher {
    const w = watch([], {
      ignoreInitial: true,
      persistent: true,
      usePolling,
      interval: this.opts.interval,
      binaryInterval: this.opts.interval,
      atomic: true,
      ignored: (p: string) => this.opts.ignored(p) || /[\\/]node_modules[\\/]/.test(p) && !this.isExplicit(p),
    });
    const on = (kind: string) => (p: string) => this.onEvent(kind, path.resolve(p));
    w.on("add", on("add"));
    w.on("change", on("change"));
    w.on("unlink", on("unlink"));
    w.on("unlinkDir", on("unlinkDir"));
    w.on("error", (err: unknown) => this.emit("error", err));
    return w;
  }

  private isExplicit(p: string): boolean {
    return this.watched.has(p) || this.dirs.some((d) => p === d.dir || p.startsWith(d.dir + path.sep));
  }

  /** Watches a file (or, with `recursive`, a directory tree). Returns false when ignored or already watched. */
  add(p: string, recursive = false): boolean {
    if (this.closed) return false;
    const abs = path.resolve(p);
    if (this.watched.has(abs) || this.opts.ignored(abs)) return false;
    this.watched.add(abs);
    let isDir = false;
    try {
      isDir = fs.statSync(abs).isDirectory();
    } catch {
      /* watched for its creation */
    }
    if (isDir) this.dirs.push({ dir: abs, recursive });
    const key = isDir ? "dir" : statKey(abs);
    this.watcherFor(abs).add(abs);
    if (key !== "dir" && key !== "missing") this.recheck(abs, { key, at: Date.now() + RECHECK_AFTER, until: Date.now() + SETUP_LIMIT });
    return true;
  }

  /** Reports `file` as changed (debounced like an event), e.g. when it changed before it was watched. */
  report(file: string): void {
    this.onEvent("change", path.resolve(file));
  }

  private recheck(file: string, r: Recheck): void {
    this.rechecks.set(file, r);
    this.armRecheck(r.at);
  }

  private armRecheck(at: number): void {
    if (at >= this.recheckAt) return;
    clearTimeout(this.recheckTimer);
    this.recheckAt = at;
    this.recheckTimer = setTimeout(() => this.runRechecks(), Math.max(0, at - Date.now()));
    this.recheckTimer.unref();
  }

  /** True once chokidar watches `file` itself (its watch is in place: later writes raise events). */
  private inPlace(file: string, lists: Map<FSWatcher, Record<string, string[]>>): boolean {
    const dir = path.dirname(file);
    const base = path.basename(file);
    for (const w of [this.events, this.poller]) {
      if (!w) continue;
      if (!lists.has(w)) lists.set(w, w.getWatched());
      if (lists.get(w)![dir]?.includes(base)) return true;
    }
    return false;
  }

  private runRechecks(): void {
    this.recheckTimer = undefined;
    this.recheckAt = Infinity;
    if (this.closed) return;
    const now = Date.now();
    const lists = new Map<FSWatcher, Record<string, string[]>>();
    for (const [file, r] of [...this.rechecks]) {
      if (r.at > now) continue;
      this.rechecks.delete(file);
      if (r.until !== undefined && r.until > now && !this.inPlace(file, lists)) {
        this.rechecks.set(file, { ...r, at: now + RECHECK_AFTER });
        continue;
      }
      if (statKey(file) !== r.key) this.onEvent("change", file);
    }
    let next = Infinity;
    for (const r of this.rechecks.values()) next = Math.min(next, r.at);
    if (next < Infinity) this.armRecheck(next);
  }

  private onEvent(kind: string, file: string): void {
    if (this.closed || this.opts.ignored(file)) return;
    if (!this.covers(file)) return;
    if (kind === "unlink" && this.watched.has(file)) this.markMissing(file);
    if (kind === "unlinkDir") for (const f of this.watched) if (f.startsWith(file + path.sep)) this.markMissing(f);
    // chokidar stays silent for 50 ms after this event: look again once that window is over.
    if (kind === "add" || kind === "change") this.recheck(file, { key: statKey(file), at: Date.now() + RECHECK_AFTER });
    this.pending.add(file);
    const now = Date.now();
    if (!this.timer) this.firstAt = now;
    clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(this.opts.debounce, this.firstAt + 10 * this.opts.debounce + 200 - now));
    this.timer = setTimeout(() => this.flush(), wait);
  }

  /**
   * chokidar drops a deleted file (and everything under a deleted directory). Until it comes back, a
   * cheap stat every 250 ms notices its re-creation (only while something is missing: idle costs nothing).
   */
  private markMissing(file: string): void {
    this.missing.add(file);
    this.missingTimer ??= setInterval(() => {
      for (const f of [...this.missing]) {
        if (!fs.existsSync(f)) continue;
        this.missing.delete(f);
        const w = this.watcherFor(f);
        w.unwatch(f);
        w.add(f);
        this.onEvent("add", f);
      }
      if (!this.missing.size) {
        clearInterval(this.missingTimer);
        this.missingTimer = undefined;
      }
    }, 250);
    this.missingTimer.unref();
  }

  private flush(): void {
    this.timer = undefined;
    const files = [...this.pending];
    this.pending.clear();
    if (files.length) this.emit("change", files);
  }

  /** Stops every watcher. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    clearInterval(this.missingTimer);
    clearTimeout(this.recheckTimer);
    await Promise.all([this.events?.close(), this.poller?.close()]);
  }
}

let wsl: boolean | undefined;
function isWsl(): boolean {
  if (wsl === undefined) {
    try {
      wsl = /microsoft/i.test(fs.readFileSync("/proc/version", "utf8"));
    } catch {
      wsl = false;
    }
  }
  return wsl;
}
