/**
 * Decides which file changes deserve a restart. Watchers report more than new content (chokidar stats
 * each raw event, so one save can arrive twice), and an app that writes one of its own loaded files
 * would restart itself forever: both are dropped here, the second with a warning saying what to do.
 */
import fs from "node:fs";
import path from "node:path";
import type { Output } from "./output.js";
import { statKey } from "./watcher.js";

/** Changes this soon after a start count towards a restart loop. */
const LOOP_WINDOW = 300;
/** How many starts in a row a file may change right after before its restarts are paused. */
const LOOP_COUNT = 3;

/** A path as the user would type it: relative to the cwd when inside it. */
export function displayPath(cwd: string, file: string): string {
  const r = path.relative(cwd, file);
  return r && !r.startsWith("..") ? r : file;
}

/** The line tdev prints for a restart caused by `files`. */
export function changeLine(cwd: string, files: string[]): string {
  const shown = files.slice(0, 3).map((f) => displayPath(cwd, f)).join(", ");
  return `changed: ${shown}${files.length > 3 ? ` and ${files.length - 3} more` : ""}`;
}

/** A file's mtime (epoch ms), or NaN when it is gone. */
function mtimeOf(file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return NaN;
  }
}

/** Remembers what each file looked like and which files restart in a loop. */
export class ChangeFilter {
  private readonly seen = new Map<string, string>();
  private readonly paused = new Set<string>();
  private readonly loopCounts = new Map<string, number>();
  private lastReadyAt = 0;
  private lastStartAt = Infinity;

  constructor(private readonly cwd: string, private readonly out: Output) {}

  /**
   * Records a file's current content the first time the app loads it, so its next event is judged.
   * Returns true when it changed after `since` (epoch ms the loading process started): the app may have
   * read the older content, and no watcher saw the write, so the caller reports it as a change.
   */
  loaded(file: string, since: number): boolean {
    if (this.seen.has(file)) return false;
    const key = statKey(file);
    if (mtimeOf(file) >= since) return true; // left unrecorded, so the reported change is not a duplicate
    this.seen.set(file, key);
    return false;
  }

  /** The app process started at `startedAt` (epoch ms) is up: files it writes now are loop suspects. */
  markReady(startedAt: number): void {
    this.lastStartAt = startedAt;
    this.lastReadyAt = Date.now();
  }

  /** Resumes restarts for paused files (the user asked for a restart by hand). */
  resume(): void {
    this.paused.clear();
  }

  /** The files among `files` that should restart the app (none: do not restart). */
  due(files: string[], restarting: boolean): string[] {
    // A late duplicate event (chokidar stats each raw event) for content a restart already picked up.
    files = files.filter((f) => {
      const key = statKey(f);
      if (key !== "dir" && this.seen.get(f) === key) return false;
      this.seen.set(f, key);
      return true;
    });
    const live = files.filter((f) => !this.paused.has(f));
    if (!live.length) return [];
    // Restart-loop detection: the same file changing right after each start means the app writes it.
    // Judged by when the file was written (from the app's start to just after it was up), not by when
    // its event arrived: events lag under load. A deleted file counts as written now.
    const times = live.map(mtimeOf).filter((t) => !Number.isNaN(t));
    const written = times.length ? Math.max(...times) : Date.now();
    const suspect = written >= this.lastStartAt && written - this.lastReadyAt < LOOP_WINDOW;
    if (!restarting && !suspect) {
      this.loopCounts.clear();
      return live;
    }
    for (const f of live) this.loopCounts.set(f, (this.loopCounts.get(f) ?? 0) + 1);
    const looping = live.filter((f) => (this.loopCounts.get(f) ?? 0) >= LOOP_COUNT);
    for (const f of looping) {
      this.paused.add(f);
      this.loopCounts.delete(f);
      const rel = displayPath(this.cwd, f);
      this.out.warn(
        `restart loop: ${rel} changed right after each of the last ${LOOP_COUNT} starts — the app seems to write it.\n` +
          `       Paused restarts for it. Add --ignore ${JSON.stringify(rel)} (or keep that file out of the loaded modules); rs + Enter restarts.`,
      );
    }
    return live.filter((f) => !looping.includes(f));
  }
}
