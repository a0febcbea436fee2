/** Static files: the handler, versioned URLs, and the automatic routes. */
export { StaticFileHandler, CACHE_MAX_AGE, type StaticFileHandlerArgs } from "./handler.js";
export { installStaticRoutes } from "./routes.js";
export { makeStaticUrl, getStaticVersion, staticUrlFor, type StaticUrlOptions } from "./url.js";
export { parseRangeHeader, resolveRange, type ByteRange, type RangeResult } from "./range.js";
export { contentTypeFor } from "./content-type.js";
