// RequestHandler's cookie, signed-cookie, XSRF and login methods.
import type { RequestHandler } from "../web/handler.js";
import { extendRequestHandler } from "../web/extend.js";
import type { CookieOptions } from "./cookies.js";
import type { ClearCookieOptions, GetSecureCookieOptions, SecureCookieOptions } from "./secure-cookies.js";
import * as auth from "./handler-methods.js";

declare module "../web/handler.js" {
  interface RequestHandler {
    /** The value of the request cookie `name` (unquoted, not decoded), or `defaultValue`. */
    getCookie(name: string): string | undefined;
    /** The value of the request cookie `name`, or `defaultValue` when the request has none. */
    getCookie(name: string, defaultValue: string): string;
    /** Sets a cookie; the value goes out as given, and one holding a control character, space or `;` throws. */
    setCookie(name: string, value: string, options?: CookieOptions): void;
    /** Deletes a cookie (give the `path`/`domain` it was set with). */
    clearCookie(name: string, options?: ClearCookieOptions): void;
    /** Deletes every cookie the request carried. */
    clearAllCookies(options?: ClearCookieOptions): void;
    /** Sets a cookie signed with `cookieSecret` in Tornado's format (expires in 30 days by default). */
    setSecureCookie(name: string, value: string | Buffer, options?: SecureCookieOptions): void;
    /** The verified value of a signed cookie, or null (missing, tampered, expired, for another name, unknown key). */
    getSecureCookie(name: string, options?: GetSecureCookieOptions): string | null;
    /** Signs a value with `cookieSecret` for uses other than cookies. */
    createSignedValue(name: string, value: string | Buffer, version?: 1 | 2): string;
    /** The key version a signed cookie was made with, or null. */
    getSecureCookieKeyVersion(name: string, value?: string): number | null;
    /** This request's XSRF token, masked afresh per request; sets the `_xsrf` cookie if needed. */
    readonly xsrfToken: string;
    /** `<input type="hidden" name="_xsrf" value="...">` for forms that POST. */
    xsrfFormHtml(): string;
    /** Verifies the request's XSRF token against its `_xsrf` cookie (403 if not); override to change the check. */
    checkXsrfCookie(): void | Promise<void>;
    /** Where `authenticated` sends users who are not logged in; default the `loginUrl` setting. */
    getLoginUrl(): string;
    /** The `next` argument if it is a same-site path (never another host), else `fallback`. */
    getNextUrl(fallback?: string): string;
  }
}

extendRequestHandler(
  {
    getCookie(this: RequestHandler, name: string, defaultValue?: string) {
      return auth.getCookie(this, name, defaultValue);
    },
    setCookie(this: RequestHandler, name: string, value: string, options?: CookieOptions) {
      auth.setCookie(this, name, value, options);
    },
    clearCookie(this: RequestHandler, name: string, options?: ClearCookieOptions) {
      auth.clearCookie(this, name, options);
    },
    clearAllCookies(this: RequestHandler, options?: ClearCookieOptions) {
      auth.clearAllCookies(this, options);
    },
    setSecureCookie(this: RequestHandler, name: string, value: string | Buffer, options?: SecureCookieOptions) {
      auth.setSecureCookie(this, name, value, options);
    },
    getSecureCookie(this: RequestHandler, name: string, options?: GetSecureCookieOptions) {
      return auth.getSecureCookie(this, name, options);
    },
    createSignedValue(this: RequestHandler, name: string, value: string | Buffer, version?: 1 | 2) {
      return auth.createSignedValue(this, name, value, version);
    },
    getSecureCookieKeyVersion(this: RequestHandler, name: string, value?: string) {
      return auth.getSecureCookieKeyVersion(this, name, value);
    },
    xsrfFormHtml(this: RequestHandler) {
      return auth.xsrfFormHtml(this);
    },
    checkXsrfCookie(this: RequestHandler) {
      auth.checkXsrfCookie(this);
    },
    getLoginUrl(this: RequestHandler) {
      return auth.loginUrlOf(this);
    },
    getNextUrl(this: RequestHandler, fallback = "/") {
      return auth.safeRedirectUrl(this.getArgument("next", ""), fallback);
    },
  },
  {
    xsrfToken: {
      get(this: RequestHandler) {
        return auth.xsrfToken(this);
      },
    },
  },
);
