/**
 * A response header: its lower-cased name, its name as given, and its value (several for a repeated
 * header such as `Set-Cookie`). Entries are never mutated, so the defaults are shared by every response.
 */
type HeaderEntry = readonly [lower: string, name: string, value: string | readonly string[]];

const UNSAFE_HEADER_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;
const DEFAULTS: readonly HeaderEntry[] = [
  ["server", "Server", "TyphoonServer/0.1"],
  ["content-type", "Content-Type", "text/html; charset=UTF-8"],
];
/** Headers a 204, 304 or 1xx response must not carry. */
const BODY_HEADERS = ["content-type", "content-length", "content-language", "content-encoding", "transfer-encoding"];

/** A header value as handlers give it: dates become HTTP dates; CR, LF and NUL are refused. */
export function headerValue(value: string | number | Date): string {
  const s = value instanceof Date ? value.toUTCString() : String(value);
  if (UNSAFE_HEADER_VALUE.test(s)) throw new Error(`Unsafe header value ${JSON.stringify(s)}`);
  return s;
}

/**
 * The headers of one response, in sending order. A short list searched linearly (a response has a
 * handful of headers): a Map per request, with its entry arrays, cost about a tenth of a hello world's
 * framework time, and a keyed object goes to dictionary mode and is slower still. The list starts as
 * the shared defaults and is copied on the first change, to its exact new size when that change adds
 * a header (the usual one: the Etag), so that no array grows.
 */
export class ResponseHeaders {
  private entries: readonly HeaderEntry[] = DEFAULTS;

  /** Back to the defaults (`Server`, `Content-Type: text/html; charset=UTF-8`). */
  reset(): void {
    this.entries = DEFAULTS;
  }

  /** Sets a header, replacing its value where it stands (as a Map would), or appending it. */
  set(name: string, value: string | number | Date): void {
    this.put([name.toLowerCase(), name, headerValue(value)]);
  }

  /** Sets a header the framework itself computed (a safe value, a lower-case name given). */
  setTrusted(lower: string, name: string, value: string): void {
    this.put([lower, name, value]);
  }

  /** Adds a value to a header that may repeat (e.g. `Set-Cookie`). */
  add(name: string, value: string | number | Date): void {
    const lower = name.toLowerCase();
    const i = this.indexOf(lower);
    if (i < 0) return this.set(name, value);
    const [, given, old] = this.entries[i]!;
    this.writable()[i] = [lower, given, [...(typeof old === "string" ? [old] : old), headerValue(value)]];
  }

  /** Removes a header. */
  delete(name: string): void {
    const i = this.indexOf(name.toLowerCase());
    if (i >= 0) this.entries = this.entries.filter((_, j) => j !== i);
  }

  /** A header's value (repeated values joined with ", "), or undefined. */
  get(name: string): string | undefined {
    const i = this.indexOf(name.toLowerCase());
    if (i < 0) return undefined;
    const value = this.entries[i]![2];
    return typeof value === "string" ? value : value.join(", ");
  }

  /** Whether a header is set (by its lower-cased name). */
  has(lower: string): boolean {
    return this.indexOf(lower) >= 0;
  }

  /** Drops the headers that describe a body, for a response that has none (204, 304, 1xx). */
  dropBodyHeaders(): void {
    this.entries = this.entries.filter((entry) => !BODY_HEADERS.includes(entry[0]));
  }

  /**
   * A flat `[name, value, ...]` list for `writeHead`, with `Content-Length` when it is given and the
   * handler set neither it nor `Transfer-Encoding`. Node reads a flat list as it would an object,
   * without the object's per-response shape (a megamorphic store per header, then a megamorphic load
   * in Node).
   */
  toFlatList(contentLength: number | undefined): (string | number | readonly string[])[] {
    const entries = this.entries;
    const n = entries.length;
    const list = new Array<string | number | readonly string[]>(2 * n + (contentLength === undefined ? 0 : 2));
    let framed = false;
    for (let i = 0; i < n; i++) {
      const entry = entries[i]!;
      const lower = entry[0];
      if (lower === "content-length" || lower === "transfer-encoding") framed = true;
      list[2 * i] = entry[1];
      list[2 * i + 1] = entry[2];
    }
    if (contentLength === undefined) return list;
    if (framed) {
      list.length = 2 * n;
      return list;
    }
    list[2 * n] = "Content-Length";
    list[2 * n + 1] = contentLength;
    return list;
  }

  private indexOf(lower: string): number {
    const entries = this.entries;
    for (let i = 0; i < entries.length; i++) if (entries[i]![0] === lower) return i;
    return -1;
  }

  private put(entry: HeaderEntry): void {
    const i = this.indexOf(entry[0]);
    if (i >= 0) {
      this.writable()[i] = entry;
    } else if (this.entries === DEFAULTS) {
      this.entries = [...DEFAULTS, entry];
    } else {
      (this.entries as HeaderEntry[]).push(entry);
    }
  }

  /** The list, copied first if it is still the shared defaults. */
  private writable(): HeaderEntry[] {
    if (this.entries === DEFAULTS) this.entries = DEFAULTS.slice();
    return this.entries as HeaderEntry[];
  }
}
