import { Buffer } from "node:buffer";
import { createHash, hash } from "node:crypto";

/** A body chunk as the response will send it. */
export type BodyChunk = string | Buffer;

/** A body or chunk as bytes (for output transforms, which rewrite bytes). */
export function bodyBytes(body: BodyChunk): Buffer {
  return typeof body === "string" ? Buffer.from(body, "utf8") : body;
}

/**
 * What a handler has written and not yet sent. Strings stay strings until the response is sent: a
 * body that is one string goes out in the same socket write as the headers (Node joins them), and is
 * hashed and measured without a copy.
 */
export class ResponseBody {
  // The first chunk on its own: most responses are one write(), which then costs no array.
  private first: BodyChunk | undefined;
  private rest: BodyChunk[] | undefined;

  /**
   * Adds a chunk: a string as UTF-8, bytes as they are, a plain object or array as JSON. Returns true
   * for JSON, so the caller can set the content type.
   */
  add(chunk: string | Uint8Array | object): boolean {
    if (typeof chunk === "string") {
      this.push(chunk);
      return false;
    }
    if (chunk instanceof Uint8Array) {
      this.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      return false;
    }
    if (chunk !== null && typeof chunk === "object") {
      this.push(JSON.stringify(chunk));
      return true;
    }
    throw new TypeError(`write() takes a string, Buffer or object, not ${chunk === null ? "null" : typeof chunk}`);
  }

  /** Whether nothing is waiting to be sent. */
  get isEmpty(): boolean {
    return this.first === undefined;
  }

  /** Drops what was written. */
  clear(): void {
    this.first = undefined;
    this.rest = undefined;
  }

  /** Takes what was written as one body (a string if every chunk was one) and empties the buffer. */
  take(): BodyChunk {
    const first = this.first ?? "";
    const rest = this.rest;
    this.clear();
    if (rest === undefined) return first;
    const chunks = [first, ...rest];
    if (chunks.every((c) => typeof c === "string")) return chunks.join("");
    return Buffer.concat(chunks.map(bodyBytes));
  }

  /** Tornado's default Etag: the quoted SHA-1 hex digest of the bytes written so far. */
  sha1Etag(): string {
    const first = this.first ?? "";
    if (this.rest === undefined) return typeof first === "string" ? stringEtag(first) : `"${hash("sha1", first, "hex")}"`;
    const h = createHash("sha1");
    h.update(first);
    for (const chunk of this.rest) h.update(chunk);
    return `"${h.digest("hex")}"`;
  }

  private push(chunk: BodyChunk): void {
    if (this.first === undefined) this.first = chunk;
    else (this.rest ??= []).push(chunk);
  }
}

// The Etags of recent short string bodies. A body that repeats (a health check, a fixed JSON answer)
// then costs a Map lookup instead of a SHA-1 through node:crypto: half a microsecond, about 3% of a
// small response's whole cost on a 2-core VM. Bounded in entries and key length; emptied when full.
const ETAG_CACHE_ENTRIES = 256;
const ETAG_CACHE_KEY_LENGTH = 512;
const etagCache = new Map<string, string>();

/** The quoted SHA-1 of a string's UTF-8 bytes (the bytes that are sent), cached for short strings. */
function stringEtag(body: string): string {
  if (body.length > ETAG_CACHE_KEY_LENGTH) return `"${hash("sha1", body, "hex")}"`;
  let etag = etagCache.get(body);
  if (etag === undefined) {
    etag = `"${hash("sha1", body, "hex")}"`;
    if (etagCache.size >= ETAG_CACHE_ENTRIES) etagCache.clear();
    etagCache.set(body, etag);
  }
  return etag;
}
