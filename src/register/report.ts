/**
 * The channel through which a loaded process tells its launcher (`tdev`, or the in-app autoreload
 * supervisor) which files it has loaded and how it failed. It is an inherited pipe whose number is in
 * `TYPHOON_REPORT_FD`; writes are synchronous, so they work from the hooks thread, from `require()` and
 * from an exiting process alike (a MessagePort loses messages when the process exits at once).
 * Each record is one JSON line: `{"t":"file","path":...}` or `{"t":"crash",...}`.
 */
import fs from "node:fs";

const raw = process.env.TYPHOON_REPORT_FD;
let fd: number | null = raw && /^\d+$/.test(raw) ? Number(raw) : null;
const sent = new Set<string>();

/** True when a launcher is listening on the report channel. */
export function reportingEnabled(): boolean {
  return fd !== null;
}

/** Writes one record; a closed channel (launcher gone) silently disables reporting. */
export function report(record: Record<string, unknown>): void {
  if (fd === null) return;
  try {
    fs.writeSync(fd, JSON.stringify(record) + "\n");
  } catch {
    fd = null;
  }
}

/** Reports a loaded file once per process. */
export function reportFile(file: string): void {
  if (fd === null || sent.has(file)) return;
  sent.add(file);
  report({ t: "file", path: file });
}

const deps = new Set<string>();

/** Reports a package entry (URL) imported by the app's own code, once per process. */
export function reportDependency(url: string): void {
  if (fd === null || deps.has(url)) return;
  deps.add(url);
  report({ t: "dep", url });
}
