import { createHash } from "node:crypto";
import fs from "node:fs";
import { genLog } from "../log/logger.js";

/**
 * Content versions for `staticUrl()` and Etags: the SHA-512 hex digest of the whole file, as Tornado
 * computes it (so `?v=` and `Etag` match a Tornado server byte for byte). Keyed by absolute path.
 *
 * With `staticHashCache` on, a file is hashed once per process and the version never changes (Tornado's
 * semantics: a file edited in production keeps its old `v` until restart). With it off, the version is
 * re-checked against `stat` (inode, size, mtime, ctime) on every use and the file re-hashed only when
 * those change, so an edited file gets a new `v` without hashing every file on every request.
 */

/** What `stat` says about a file's content, compared to notice edits. */
export interface StatKey {
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

/** The fields of `stats` that change when a file's content does. */
export function statKey(stats: fs.Stats): StatKey {
  return { ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs };
}

/** Whether `stats` still describes the file `key` was taken from. */
export function sameStat(key: StatKey | null, stats: StatKey | undefined): boolean {
  if (key === null || stats === undefined) return key === null && stats === undefined;
  return key.ino === stats.ino && key.size === stats.size && key.mtimeMs === stats.mtimeMs && key.ctimeMs === stats.ctimeMs;
}

interface VersionRecord {
  version: string | null;
  key: StatKey | null;
}

const versions = new Map<string, VersionRecord>();
const HASH_CHUNK = 1024 * 1024;

/** Forgets every computed version (Tornado's `StaticFileHandler.reset()`). */
export function resetVersions(): void {
  versions.clear();
}

/** SHA-512 hex of a buffer. */
export function hashBytes(bytes: Buffer): string {
  return createHash("sha512").update(bytes).digest("hex");
}

/** SHA-512 hex of a file, read in bounded chunks (synchronously: `staticUrl()` is synchronous). */
export function hashFileSync(absPath: string): string {
  const hash = createHash("sha512");
  const fd = fs.openSync(absPath, "r");
  try {
    const buf = Buffer.allocUnsafe(HASH_CHUNK);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, HASH_CHUNK, null);
      if (n === 0) break;
      hash.update(n === HASH_CHUNK ? buf : buf.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest("hex");
}

/** SHA-512 hex of a file, streamed without blocking the event loop. */
export async function hashFile(absPath: string): Promise<string> {
  const hash = createHash("sha512");
  for await (const chunk of fs.createReadStream(absPath, { highWaterMark: HASH_CHUNK })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

function statOrUndefined(absPath: string): fs.Stats | undefined {
  try {
    return fs.statSync(absPath, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

function lookup(absPath: string, useCache: boolean, stats: () => StatKey | undefined): VersionRecord | undefined {
  const rec = versions.get(absPath);
  if (!rec) return undefined;
  if (useCache) return rec;
  return sameStat(rec.key, stats()) ? rec : undefined;
}

function store(absPath: string, version: string | null, key: StatKey | null, error?: unknown): string | null {
  if (version === null) {
    const why = error instanceof Error ? `: ${(error as NodeJS.ErrnoException).code ?? error.message}` : "";
    genLog.warning(`Could not open static file ${JSON.stringify(absPath)}${why}; its URL carries no version`);
  }
  versions.set(absPath, { version, key });
  return version;
}

/**
 * The version of a file for `staticUrl()`, or null when it cannot be read (missing, a directory...),
 * which is logged once as a warning and gives a URL without `v`.
 */
export function getVersionSync(absPath: string, useCache: boolean): string | null {
  let stats: fs.Stats | undefined;
  let statted = false;
  const getStats = () => {
    if (!statted) {
      const st = statOrUndefined(absPath);
      stats = st && st.isFile() ? st : undefined;
      statted = true;
    }
    return stats;
  };
  const hit = lookup(absPath, useCache, getStats);
  if (hit) return hit.version;
  const st = getStats();
  if (!st) return store(absPath, null, null, new Error("no such file"));
  try {
    return store(absPath, hashFileSync(absPath), statKey(st));
  } catch (err) {
    return store(absPath, null, null, err);
  }
}

/**
 * The version of a file being served, without waiting: from the cache, or hashed from `body` when the
 * caller has the bytes. `undefined` means the file must be streamed through the hash ({@link getVersionForServing}).
 */
export function versionForServingSync(absPath: string, useCache: boolean, key: StatKey, body: Buffer | null): string | null | undefined {
  const hit = lookup(absPath, useCache, () => key);
  // A file that was missing when staticUrl() first asked is hashed once it exists and is served.
  if (hit && (hit.version !== null || hit.key !== null)) return hit.version;
  return body ? store(absPath, hashBytes(body), key) : undefined;
}

/** The version of a file being served (`key` from the handler's `stat`), hashing it from disk if needed. */
export async function getVersionForServing(absPath: string, useCache: boolean, key: StatKey, body: Buffer | null): Promise<string | null> {
  const known = versionForServingSync(absPath, useCache, key, body);
  if (known !== undefined) return known;
  try {
    return store(absPath, await hashFile(absPath), key);
  } catch (err) {
    return store(absPath, null, null, err);
  }
}
