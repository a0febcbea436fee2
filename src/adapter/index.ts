/** Adapters: `app.fetch` for Fetch-API hosts, `FallbackHandler` for existing Node apps. */
export { fetchApplication, type FetchOptions } from "./fetch.js";
export { FallbackHandler, type FallbackListener } from "./fallback.js";
