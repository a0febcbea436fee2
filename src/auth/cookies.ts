import { parseCookie, stringifySetCookie } from "cookie";
import type { HTTPServerRequest } from "../http/request.js";

/** Options of `setCookie` (Tornado's `set_cookie` keyword arguments, camelCased). */
export interface CookieOptions {
  /** `Domain` attribute. */
  domain?: string;
  /** `Path` attribute. Default `"/"`. */
  path?: string;
  /** Absolute expiry: a Date or a millisecond timestamp. Wins over `expiresDays`. */
  expires?: Date | number;
  /** Expiry in days from now (may be fractional or negative). */
  expiresDays?: number;
  /** `Max-Age` attribute, in seconds. */
  maxAge?: number;
  /** `HttpOnly` attribute. */
  httpOnly?: boolean;
  /** `Secure` attribute. */
  secure?: boolean;
  /** `SameSite` attribute. */
  sameSite?: "strict" | "lax" | "none" | boolean;
  /** `Partitioned` attribute (CHIPS). */
  partitioned?: boolean;
  /** `Priority` attribute. */
  priority?: "low" | "medium" | "high";
}

/** A cookie name or value that cannot be sent as given (it would be encoded, altered or injected). */
export class CookieError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CookieError";
  }
}

// RFC 6265 token for names; cookie-octets for values (no CTLs, space, '"' allowed as Tornado's quoting
// produces it, no ';' which would start an attribute, no non-ASCII).
const COOKIE_NAME = /^[\x21\x23-\x27\x2a\x2b\x2d\x2e\x30-\x39\x41-\x5a\x5e-\x7a\x7c\x7e]+$/;
const COOKIE_VALUE = /^[\x21-\x3a\x3c-\x7e]*$/;
const CONTROL = /[\x00-\x20\x7f]/;

const identity = (s: string): string => s;

/**
 * Checks a cookie name and value and throws a {@link CookieError} unless both can go on the wire
 * exactly as given.
 */
export function assertCookiePair(name: string, value: string): void {
  if (CONTROL.test(name) || CONTROL.test(value)) {
    throw new CookieError(`Invalid cookie ${JSON.stringify(name)}: name or value holds a control character or space (${JSON.stringify(value.slice(0, 200))})`);
  }
  if (!COOKIE_NAME.test(name)) throw new CookieError(`Invalid cookie name ${JSON.stringify(name)}: only RFC 6265 token characters are allowed`);
  if (!COOKIE_VALUE.test(value)) {
    throw new CookieError(`Invalid cookie value for ${JSON.stringify(name)}: ';', '\\x7f' and non-ASCII characters are not allowed (${JSON.stringify(value.slice(0, 200))})`);
  }
}

/** Builds one `Set-Cookie` header value; the value is written as given, never percent-encoded. */
export function serializeCookie(name: string, value: string, options: CookieOptions = {}): string {
  assertCookiePair(name, value);
  let expires: Date | undefined;
  if (options.expires !== undefined) expires = options.expires instanceof Date ? options.expires : new Date(options.expires);
  else if (options.expiresDays !== undefined) expires = new Date(Date.now() + options.expiresDays * 86_400_000);
  if (expires && !Number.isFinite(expires.getTime())) throw new CookieError(`Invalid expiry for cookie ${JSON.stringify(name)}`);
  try {
    return stringifySetCookie(name, value, {
      encode: identity,
      domain: options.domain || undefined,
      path: options.path === undefined ? "/" : options.path || undefined,
      expires,
      maxAge: options.maxAge,
      httpOnly: options.httpOnly,
      secure: options.secure,
      sameSite: options.sameSite,
      partitioned: options.partitioned,
      priority: options.priority,
    });
  } catch (err) {
    throw new CookieError(`Invalid attribute for cookie ${JSON.stringify(name)}: ${(err as Error).message}`);
  }
}

/**
 * Removes the double quotes around a cookie value and undoes the backslash escapes inside them, as
 * Tornado's `parse_cookie` (and Python's `SimpleCookie`) do: Tornado quotes values holding `=` and the
 * browser sends them back quoted.
 */
export function unquoteCookieValue(value: string): string {
  if (value.length < 2 || value[0] !== '"' || value[value.length - 1] !== '"') return value;
  const inner = value.slice(1, -1);
  if (!inner.includes("\\")) return inner;
  return inner.replace(/\\(?:([0-3][0-7][0-7])|([\s\S]))/g, (_m, octal: string | undefined, ch: string | undefined) =>
    octal !== undefined ? String.fromCharCode(parseInt(octal, 8)) : ch!);
}

/** Parses a `Cookie` header into a name → value map (first occurrence wins; values unquoted, not decoded). */
export function parseCookieHeader(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (!header) return out;
  const parsed = parseCookie(header, { decode: identity });
  for (const name in parsed) {
    const v = parsed[name];
    if (v !== undefined) out[name] = unquoteCookieValue(v);
  }
  return out;
}

const cache = new WeakMap<HTTPServerRequest, Record<string, string>>();

/** The cookies of a request, parsed once. */
export function requestCookies(request: HTTPServerRequest): Record<string, string> {
  let cookies = cache.get(request);
  if (!cookies) {
    const raw = request.headers.cookie;
    cookies = parseCookieHeader(Array.isArray(raw) ? raw.join("; ") : raw);
    cache.set(request, cookies);
  }
  return cookies;
}
