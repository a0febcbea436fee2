import fs from "node:fs";
import path from "node:path";
import { HTTPError } from "../web/errors.js";
import { RequestHandler } from "../web/handler.js";
import type { ResolvedSettings } from "../web/settings.js";
import { acceptedEncodings, ifRangeAllows, isNotModified } from "./conditional.js";
import { cachedEntry, clearFileCache, loadEntry, type FileEntry } from "./file-cache.js";
import { isInside, realRoot, rejectRawPath, statPath } from "./path.js";
import { parseRangeHeader, resolveRange } from "./range.js";
import { getStaticVersion, makeStaticUrl } from "./url.js";
import { getVersionForServing, hashFileSync, resetVersions, versionForServingSync } from "./version.js";
import { Buffer } from "node:buffer";

/** Cache lifetime of versioned URLs (`?v=`): ten years, in seconds, as in Tornado. */
export const CACHE_MAX_AGE = 86400 * 365 * 10;

/** Bytes read and written per step when a file is streamed from disk. */
const STREAM_CHUNK = 64 * 1024;

/** Precompressed siblings tried in order of preference: `file.br`, then `file.gz`. */
const VARIANTS = [
  { encoding: "br", suffix: ".br" },
  { encoding: "gzip", suffix: ".gz" },
] as const;

/** Init arguments of {@link StaticFileHandler}. */
export interface StaticFileHandlerArgs {
  /** The folder files are served from. */
  path: string;
  /** File served for a directory URL ending in `/` (e.g. `"index.html"`); without it directories are 403. */
  defaultFilename?: string;
}

const resolvedRoots = new Map<string, string>();

/** Which representation of a file is sent: itself or a precompressed sibling. */
interface Selection {
  rep: FileEntry;
  encoding: string | undefined;
  /** Whether a sibling exists, so the response varies with `Accept-Encoding`. */
  vary: boolean;
}

/**
 * Serves files from a folder: mounted for you under `staticUrlPrefix`, `/robots.txt` and `/favicon.ico`
 * when `staticPath` is set, or on any route whose capture group names the file:
 * `["/(apple-touch-icon\\.png)", StaticFileHandler, { path: staticPath }]`.
 *
 * Behaves as Tornado's: Etag from the content hash, Last-Modified, 304 on `If-None-Match` /
 * `If-Modified-Since`, single byte ranges (206/416), ten-year caching for `?v=` URLs. Beyond Tornado:
 * symlinks are resolved and must stay inside the root, precompressed `file.br` / `file.gz` are sent to
 * clients that accept them, small files are answered from memory (revalidated with one `stat` per
 * request), and large ones are streamed in 64 KiB steps that wait for the client.
 */
export class StaticFileHandler extends RequestHandler {
  /** The absolute root folder. */
  root = "";
  /** See {@link StaticFileHandlerArgs.defaultFilename}. */
  defaultFilename: string | undefined;
  /** The requested path relative to the root (after `parseUrlPath`). */
  path = "";
  /** The absolute path of the file being served (after `defaultFilename` is applied). */
  absolutePath = "";
  /** What is known about the file being served. */
  protected entry: FileEntry | undefined;

  override initialize(args: Record<string, unknown>): void {
    const root = args.path;
    if (typeof root === "string" && root) {
      let resolved = resolvedRoots.get(root);
      if (resolved === undefined) resolvedRoots.set(root, (resolved = path.resolve(root)));
      this.root = resolved;
    }
    this.defaultFilename = typeof args.defaultFilename === "string" ? args.defaultFilename : undefined;
  }

  // ------------------------------------------------------------ class-level hooks (Tornado's classmethods)

  /** The URL of a static file for `staticUrl()`: `staticUrlPrefix + path [+ ?v=<hash>]`. Override for other schemes. */
  static makeStaticUrl(settings: ResolvedSettings, filePath: string, includeVersion = true): string {
    return makeStaticUrl(settings, filePath, includeVersion);
  }

  /** The content version (SHA-512 hex) of a file under `staticPath`, or null if it cannot be read. */
  static getVersion(settings: ResolvedSettings, filePath: string): string | null {
    return getStaticVersion(settings, filePath);
  }

  /** The SHA-512 hex digest of a file's content. */
  static getContentVersion(absPath: string): string {
    return hashFileSync(absPath);
  }

  /** Joins the root and the requested path lexically (an absolute `filePath` replaces the root). */
  static getAbsolutePath(root: string, filePath: string): string {
    return path.resolve(root, filePath);
  }

  /** Forgets all content hashes and cached file bytes. */
  static reset(): void {
    resetVersions();
    clearFileCache();
  }

  // ------------------------------------------------------------ instance hooks

  /** Maps the URL capture group to a path relative to the root (identity by default). */
  parseUrlPath(urlPath: string): string {
    return urlPath;
  }

  /** Seconds the client may cache the response: ten years for versioned URLs (`?v=`), else 0. */
  getCacheTime(_path: string, _modifiedSec: number, _contentType: string): number {
    return "v" in this.request.queryArguments ? CACHE_MAX_AGE : 0;
  }

  /** Adds headers of your own to every file response (called after the standard ones). */
  setExtraHeaders(_path: string): void {}

  /** The `Content-Type` of the file being served. */
  getContentType(): string {
    return this.entry?.contentType ?? "application/octet-stream";
  }

  /**
   * Checks `absolutePath` against the root and returns the file to serve, or null after redirecting a
   * directory URL to its slashed form. Lexical containment first (before the file system is touched, so
   * a traversal attempt never learns whether a file exists), then the real path with symlinks resolved.
   */
  async validateAbsolutePath(root: string, absolutePath: string): Promise<FileEntry | null> {
    if (!isInside(absolutePath, root)) throw new HTTPError(403, `${absolutePath} is not in root static directory`);
    let abs = absolutePath;
    let st = statPath(abs);
    if ("stats" in st && st.stats.isDirectory() && this.defaultFilename !== undefined) {
      const urlPath = this.request.path;
      if (!urlPath.endsWith("/")) {
        if (urlPath.startsWith("//")) throw new HTTPError(403, "cannot redirect path with two initial slashes");
        this.redirect(urlPath + "/", true);
        return null;
      }
      abs = path.join(abs, this.defaultFilename);
      st = statPath(abs);
    }
    if ("error" in st) throw new HTTPError(st.error);
    if (!st.stats.isFile()) throw new HTTPError(403, `${abs} is not a file`);
    const entry = await this.fileEntry(abs, st.stats, root);
    if (!entry) throw new HTTPError(403, `${abs} resolves outside the root static directory`);
    return entry;
  }

  /** The cached or freshly loaded entry of a regular file, or undefined if its real path leaves the root. */
  private async fileEntry(abs: string, stats: fs.Stats, root: string): Promise<FileEntry | undefined> {
    const hit = cachedEntry(abs, stats);
    const realRootDir = realRoot(root);
    if (hit) return isInside(hit.realPath, realRootDir) ? hit : undefined;
    let real: string;
    try {
      real = await fs.promises.realpath(abs);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new HTTPError(code === "EACCES" || code === "EPERM" ? 403 : 404);
    }
    if (!isInside(real, realRootDir)) return undefined;
    try {
      return await loadEntry(abs, real, stats);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new HTTPError(code === "EACCES" || code === "EPERM" || code === "EISDIR" ? 403 : 404);
    }
  }

  /** A precompressed sibling (`file.br`, `file.gz`) that exists, is a file, and stays inside the root. */
  private async variantEntry(abs: string): Promise<FileEntry | undefined> {
    const st = statPath(abs);
    if (!("stats" in st) || !st.stats.isFile()) return undefined;
    try {
      return await this.fileEntry(abs, st.stats, this.root);
    } catch {
      return undefined;
    }
  }

  // ------------------------------------------------------------ methods

  /**
   * Serves the file named by the route's capture group (HEAD: same headers, no body). A file already in
   * the cache (unchanged per `stat`) is answered without waiting on anything; the rest goes through
   * {@link validateAbsolutePath} and loads what it needs from disk.
   */
  get(urlPath: string): void | Promise<void> {
    if (!this.root) throw new Error("StaticFileHandler needs a `path` init argument: the folder to serve");
    this.path = this.parseUrlPath(urlPath);
    const refused = rejectRawPath(this.path);
    if (refused) throw new HTTPError(refused, `refused static path ${JSON.stringify(this.path.slice(0, 200))}`);
    const ctor = this.constructor as typeof StaticFileHandler;
    const absolute = ctor.getAbsolutePath(this.root, this.path);
    const fast = this.validateAbsolutePath === StaticFileHandler.prototype.validateAbsolutePath ? this.cachedFile(absolute) : undefined;
    if (fast) return this.serve(fast);
    return this.validateAbsolutePath(this.root, absolute).then((entry) => (entry ? this.serve(entry) : undefined));
  }

  /** HEAD: the headers of GET, without the body. */
  head(urlPath: string): void | Promise<void> {
    return this.get(urlPath);
  }

  /** The cache entry of a regular file inside the root, if it is cached and unchanged; else undefined. */
  private cachedFile(abs: string): FileEntry | undefined {
    if (!isInside(abs, this.root)) return undefined;
    const st = statPath(abs);
    if (!("stats" in st) || !st.stats.isFile()) return undefined;
    const hit = cachedEntry(abs, st.stats);
    return hit && isInside(hit.realPath, realRoot(this.root)) ? hit : undefined;
  }

  /** The cached precompressed sibling, null when there is none, undefined when it must be loaded. */
  private cachedVariant(abs: string): FileEntry | null | undefined {
    const st = statPath(abs);
    if (!("stats" in st) || !st.stats.isFile()) return null;
    const hit = cachedEntry(abs, st.stats);
    if (!hit) return undefined;
    return isInside(hit.realPath, realRoot(this.root)) ? hit : null;
  }

  private serve(entry: FileEntry): void | Promise<void> {
    this.entry = entry;
    this.absolutePath = entry.absPath;
    const acceptEncoding = this.request.headers["accept-encoding"];
    if (!acceptEncoding) return this.serveRepresentation(entry, { rep: entry, encoding: undefined, vary: false });
    const accepted = acceptedEncodings(acceptEncoding);
    const found: (FileEntry | null | undefined)[] = VARIANTS.map((v) => this.cachedVariant(entry.absPath + v.suffix));
    const pick = (variants: (FileEntry | null | undefined)[]): Selection => {
      const sel: Selection = { rep: entry, encoding: undefined, vary: false };
      variants.forEach((variant, i) => {
        if (!variant) return;
        sel.vary = true;
        const enc = VARIANTS[i]!.encoding;
        if (!sel.encoding && accepted[enc]) {
          sel.rep = variant;
          sel.encoding = enc;
        }
      });
      return sel;
    };
    if (!found.includes(undefined)) return this.serveRepresentation(entry, pick(found));
    return Promise.all(found.map((v, i) => (v === undefined ? this.variantEntry(entry.absPath + VARIANTS[i]!.suffix) : v))).then((loaded) =>
      this.serveRepresentation(entry, pick(loaded)),
    );
  }

  private serveRepresentation(entry: FileEntry, sel: Selection): void | Promise<void> {
    const { rep } = sel;
    const useCache = this.settings.staticHashCache;
    const version = versionForServingSync(rep.absPath, useCache, rep.key, rep.body);
    if (version !== undefined) return this.respond(entry, sel, version);
    return getVersionForServing(rep.absPath, useCache, rep.key, rep.body).then((v) => this.respond(entry, sel, v));
  }

  private respond(entry: FileEntry, { rep, encoding, vary }: Selection, version: string | null): void | Promise<void> {
    const request = this.request;
    const headers = request.headers;
    const etag = version ? `"${version}"` : undefined;
    const contentType = this.getContentType();
    this.setHeader("Accept-Ranges", "bytes");
    if (etag) this.setHeader("Etag", etag);
    this.setHeader("Last-Modified", entry.lastModified);
    this.setHeader("Content-Type", contentType);
    if (encoding) this.setHeader("Content-Encoding", encoding);
    if (vary) this.setHeader("Vary", "Accept-Encoding");
    const cacheTime = this.getCacheTime(this.path, entry.mtimeSec, contentType);
    if (cacheTime > 0) {
      this.setHeader("Expires", new Date(Date.now() + cacheTime * 1000));
      this.setHeader("Cache-Control", `public, max-age=${cacheTime}${cacheTime >= CACHE_MAX_AGE ? ", immutable" : ""}`);
    }
    this.setExtraHeaders(this.path);

    if (isNotModified(headers["if-none-match"], headers["if-modified-since"], etag, entry.mtimeSec)) {
      this.setStatus(304);
      return;
    }

    const size = rep.size;
    let start = 0;
    let end = size;
    const rangeHeader = headers.range;
    if (rangeHeader && ifRangeAllows(headers["if-range"], etag, entry.lastModified)) {
      const parsed = parseRangeHeader(rangeHeader);
      const range = parsed && resolveRange(parsed, size);
      if (range?.kind === "unsatisfiable") {
        this.setStatus(416);
        this.clearHeader("Content-Encoding");
        this.setHeader("Content-Type", "text/plain");
        this.setHeader("Content-Range", range.contentRange);
        return;
      }
      if (range?.kind === "partial") {
        this.setStatus(206);
        this.setHeader("Content-Range", range.contentRange);
        start = range.start;
        end = range.end;
      }
    }

    if (rep.body) {
      // finish() sets Content-Length from the buffered body and leaves the body out for HEAD.
      if (end > start) this.write(start === 0 && end === rep.body.length ? rep.body : rep.body.subarray(start, end));
      return;
    }
    this.setHeader("Content-Length", end - start);
    if (request.method === "HEAD" || end === start) return;
    return this.streamFile(rep.realPath, start, end);
  }

  /**
   * Sends bytes `[start, end)` of a file, one chunk at a time, waiting for the socket to drain before
   * reading more (memory stays at a chunk or two however large the file), and closing the descriptor as
   * soon as the client goes away.
   */
  private async streamFile(filePath: string, start: number, end: number): Promise<void> {
    const fh = await fs.promises.open(filePath, "r");
    try {
      let pos = start;
      while (pos < end) {
        if (this.connectionClosed || this.request.signal.aborted) return;
        const want = Math.min(STREAM_CHUNK, end - pos);
        const buf = Buffer.allocUnsafe(want);
        const { bytesRead } = await fh.read(buf, 0, want, pos);
        if (bytesRead === 0) throw new Error(`${filePath} shrank while it was being sent (${pos - start} of ${end - start} bytes sent)`);
        pos += bytesRead;
        this.write(bytesRead === want ? buf : buf.subarray(0, bytesRead));
        await this.flush();
      }
    } finally {
      await fh.close();
    }
  }
}
