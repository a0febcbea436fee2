import { randomBytes, timingSafeEqual } from "node:crypto";
import type { Application } from "../web/application.js";
import type { RequestHandler } from "../web/handler.js";
import { HTTPError } from "../web/errors.js";
import { xhtmlEscape } from "../util/escape.js";
import { getCookie, setCookie } from "./secure-cookies.js";
import type { CookieOptions } from "./cookies.js";
import { Buffer } from "node:buffer";

/** The raw XSRF token of a request: where it came from (cookie version, or null if new), its bytes, its time. */
interface RawToken {
  version: 1 | 2 | null;
  token: Buffer;
  timestamp: number;
}

/** Methods that change state and therefore need a valid token (Tornado: everything but GET/HEAD/OPTIONS). */
const CHECKED_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const HEX = /^(?:[0-9a-fA-F]{2})+$/;
const MAX_TOKEN_LENGTH = 512;

const rawTokens = new WeakMap<RequestHandler, RawToken>();
const maskedTokens = new WeakMap<RequestHandler, string>();

/** XORs `data` with the repeating 4-byte `mask` (the WebSocket masking Tornado uses for BREACH). */
function applyMask(mask: Buffer, data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! ^ mask[i % 4]!;
  return out;
}

/**
 * Decodes an XSRF token or cookie in Tornado's version 2 form (`2|<mask hex>|<masked token hex>|<time>`)
 * or version 1 form (the token in hex), or returns null if it is neither.
 */
export function decodeXsrfToken(value: string): RawToken | null {
  if (!value || value.length > MAX_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(value)) return null;
  const m = /^([1-9][0-9]*)\|/.exec(value);
  if (m) {
    if (m[1] !== "2") return null;
    const parts = value.split("|");
    if (parts.length !== 4) return null;
    const [, maskHex, maskedHex, ts] = parts as [string, string, string, string];
    if (maskHex.length !== 8 || !HEX.test(maskHex) || !HEX.test(maskedHex) || !/^[0-9]{1,15}$/.test(ts)) return null;
    return { version: 2, token: applyMask(Buffer.from(maskHex, "hex"), Buffer.from(maskedHex, "hex")), timestamp: Number(ts) };
  }
  // Version 1: the token in hex (Tornado falls back to the raw bytes of a non-hex value).
  const token = HEX.test(value) ? Buffer.from(value, "hex") : Buffer.from(value, "latin1");
  return { version: 1, token, timestamp: Math.floor(Date.now() / 1000) };
}

/** The request's raw token: from its `_xsrf` cookie, or fresh random bytes if it has none (or a bad one). */
function rawXsrfToken(handler: RequestHandler): RawToken {
  let raw = rawTokens.get(handler);
  if (!raw) {
    const cookie = getCookie(handler, "_xsrf");
    const decoded = cookie ? decodeXsrfToken(cookie) : null;
    raw = decoded && decoded.token.length > 0 ? decoded : { version: null, token: randomBytes(16), timestamp: Math.floor(Date.now() / 1000) };
    rawTokens.set(handler, raw);
  }
  return raw;
}

/**
 * The XSRF token for this request, masked afresh for each request (so it never repeats across
 * responses: BREACH). Sets the `_xsrf` cookie if the request had none.
 */
export function xsrfToken(handler: RequestHandler): string {
  let token = maskedTokens.get(handler);
  if (token === undefined) {
    const raw = rawXsrfToken(handler);
    const mask = randomBytes(4);
    token = `2|${mask.toString("hex")}|${applyMask(mask, raw.token).toString("hex")}|${Math.floor(raw.timestamp)}`;
    maskedTokens.set(handler, token);
    if (raw.version === null) {
      const options = { ...(handler.settings.xsrfCookieOptions ?? {}) } as CookieOptions;
      if (handler.currentUser && options.expiresDays === undefined && options.expires === undefined) options.expiresDays = 30;
      setCookie(handler, "_xsrf", token, options);
    }
  }
  return token;
}

/** The hidden form field carrying the XSRF token. */
export function xsrfFormHtml(handler: RequestHandler): string {
  return `<input type="hidden" name="_xsrf" value="${xhtmlEscape(xsrfToken(handler))}"/>`;
}

function forbidden(logMessage: string): HTTPError {
  return new HTTPError(403, logMessage, { reason: "XSRF token missing or incorrect" });
}

/**
 * Checks the `_xsrf` argument (or `X-XSRFToken` / `X-CSRFToken` header) against the `_xsrf` cookie;
 * throws a 403 whose details go to the log only.
 */
export function checkXsrfCookie(handler: RequestHandler): void {
  const header = (name: string): string => {
    const v = handler.request.headers[name];
    return Array.isArray(v) ? v[0] ?? "" : v ?? "";
  };
  const given = handler.getArgument("_xsrf", "") || header("x-xsrftoken") || header("x-csrftoken");
  if (!given) throw forbidden(`'_xsrf' argument missing from ${handler.request.method}`);
  const decoded = decodeXsrfToken(given);
  if (!decoded || decoded.token.length === 0) throw forbidden("'_xsrf' argument has invalid format");
  const expected = rawXsrfToken(handler);
  if (expected.version === null) throw forbidden("no valid '_xsrf' cookie");
  if (decoded.token.length !== expected.token.length || !timingSafeEqual(decoded.token, expected.token)) {
    throw forbidden(`XSRF cookie does not match ${handler.request.method} argument`);
  }
}

/**
 * Installs the XSRF check as a request hook: with `xsrfCookies` on, POST/PUT/PATCH/DELETE to a handler
 * class that has not opted out (`static checkXsrf = false`) must pass `checkXsrfCookie()` before
 * `getCurrentUser()` and `prepare()` run.
 */
export function installXsrfCheck(application: Application): void {
  application.addRequestHook((handler) => {
    if (!handler.settings.xsrfCookies || !CHECKED_METHODS.has(handler.request.method)) return;
    if ((handler.constructor as { checkXsrf?: boolean }).checkXsrf === false) return;
    return handler.checkXsrfCookie();
  });
}
