import path from "node:path";
import type { HTTPServerRequest } from "../http/request.js";
import type { ResolvedSettings } from "../web/settings.js";
import { getVersionSync } from "./version.js";

/** Options of `RequestHandler.staticUrl()`. */
export interface StaticUrlOptions {
  /** Prefix the URL with `protocol://host` of the current request. Default: the handler's `includeHost` (false). */
  includeHost?: boolean;
  /** Append `?v=<content hash>`. Default `true`. */
  includeVersion?: boolean;
}

/** A static handler class as `staticUrl()` uses it: a custom `staticHandlerClass` may override `makeStaticUrl`. */
interface StaticUrlMaker {
  makeStaticUrl?(settings: ResolvedSettings, path: string, includeVersion?: boolean): string;
}

// Keeps `/` and the characters a path segment may carry as they are; escapes spaces, `%`, `?`, `#` and
// non-ASCII so any file name gives a URL that routes back to the same file.
function encodePath(p: string): string {
  return encodeURI(p).replace(/[?#]/g, (c) => encodeURIComponent(c));
}

/**
 * The default `makeStaticUrl`: `staticUrlPrefix + path`, plus `?v=<SHA-512 of the content>` when
 * `includeVersion` is true and the file can be read. A missing file gives the URL without `v` (and a
 * warning in the log), never an exception.
 */
export function makeStaticUrl(settings: ResolvedSettings, filePath: string, includeVersion = true): string {
  const url = settings.staticUrlPrefix + encodePath(filePath);
  if (!includeVersion) return url;
  const version = getStaticVersion(settings, filePath);
  return version ? `${url}?v=${version}` : url;
}

/** The content version of a file under `staticPath` (null when it cannot be read). */
export function getStaticVersion(settings: ResolvedSettings, filePath: string): string | null {
  if (!settings.staticPath) return null;
  return getVersionSync(path.resolve(settings.staticPath, filePath), settings.staticHashCache);
}

/**
 * `RequestHandler.staticUrl()`: the versioned URL of a static file, built by the application's
 * `staticHandlerClass` (its `makeStaticUrl`), optionally with the request's scheme and host.
 */
export function staticUrlFor(
  handler: { settings: ResolvedSettings; request: HTTPServerRequest; includeHost?: boolean },
  filePath: string,
  options: StaticUrlOptions = {},
): string {
  const settings = handler.settings;
  if (!settings.staticPath) {
    throw new Error("You must define the 'staticPath' setting in your application to use staticUrl");
  }
  const maker = settings.staticHandlerClass as unknown as StaticUrlMaker | undefined;
  const includeVersion = options.includeVersion ?? true;
  const url = typeof maker?.makeStaticUrl === "function" ? maker.makeStaticUrl(settings, filePath, includeVersion) : makeStaticUrl(settings, filePath, includeVersion);
  const includeHost = options.includeHost ?? handler.includeHost ?? false;
  return includeHost ? `${handler.request.protocol}://${handler.request.host}${url}` : url;
}
