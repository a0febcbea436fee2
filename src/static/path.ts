import fs from "node:fs";
import path from "node:path";

/** Whether `absPath` is `root` or lies below it (both absolute, normalised). */
export function isInside(absPath: string, root: string): boolean {
  if (absPath === root) return true;
  const withSep = root.endsWith(path.sep) ? root : root + path.sep;
  return absPath.startsWith(withSep);
}

/**
 * Why a decoded URL path can never name a file under the root, before the file system is asked: a NUL
 * byte (404, as in Tornado, where `exists()` is false) or a backslash (403: on Windows it is a separator,
 * and elsewhere no legitimate static URL carries one).
 */
export function rejectRawPath(urlPath: string): 403 | 404 | null {
  if (urlPath.includes("\0")) return 404;
  if (urlPath.includes("\\")) return 403;
  return null;
}

const realRoots = new Map<string, string>();

/** The root with symlinks resolved (cached once it exists), for the second containment check. */
export function realRoot(root: string): string {
  const hit = realRoots.get(root);
  if (hit !== undefined) return hit;
  try {
    const real = fs.realpathSync.native(root);
    realRoots.set(root, real);
    return real;
  } catch {
    return root;
  }
}

/** The outcome of `stat` on a candidate path. */
export type StatResult = { stats: fs.Stats } | { error: 403 | 404 };

/** `stat` (following symlinks) mapped to HTTP: missing, not a directory, too long, a loop → 404; no permission → 403. */
export function statPath(absPath: string): StatResult {
  try {
    const stats = fs.statSync(absPath, { throwIfNoEntry: false });
    return stats ? { stats } : { error: 404 };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { error: code === "EACCES" || code === "EPERM" ? 403 : 404 };
  }
}
