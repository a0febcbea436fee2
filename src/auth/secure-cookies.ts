import type { RequestHandler } from "../web/handler.js";
import { ConfigurationError } from "../web/errors.js";
import { requestCookies, serializeCookie, type CookieOptions } from "./cookies.js";
import { createSignedValue, decodeSignedValue, getSignatureKeyVersion, type CookieSecret } from "./signed-value.js";
import { Buffer } from "node:buffer";

/** Options of `setSecureCookie`: cookie attributes, `expiresDays` defaulting to 30, and the format version. */
export interface SecureCookieOptions extends CookieOptions {
  /** Signed-value format version. Default 2. */
  version?: 1 | 2;
}

/** Options of `getSecureCookie`. */
export interface GetSecureCookieOptions {
  /** Verify this value instead of the request's cookie (for signed values kept elsewhere). */
  value?: string | null;
  /** Reject values signed more than this many days ago. Default 31. */
  maxAgeDays?: number;
  /** Oldest signed-value format accepted. Default 2. */
  minVersion?: 1 | 2;
}

/** Which cookies to clear: the path and domain they were set with. */
export interface ClearCookieOptions {
  path?: string;
  domain?: string;
}

/** The value of a request cookie, or `defaultValue`. */
export function getCookie(handler: RequestHandler, name: string, defaultValue?: string): string | undefined {
  const cookies = requestCookies(handler.request);
  return Object.prototype.hasOwnProperty.call(cookies, name) ? cookies[name] : defaultValue;
}

/** Adds a `Set-Cookie` header; throws a `CookieError` (a 500) for names or values that cannot go out as given. */
export function setCookie(handler: RequestHandler, name: string, value: string, options: CookieOptions = {}): void {
  handler.addHeader("Set-Cookie", serializeCookie(name, value, options));
}

/** Tells the browser to drop a cookie (same `path` and `domain` as it was set with). */
export function clearCookie(handler: RequestHandler, name: string, options: ClearCookieOptions = {}): void {
  setCookie(handler, name, "", { path: options.path ?? "/", domain: options.domain, expires: new Date(Date.now() - 365 * 86_400_000) });
}

/** Clears every cookie the request carried. */
export function clearAllCookies(handler: RequestHandler, options: ClearCookieOptions = {}): void {
  for (const name of Object.keys(requestCookies(handler.request))) {
    // A name that could not be set cannot be cleared either; skip it rather than fail the request.
    try { clearCookie(handler, name, options); } catch { /* unsettable name */ }
  }
}

/** The `cookieSecret` setting, or a clear configuration error naming the feature that needs it. */
export function requireCookieSecret(handler: RequestHandler, feature: string): CookieSecret {
  const secret = handler.settings.cookieSecret as CookieSecret | undefined;
  if (secret === undefined || secret === null || secret === "") {
    throw new ConfigurationError(`${feature} requires the "cookieSecret" application setting`);
  }
  return secret;
}

/** Signs `value` for `name` with the application's secret (and `keyVersion` for secret maps). */
export function handlerCreateSignedValue(handler: RequestHandler, name: string, value: string | Buffer, version?: 1 | 2, feature = "createSignedValue"): string {
  const secret = requireCookieSecret(handler, feature);
  const keyVersion = handler.settings.keyVersion;
  if (typeof secret === "object" && !Buffer.isBuffer(secret) && keyVersion === undefined) {
    throw new ConfigurationError('the "keyVersion" setting is required when "cookieSecret" is a map of key versions');
  }
  return createSignedValue(secret, name, value, { version, keyVersion: typeof secret === "object" && !Buffer.isBuffer(secret) ? keyVersion : undefined });
}

/** Sets a signed, timestamped cookie (Tornado's `set_secure_cookie`); expires in 30 days unless told otherwise. */
export function setSecureCookie(handler: RequestHandler, name: string, value: string | Buffer, options: SecureCookieOptions = {}): void {
  const { version, ...cookieOptions } = options;
  const signed = handlerCreateSignedValue(handler, name, value, version, "setSecureCookie");
  const expiresDays = "expiresDays" in options ? options.expiresDays : 30;
  setCookie(handler, name, signed, { ...cookieOptions, expiresDays });
}

/** The verified value of a signed cookie, or null (missing, tampered, expired, wrong name, unknown key). */
export function getSecureCookie(handler: RequestHandler, name: string, options: GetSecureCookieOptions = {}): string | null {
  const secret = requireCookieSecret(handler, "getSecureCookie");
  const value = options.value !== undefined ? options.value : getCookie(handler, name);
  return decodeSignedValue(secret, name, value, { maxAgeDays: options.maxAgeDays, minVersion: options.minVersion });
}

/** The key version a signed cookie claims (to re-sign cookies made with an old key), or null. */
export function getSecureCookieKeyVersion(handler: RequestHandler, name: string, value?: string): number | null {
  requireCookieSecret(handler, "getSecureCookieKeyVersion");
  return getSignatureKeyVersion(value ?? getCookie(handler, name));
}
