import { checkEtagHeader } from "../web/etag.js";

type HeaderValue = string | string[] | undefined;

/**
 * Tornado's `should_return_304`: a non-empty `If-None-Match` decides alone (weak comparison, `*`
 * matches); otherwise `If-Modified-Since` at or after the file's modification time (whole seconds).
 * An unparsable date never gives a 304.
 */
export function isNotModified(ifNoneMatch: HeaderValue, ifModifiedSince: HeaderValue, etag: string | undefined, mtimeSec: number): boolean {
  if (ifNoneMatch && ifNoneMatch.length) return checkEtagHeader(ifNoneMatch, etag);
  if (typeof ifModifiedSince === "string" && ifModifiedSince) {
    const since = Date.parse(ifModifiedSince);
    if (Number.isNaN(since)) return false;
    return Math.floor(since / 1000) >= mtimeSec;
  }
  return false;
}

/**
 * `If-Range` (RFC 9110 §13.1.5): the range applies only if the validator still matches, a strong Etag
 * compared exactly or the exact `Last-Modified` date; otherwise the whole file is sent.
 */
export function ifRangeAllows(ifRange: HeaderValue, etag: string | undefined, lastModified: string): boolean {
  if (typeof ifRange !== "string" || !ifRange) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith("W/")) return !!etag && !value.startsWith("W/") && value === etag;
  return value === lastModified;
}

/** Content codings the client accepts, from `Accept-Encoding` (`q=0` refuses; `*` covers the rest). */
export function acceptedEncodings(header: HeaderValue): { br: boolean; gzip: boolean } {
  const out = { br: false, gzip: false };
  if (!header) return out;
  const text = Array.isArray(header) ? header.join(",") : header;
  let star: boolean | undefined;
  const explicit: Record<string, boolean> = {};
  for (const part of text.split(",")) {
    const [name, ...params] = part.trim().toLowerCase().split(";");
    if (!name) continue;
    let q = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([\d.]+)\s*$/.exec(p);
      if (m) q = Number(m[1]);
    }
    const ok = q > 0;
    if (name === "*") star = ok;
    else explicit[name.trim()] = ok;
  }
  out.br = explicit.br ?? star ?? false;
  out.gzip = explicit.gzip ?? explicit["x-gzip"] ?? star ?? false;
  return out;
}
