import type { Application } from "../web/application.js";
import type { HandlerClass } from "../web/handler.js";
import { StaticFileHandler } from "./handler.js";

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/**
 * Tornado's automatic static routes, ahead of the application's own (so they shadow them):
 * `/robots.txt`, `/favicon.ico` and `staticUrlPrefix(.*)`, served by `staticHandlerClass` (default
 * {@link StaticFileHandler}) with `staticHandlerArgs` plus `path: staticPath`.
 */
export function installStaticRoutes(app: Application): void {
  const settings = app.settings;
  if (!settings.staticPath) return;
  const handlerClass: HandlerClass = settings.staticHandlerClass ?? StaticFileHandler;
  const args = { ...(settings.staticHandlerArgs ?? {}), path: settings.staticPath };
  app.prependHandlers([
    ["/(robots\\.txt)", handlerClass, args],
    ["/(favicon\\.ico)", handlerClass, args],
    [escapeRegExp(settings.staticUrlPrefix) + "(.*)", handlerClass, args],
  ]);
}
