/**
 * The error-page process: started by tdev on the launcher's sockets (fds 3, 4, ...) while the app is
 * broken, so a request gets a 500 page showing the error instead of hanging or being refused. It also
 * answers the live-reload stream, so an open browser tab shows the error at once and reloads when the
 * app is fixed. Reads the error from the TYPHOON_TDEV_ERROR environment variable (JSON).
 */
import http from "node:http";
import { errorPageHtml, type BrokenState } from "./error-page.js";
import { ENV_LIVE_RELOAD, ENV_SOCKETS, LIVE_RELOAD_PATH, parseSockets } from "./protocol.js";

const state = JSON.parse(process.env.TYPHOON_TDEV_ERROR ?? "{}") as BrokenState;
const sockets = parseSockets(process.env[ENV_SOCKETS]);
const liveReload = process.env[ENV_LIVE_RELOAD] !== "0";
const id = `error-${process.pid}-${Date.now().toString(36)}`;
const streams = new Set<http.ServerResponse>();

const startPpid = process.ppid;
const bye = () => process.exit(0);
process.on("disconnect", bye);
setInterval(() => {
  if (process.ppid !== startPpid) bye();
}, 300).unref();

const servers: http.Server[] = [];
function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  req.resume();
  if ((req.url ?? "").split("?")[0] === LIVE_RELOAD_PATH) {
    res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-store", Connection: "keep-alive" });
    res.write(`retry: 250\ndata: ${JSON.stringify({ id })}\n\n`);
    streams.add(res);
    res.on("close", () => streams.delete(res));
    return;
  }
  const wantsJson = /application\/json/.test(req.headers.accept ?? "") && !/text\/html/.test(req.headers.accept ?? "");
  const body = wantsJson
    ? JSON.stringify({ error: state.title, detail: state.text }) + "\n"
    : errorPageHtml(state, liveReload);
  res.writeHead(500, {
    "Content-Type": wantsJson ? "application/json; charset=UTF-8" : "text/html; charset=UTF-8",
    "Cache-Control": "no-store",
    "Content-Length": Buffer.byteLength(body),
    "X-Tdev": "error-page",
  });
  res.end(req.method === "HEAD" ? undefined : body);
}

let pending = sockets.size;
for (const fd of sockets.values()) {
  const s = http.createServer({ keepAliveTimeout: 1000 }, handler);
  servers.push(s);
  s.listen({ fd }, () => {
    if (--pending === 0) process.send?.({ t: "listening", port: 0 });
  });
}
process.on("message", (m: { t?: string }) => {
  if (m?.t === "drain") {
    for (const r of streams) r.end();
    for (const s of servers) {
      s.close();
      s.closeIdleConnections();
    }
    setTimeout(() => process.send?.({ t: "drained" }), 5);
  }
});
