import type { HandlerClass } from "./handler.js";

/**
 * Application settings, camelCase versions of Tornado's. Every key is optional; the defaults are
 * documented here and applied once by {@link resolveSettings}.
 */
export interface ApplicationSettings {
  /**
   * Development mode. Turns on `autoreload` and `serveTraceback` and turns off `compiledTemplateCache` and
   * `staticHashCache`; each of those given explicitly wins over `debug`. Default `false`.
   */
  debug?: boolean;
  /** Restart the process when a loaded module changes (stands down under `tdev`). Default: `debug`. */
  autoreload?: boolean;
  /** Serve error pages that show the exception and its source-mapped stack. Default: `debug`. */
  serveTraceback?: boolean;
  /** Compile each template once per process. Default: `!debug`. */
  compiledTemplateCache?: boolean;
  /** Hash each static file once per process for `staticUrl()`. Default: `!debug`. */
  staticHashCache?: boolean;
  /** Inject the live-reload script into HTML pages while `autoreload` is on. Default `true`. */
  liveReload?: boolean;

  /** Handler for requests no route matches (default: a 404 page). */
  defaultHandlerClass?: HandlerClass;
  /** Init arguments for `defaultHandlerClass`. */
  defaultHandlerArgs?: Record<string, unknown>;
  /** Replaces the access log: called once per finished request. */
  logFunction?: (handler: import("./handler.js").RequestHandler) => void;
  /** Compress text responses with gzip when the client accepts it. Default `false`. */
  compressResponse?: boolean;

  /** Folder served under `staticUrlPrefix`, plus `/robots.txt` and `/favicon.ico`. */
  staticPath?: string;
  /** URL prefix of static files. Default `"/static/"`. */
  staticUrlPrefix?: string;
  /** Handler class serving static files. Default `StaticFileHandler`. */
  staticHandlerClass?: HandlerClass;
  /** Extra init arguments for the static handler (e.g. `{ defaultFilename: "index.html" }`). */
  staticHandlerArgs?: Record<string, unknown>;

  /** Folder templates are loaded from. Default: the folder of the running script. */
  templatePath?: string;
  /** A custom template loader (overrides `templatePath`). */
  templateLoader?: unknown;
  /** Name of the escaping function for `{{ }}`, or `null` for none. Default `"xhtmlEscape"`. */
  autoescape?: string | null;
  /** Whitespace mode for templates: `"all"`, `"single"` or `"oneline"`. Default: by file extension. */
  templateWhitespace?: "all" | "single" | "oneline";
  /** UI modules available as `{% module Name(...) %}`. */
  uiModules?: Record<string, unknown> | unknown[];
  /** Functions available in templates, called with the handler as first argument. */
  uiMethods?: Record<string, unknown> | unknown[];

  /** Secret for signed cookies: a string, or `{ [version]: secret }` for key rotation. */
  cookieSecret?: string | Record<number, string>;
  /** Key version used to sign new cookies when `cookieSecret` is a map. */
  keyVersion?: number;
  /** Where `authenticated` redirects users who are not logged in. */
  loginUrl?: string;
  /** Require an XSRF token on POST/PUT/PATCH/DELETE. Default `false`. */
  xsrfCookies?: boolean;
  /** Cookie options of the `_xsrf` cookie (Tornado's `xsrf_cookie_kwargs`, e.g. `{ sameSite: "strict", secure: true }`). */
  xsrfCookieOptions?: import("../auth/cookies.js").CookieOptions;

  /** Largest WebSocket message accepted, in bytes. Default 10 MiB. */
  websocketMaxMessageSize?: number;
  /** Interval between WebSocket pings, in seconds; 0 disables. Default 0. */
  websocketPingInterval?: number;
  /** Seconds without a pong after which a pinged WebSocket is closed. Default max(3 × websocketPingInterval, 30). */
  websocketPingTimeout?: number;

  /** Anything else an application wants to keep in its settings. */
  [key: string]: unknown;
}

/** Settings after {@link resolveSettings}: the debug-dependent switches are always booleans. */
export interface ResolvedSettings extends ApplicationSettings {
  debug: boolean;
  autoreload: boolean;
  serveTraceback: boolean;
  compiledTemplateCache: boolean;
  staticHashCache: boolean;
  liveReload: boolean;
  staticUrlPrefix: string;
  autoescape: string | null;
  xsrfCookies: boolean;
  websocketMaxMessageSize: number;
}

/**
 * Applies defaults once. `debug` fills in only what was not given, as Tornado's `setdefault` does:
 * `{ debug: true, autoreload: false }` keeps autoreload off.
 */
export function resolveSettings(settings: ApplicationSettings = {}): ResolvedSettings {
  const debug = Boolean(settings.debug);
  const pick = (key: string, fallback: boolean): boolean =>
    settings[key] === undefined ? fallback : Boolean(settings[key]);
  return {
    ...settings,
    debug,
    autoreload: pick("autoreload", debug),
    serveTraceback: pick("serveTraceback", debug),
    compiledTemplateCache: pick("compiledTemplateCache", !debug),
    staticHashCache: pick("staticHashCache", !debug),
    liveReload: pick("liveReload", true),
    staticUrlPrefix: settings.staticUrlPrefix ?? "/static/",
    autoescape: settings.autoescape === undefined ? "xhtmlEscape" : settings.autoescape,
    xsrfCookies: Boolean(settings.xsrfCookies),
    websocketMaxMessageSize: settings.websocketMaxMessageSize ?? 10 * 1024 * 1024,
  };
}
