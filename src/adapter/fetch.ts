import http from "node:http";
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import type { RequestContext } from "../http/request.js";
import type { Application } from "../web/application.js";
import { pipePair, type PipeEnd } from "./pipe.js";

/**
 * Options of `app.fetch(request, options)`. A Fetch-API host knows things a `Request` does not carry;
 * pass them here (e.g. Deno's `info.remoteAddr.hostname`, Bun's `server.requestIP(req)`).
 */
export interface FetchOptions {
  /** The client's address, seen as `request.remoteIp`. Default `"127.0.0.1"`. */
  remoteAddress?: string;
  /** Trust `X-Real-Ip`/`X-Forwarded-For` and `X-Scheme`/`X-Forwarded-Proto` as behind a proxy. Default `false`. */
  xheaders?: boolean;
  /** Proxy addresses skipped in `X-Forwarded-For` (with `xheaders`). */
  trustedDownstream?: string[];
  /** `request.protocol`. Default: the scheme of the request's URL. */
  protocol?: string;
  /** Largest request body in bytes (413 beyond). Default 100 MiB. */
  maxBodySize?: number;
}

const NULL_BODY = new Set([101, 103, 204, 205, 304]);
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade", "te", "trailer"]);

const servers = new WeakMap<Application, http.Server>();
const contexts = new WeakMap<object, RequestContext>();

// One never-listening Node server per app: connections are fed to it by hand.
function serverFor(app: Application): http.Server {
  let server = servers.get(app);
  if (!server) {
    server = http.createServer((req, res) => {
      const context = contexts.get(req.socket);
      void app.handleRequest(req, res, context);
    });
    server.on("clientError", (_err, socket) => socket.destroy());
    server.on("upgrade", (_req, socket) => socket.destroy());
    servers.set(app, server);
  }
  return server;
}

/**
 * `app.fetch(request)`: answers a Fetch-API `Request` with a `Response`, for hosts that speak Fetch
 * (Deno.serve, Bun.serve, serverless and edge runtimes, tests). The request runs through Node's own
 * HTTP/1.1 parser into the normal handler pipeline over an in-memory pipe, so status, headers
 * (several `Set-Cookie` stay separate), bodies in both directions, streamed responses (`flush()`)
 * and error pages behave as on a socket; aborting `request.signal` closes the connection
 * (`onConnectionClose` runs).
 *
 * Not in fetch mode: WebSocket upgrades (answered 501: use `app.handler` or `listen`), the
 * client's real address unless the host passes `remoteAddress` (or `xheaders` behind a trusted proxy),
 * HTTPServer options such as timeouts, and multi-process `start(n)` (the host scales instead).
 */
export function fetchApplication(app: Application, request: Request, options: FetchOptions = {}): Promise<Response> {
  const url = new URL(request.url);
  if (request.headers.get("upgrade")) {
    return Promise.resolve(new Response("WebSocket and other upgrades are not available through app.fetch(); serve the app with listen() or app.handler.\n", { status: 501, headers: { "Content-Type": "text/plain; charset=UTF-8" } }));
  }
  const [serverEnd, clientEnd] = pipePair();
  serverEnd.remoteAddress = options.remoteAddress ?? "127.0.0.1";
  serverEnd.remotePort = 0;
  serverEnd.localPort = Number(url.port) || (url.protocol === "https:" ? 443 : 80);
  const protocol = options.protocol ?? url.protocol.replace(/:$/, "");
  serverEnd.encrypted = protocol === "https" ? true : undefined;
  contexts.set(serverEnd, {
    xheaders: options.xheaders ?? false,
    trustedDownstream: new Set(options.trustedDownstream ?? []),
    protocol,
    maxBodySize: options.maxBodySize ?? 100 * 1024 * 1024,
  });
  serverFor(app).emit("connection", serverEnd);

  const headers: http.OutgoingHttpHeaders = {};
  request.headers.forEach((value, name) => {
    if (!HOP_BY_HOP.has(name)) headers[name] = name === "set-cookie" ? request.headers.getSetCookie() : value;
  });
  headers.host ??= url.host;

  return new Promise<Response>((resolve, reject) => {
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      serverEnd.destroy();
      reject(err instanceof Error ? err : new Error(String(err)));
    };
    const req = http.request({
      method: request.method,
      path: url.pathname + url.search,
      headers,
      createConnection: () => clientEnd as unknown as import("node:net").Socket,
    });
    const signal = request.signal;
    const onAbort = () => {
      const reason = signal.reason instanceof Error ? signal.reason : new DOMException("The request was aborted", "AbortError");
      req.destroy(reason);
      serverEnd.destroy();
      fail(reason);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    req.on("error", fail);
    req.on("response", (res) => {
      settled = true;
      const out = new Headers();
      for (let i = 0; i < res.rawHeaders.length; i += 2) {
        const name = res.rawHeaders[i]!;
        if (!HOP_BY_HOP.has(name.toLowerCase())) out.append(name, res.rawHeaders[i + 1]!);
      }
      const status = res.statusCode ?? 500;
      const done = () => {
        signal.removeEventListener("abort", onAbort);
        clientEnd.destroy();
      };
      res.once("close", done);
      let body: ReadableStream<Uint8Array> | null = null;
      if (request.method === "HEAD" || NULL_BODY.has(status)) res.resume();
      else body = Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>;
      resolve(new Response(body, { status, statusText: res.statusMessage, headers: out }));
    });
    if (request.body && request.method !== "GET" && request.method !== "HEAD") {
      const source = Readable.fromWeb(request.body as unknown as NodeReadableStream<Uint8Array>);
      source.on("error", (err) => req.destroy(err));
      source.pipe(req);
    } else req.end();
  });
}

export type { PipeEnd };
