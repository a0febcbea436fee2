import fs from "node:fs";
import path from "node:path";
import { contentTypeFor } from "./content-type.js";
import { sameStat, statKey, type StatKey } from "./version.js";
import { Buffer } from "node:buffer";

/**
 * What the handler needs to answer for one file, kept between requests: its real path (for the symlink
 * check), Last-Modified, Content-Type and, for small files, the bytes themselves. Every request
 * re-`stat`s the path and the entry is used only while inode, size, mtime and ctime are unchanged, so an
 * edited, replaced or re-linked file is never served stale; nothing but `stat` touches the disk on a hit.
 */
export interface FileEntry {
  absPath: string;
  /** The path with every symlink resolved. */
  realPath: string;
  key: StatKey;
  size: number;
  /** Modification time in whole seconds (HTTP dates have no more). */
  mtimeSec: number;
  /** `Last-Modified` value. */
  lastModified: string;
  contentType: string;
  /** The file's bytes when it is small enough to keep, else null (streamed from disk). */
  body: Buffer | null;
}

/** Files up to this size keep their bytes in memory. */
export const MAX_CACHED_FILE = 256 * 1024;
/** Total bytes of file content kept; the oldest entries go first beyond it. */
export const MAX_CACHED_BYTES = 64 * 1024 * 1024;
/** Most entries kept (each is small without its bytes); the oldest go first beyond it. */
export const MAX_ENTRIES = 20_000;

const entries = new Map<string, FileEntry>();
let cachedBytes = 0;

function drop(absPath: string): void {
  const old = entries.get(absPath);
  if (!old) return;
  entries.delete(absPath);
  cachedBytes -= old.body?.length ?? 0;
}

/** Empties the file cache (tests, `StaticFileHandler.reset()`). */
export function clearFileCache(): void {
  entries.clear();
  cachedBytes = 0;
}

/** The cached entry for `absPath` if `stats` (just taken) shows the file unchanged. */
export function cachedEntry(absPath: string, stats: fs.Stats): FileEntry | undefined {
  const entry = entries.get(absPath);
  if (entry && sameStat(entry.key, stats)) return entry;
  return undefined;
}

/**
 * Builds (and caches) the entry for a regular file whose `realPath` the caller has already checked
 * against the root (so no byte outside the root is ever read). The bytes are read through one open descriptor
 * and the entry is kept only if the descriptor's `stat` still matches the path's, so a file replaced
 * while it was being read is not cached under the old identity.
 */
export async function loadEntry(absPath: string, realPath: string, stats: fs.Stats): Promise<FileEntry> {
  drop(absPath);
  const mtimeSec = Math.floor(stats.mtimeMs / 1000);
  const entry: FileEntry = {
    absPath,
    realPath,
    key: statKey(stats),
    size: stats.size,
    mtimeSec,
    lastModified: new Date(mtimeSec * 1000).toUTCString(),
    contentType: contentTypeFor(path.basename(absPath)),
    body: null,
  };
  if (stats.size <= MAX_CACHED_FILE) {
    const fh = await fs.promises.open(realPath, "r");
    try {
      const current = await fh.stat();
      const body = Buffer.allocUnsafe(current.size);
      let off = 0;
      while (off < body.length) {
        const { bytesRead } = await fh.read(body, off, body.length - off, off);
        if (bytesRead === 0) break;
        off += bytesRead;
      }
      if (!sameStat(entry.key, current) || off !== body.length) return entry; // changed under us: serve from disk
      entry.body = body;
    } finally {
      await fh.close();
    }
  }
  entries.set(absPath, entry);
  cachedBytes += entry.body?.length ?? 0;
  for (const [key, old] of entries) {
    if (cachedBytes <= MAX_CACHED_BYTES && entries.size <= MAX_ENTRIES) break;
    if (old !== entry) drop(key);
  }
  return entry;
}
