/**
 * A parsed `Range: bytes=…` header as Python-style slice bounds (Tornado's `_parse_request_range`):
 * `a-b` → `[a, b + 1]`, `a-` → `[a, null]`, `-n` → `[-n, null]`, `-0` → `[null, 0]`.
 */
export type ByteRange = [start: number | null, end: number | null];

const DIGITS = /^\d+$/;

/**
 * Parses a single byte range. Returns null for anything else (another unit, several ranges, junk), which
 * means "ignore the header and send the whole file", as Tornado does. Unlike Python's `int()`, only plain
 * ASCII digits are accepted.
 */
export function parseRangeHeader(header: string): ByteRange | null {
  const eq = header.indexOf("=");
  if (eq < 0 || header.slice(0, eq).trim() !== "bytes") return null;
  const value = header.slice(eq + 1).trim();
  const dash = value.indexOf("-");
  const startText = (dash < 0 ? value : value.slice(0, dash)).trim();
  const endText = dash < 0 ? "" : value.slice(dash + 1).trim();
  if ((startText && !DIGITS.test(startText)) || (endText && !DIGITS.test(endText))) return null;
  const start = startText ? Number(startText) : null;
  const end = endText ? Number(endText) : null;
  if (start !== null && !Number.isSafeInteger(start)) return null;
  if (end !== null && !Number.isSafeInteger(end)) return null;
  if (start === null) {
    if (end === null) return [null, null];
    return end === 0 ? [null, 0] : [-end, null];
  }
  return [start, end === null ? null : end + 1];
}

/** What a range asks of a file of `size` bytes. */
export type RangeResult =
  | { kind: "full" }
  | { kind: "partial"; start: number; end: number; contentRange: string }
  | { kind: "unsatisfiable"; contentRange: string };

/**
 * Applies a parsed range to a file size (Tornado's rules): a suffix larger than the file, or a range
 * covering the whole file, is a plain 200; a start at or past the end, an end before the start, or `-0`
 * is 416. `end` in the result is exclusive.
 */
export function resolveRange(range: ByteRange, size: number): RangeResult {
  let [start, end] = range;
  if (start !== null && start < 0) start = Math.max(0, start + size);
  if ((start !== null && (start >= size || (end !== null && start >= end))) || end === 0) {
    return { kind: "unsatisfiable", contentRange: `bytes */${size}` };
  }
  if (end !== null && end > size) end = size;
  const from = start ?? 0;
  const to = end ?? size;
  if (to - from === size) return { kind: "full" };
  return { kind: "partial", start: from, end: to, contentRange: `bytes ${from}-${to - 1}/${size}` };
}
