// RequestHandler's staticUrl().
import type { RequestHandler } from "../web/handler.js";
import { extendRequestHandler } from "../web/extend.js";
import { staticUrlFor, type StaticUrlOptions } from "./url.js";

declare module "../web/handler.js" {
  interface RequestHandler {
    /** Default of `staticUrl()`'s `includeHost` for this handler (Tornado's `include_host`). Default false. */
    includeHost: boolean;
    /**
     * The URL of a file under `staticPath`, versioned by its content: `/static/app.css?v=<sha512>`.
     * Options: `includeHost` (prefix `protocol://host`), `includeVersion` (default true). A missing file
     * gives the URL without `v` and a warning in the log.
     */
    staticUrl(path: string, options?: StaticUrlOptions): string;
  }
}

extendRequestHandler(
  {
    staticUrl(this: RequestHandler, path: string, options: StaticUrlOptions = {}) {
      return staticUrlFor(this, path, options);
    },
  },
  {},
  { includeHost: false },
);
