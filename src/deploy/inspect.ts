import path from "node:path";
import type { HTTPServer } from "../http/server.js";

/**
 * Inspection mode: `typhoon config` loads the app's entry with `TYPHOON_INSPECT=1`, so that
 * `listen`/`bind`/`start` record what they would serve instead of binding, and the generator can read
 * ports, `xheaders` and the static settings from the app itself.
 */

/** What one `listen` (or `bind` + `start`) call would have served. */
export interface ListenRecord {
  port: number;
  address: string | null;
  xheaders: boolean;
  /** Processes `start(n)` would run (1 for `listen`). */
  processes: number;
  /** Absolute `staticPath` of the app, if any. */
  staticPath: string | null;
  staticUrlPrefix: string;
}

/** Everything recorded while the entry loaded. */
export interface InspectRecord {
  listens: ListenRecord[];
}

const key = Symbol.for("typhoon.inspect.record");
const g = globalThis as Record<symbol, InspectRecord | undefined>;

/** Whether this process only inspects the app (set by `typhoon config`). */
export function inspecting(): boolean {
  return process.env.TYPHOON_INSPECT === "1";
}

/** The record shared by every copy of the module. */
export function inspectRecord(): InspectRecord {
  return (g[key] ??= { listens: [] });
}

/** Records a listen instead of binding; resolves with the port as `listen` would. */
export function recordListen(server: HTTPServer, port: number, address: string | undefined, extra: { processes?: number } = {}): Promise<number> {
  const app = server.app as { settings?: { staticPath?: unknown; staticUrlPrefix?: unknown } };
  const settings = typeof app === "object" ? app.settings ?? {} : {};
  inspectRecord().listens.push({
    port,
    address: address ?? null,
    xheaders: server.options.xheaders,
    processes: extra.processes ?? 1,
    staticPath: typeof settings.staticPath === "string" ? path.resolve(settings.staticPath) : null,
    staticUrlPrefix: typeof settings.staticUrlPrefix === "string" ? settings.staticUrlPrefix : "/static/",
  });
  return Promise.resolve(port);
}
