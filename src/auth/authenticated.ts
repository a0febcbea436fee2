import type { RequestHandler } from "../web/handler.js";
import { ConfigurationError, HTTPError } from "../web/errors.js";
import { isSafeRedirect } from "./redirect.js";

/** The URL `authenticated` sends anonymous GET/HEAD requests to: `loginUrl`, or a clear error. */
export function loginUrlOf(handler: RequestHandler): string {
  const url = handler.settings.loginUrl;
  if (!url) throw new ConfigurationError('authenticated requires the "loginUrl" application setting (or override getLoginUrl())');
  return url;
}

/**
 * Where to send a user who is not logged in: the login URL with `next` set to the request's URI (the full
 * URL when the login URL is absolute). A login URL that already has a query keeps it; one that already
 * names `next` is used as is.
 */
export function loginRedirectUrl(handler: RequestHandler): string {
  const url = handler.getLoginUrl();
  const absolute = /^[a-z][a-z0-9+.-]*:/i.test(url);
  const q = url.indexOf("?");
  if (q >= 0 && new URLSearchParams(url.slice(q + 1).split("#")[0]).has("next")) return url;
  const uri = handler.request.uri;
  const next = absolute ? handler.request.fullUrl() : isSafeRedirect(uri) ? uri : "/";
  const hash = url.indexOf("#");
  const [base, fragment] = hash >= 0 ? [url.slice(0, hash), url.slice(hash)] : [url, ""];
  const sep = q < 0 ? "?" : base.endsWith("?") || base.endsWith("&") ? "" : "&";
  return `${base}${sep}${new URLSearchParams({ next }).toString()}${fragment}`;
}

/** Refuses a request without a user: redirect to the login page for GET/HEAD, 403 otherwise. Returns true if it answered. */
function refuse(handler: RequestHandler): boolean {
  if (handler.currentUser) return false;
  const method = handler.request.method;
  if (method === "GET" || method === "HEAD") {
    handler.redirect(loginRedirectUrl(handler));
    return true;
  }
  throw new HTTPError(403, `${method} ${handler.request.path} requires a logged-in user`);
}

function wrap<F extends (this: RequestHandler, ...args: any[]) => any>(method: F): F {
  const wrapper = function (this: RequestHandler, ...args: unknown[]) {
    if (refuse(this)) return undefined;
    return method.apply(this, args);
  };
  Object.defineProperty(wrapper, "name", { value: method.name, configurable: true });
  return wrapper as unknown as F;
}

type HandlerMethod<This, Args extends unknown[], R> = (this: This, ...args: Args) => R;

/**
 * Requires a logged-in user (`this.currentUser` truthy) for a handler method. Without one, GET and HEAD
 * redirect to `loginUrl` with `next=<uri>`, other methods answer 403.
 *
 * Works as a standard decorator (TypeScript 5 / esbuild default), as a legacy `experimentalDecorators`
 * decorator, and as a plain wrapper: `get = authenticated(function () { ... })`. Any other use throws a
 * `TypeError`, so a method can never be left unprotected by mistake.
 *
 * @typeParam F - the wrapped method's type, kept as it is
 */
export function authenticated<This extends RequestHandler, Args extends unknown[], R>(
  method: HandlerMethod<This, Args, R>,
  context: ClassMethodDecoratorContext<This, HandlerMethod<This, Args, R>>,
): HandlerMethod<This, Args, R>;
export function authenticated<T>(
  target: object,
  propertyKey: string | symbol,
  descriptor: TypedPropertyDescriptor<T>,
): TypedPropertyDescriptor<T>;
export function authenticated<F extends (this: any, ...args: any[]) => any>(method: F): F;
export function authenticated(...args: unknown[]): unknown {
  const [a, b, c] = args;
  if (args.length === 1 && typeof a === "function") return wrap(a as (this: RequestHandler) => unknown);
  if (args.length === 2 && typeof a === "function" && b !== null && typeof b === "object" && "kind" in b) {
    const kind = (b as { kind: unknown }).kind;
    if (kind !== "method") throw new TypeError(`authenticated can only decorate methods, not a ${String(kind)}`);
    return wrap(a as (this: RequestHandler) => unknown);
  }
  if (args.length === 3 && a !== null && (typeof a === "object" || typeof a === "function") && (typeof b === "string" || typeof b === "symbol")) {
    const descriptor = c as PropertyDescriptor | undefined;
    if (!descriptor || typeof descriptor.value !== "function") {
      throw new TypeError(`authenticated can only decorate methods; ${String(b)} is not a method`);
    }
    return { ...descriptor, value: wrap(descriptor.value) };
  }
  throw new TypeError("authenticated must be used as a method decorator (@authenticated) or as authenticated(function)");
}
