/**
 * Browser live reload for apps running with autoreload on: every `text/html` response gets a small
 * script that listens on an event stream (`/__typhoon/livereload`) and reloads the page when the server
 * process has been replaced (a restart under tdev or in-app autoreload) or a template or static file
 * changed. Off with `liveReload: false`, with `tdev --no-live-reload`, and whenever autoreload is off.
 */
import path from "node:path";
import type { ServerResponse } from "node:http";
import { watch, type FSWatcher } from "chokidar";
import { liveReloadScript } from "../cli/tdev/error-page.js";
import { LIVE_RELOAD_PATH } from "../cli/tdev/protocol.js";
import { launcherBridge } from "./bridge.js";
import type { Application } from "../web/application.js";
import type { RequestHandler } from "../web/handler.js";
import { RequestHandler as BaseHandler } from "../web/handler.js";

export { LIVE_RELOAD_PATH };

const processId = `${process.pid.toString(36)}-${Date.now().toString(36)}`;
const streams = new Set<{ res: ServerResponse; end: () => void }>();
let watcher: FSWatcher | undefined;
const watchedRoots = new Set<string>();
let drainHooked = false;
// Set once this process is being replaced. A browser whose stream was just closed reconnects, often over
// a kept-alive connection that still reaches this process: it must not get this (old) id, or it would
// wait for this process to be killed before reloading.
let draining = false;

/** The id the live-reload stream announces: the launcher's, else this process's. */
export function liveReloadId(): string {
  return launcherBridge()?.id ?? processId;
}

/** Tells every connected browser to reload (a template or static file changed). */
export function broadcastReload(reason = "change"): void {
  const msg = `data: ${JSON.stringify({ reload: true, reason })}\n\n`;
  for (const s of streams) s.res.write(msg);
}

/** Ends every live-reload stream (the process is being replaced). */
export function closeLiveReloadStreams(): void {
  draining = true;
  for (const s of [...streams]) s.end();
}

function watchRoots(roots: string[]): void {
  const fresh = roots.filter((r) => !watchedRoots.has(r));
  if (!fresh.length) return;
  for (const r of fresh) watchedRoots.add(r);
  if (!watcher) {
    let timer: NodeJS.Timeout | undefined;
    watcher = watch(fresh, { ignoreInitial: true, ignored: (p: string) => /[\\/](node_modules|\.git)[\\/]/.test(p) });
    const fire = (p: string) => {
      clearTimeout(timer);
      timer = setTimeout(() => broadcastReload(path.basename(p)), 30);
    };
    watcher.on("add", fire).on("change", fire).on("unlink", fire).on("error", () => {});
  } else watcher.add(fresh);
}

/** HTML with the live-reload script before `</body>` (or at the end). */
export function injectLiveReload(html: Buffer): Buffer {
  const script = Buffer.from(liveReloadScript());
  const text = html.toString("latin1");
  const at = text.toLowerCase().lastIndexOf("</body>");
  if (at < 0) return Buffer.concat([html, script]);
  return Buffer.concat([html.subarray(0, at), script, html.subarray(at)]);
}

let HandlerClass: (new (...a: ConstructorParameters<typeof BaseHandler>) => RequestHandler) | undefined;

/** The event-stream handler (defined lazily: the web module may still be initialising on import). */
function liveReloadHandler(): typeof HandlerClass {
  HandlerClass ??= class LiveReloadHandler extends BaseHandler {
    async get(): Promise<void> {
      this.setHeader("Content-Type", "text/event-stream; charset=UTF-8");
      this.setHeader("Cache-Control", "no-store");
      this.setHeader("X-Accel-Buffering", "no");
      if (draining) {
        // End at once on a closed connection: the browser retries on a new one, which reaches the new process.
        this.setHeader("Connection", "close");
        this.write("retry: 250\n\n");
        return;
      }
      this.write(`retry: 250\ndata: ${JSON.stringify({ id: liveReloadId() })}\n\n`);
      await this.flush();
      const settings = this.application.settings as { templatePath?: string; staticPath?: string };
      watchRoots([settings.templatePath, settings.staticPath].filter((p): p is string => typeof p === "string").map((p) => path.resolve(p)));
      const res = (this as unknown as { response: ServerResponse }).response;
      await new Promise<void>((resolve) => {
        const entry = { res, end: () => { streams.delete(entry); resolve(); } };
        streams.add(entry);
        res.once("close", entry.end);
      });
    }
    // Never cache-validate an event stream.
    override computeEtag(): string | null {
      return null;
    }
  };
  return HandlerClass;
}

/** Installs live reload on an app: the event-stream route and the script injection. */
export function installLiveReload(app: Application): void {
  const bridge = launcherBridge();
  if (bridge && !bridge.liveReload) return;
  if (!drainHooked) {
    drainHooked = true;
    bridge?.onDrain(closeLiveReloadStreams);
  }
  app.prependHandlers([[LIVE_RELOAD_PATH.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), liveReloadHandler()!]]);
  app.addOutputTransform((handler, body) => {
    const type = handler.getHeader("Content-Type") ?? "";
    if (!/^text\/html\b/i.test(type) || handler.getStatus() === 304 || body.length === 0) return body;
    return injectLiveReload(body);
  });
}
