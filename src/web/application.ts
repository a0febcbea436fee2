import type { IncomingMessage, ServerResponse } from "node:http";
import { HTTPServerRequest, type RequestContext } from "../http/request.js";
import { declaredOversize } from "../http/body.js";
import { HTTPServer, type HTTPServerOptions, resolveServerOptions, requestContextOf } from "../http/server.js";
import { accessLog } from "../log/logger.js";
import { HTTPError } from "./errors.js";
import { ErrorHandler } from "./error-handler.js";
import type { HandlerClass, RequestHandler } from "./handler.js";
import { NO_ARGS, URLSpec, type HandlerEntry } from "./routing.js";
import { resolveSettings, type ApplicationSettings, type ResolvedSettings } from "./settings.js";
import type { Duplex } from "node:stream";
import { setupAutoreload } from "../autoreload/app.js";
import { handleUpgrade, closeUpgraded } from "../websocket/upgrade.js";
import { installXsrfCheck } from "../auth/xsrf.js";
import { installStaticRoutes } from "../static/routes.js";
import { fetchApplication, type FetchOptions } from "../adapter/fetch.js";

/** Runs for every routed request before `getCurrentUser()` and `prepare()` (cache resets, XSRF checks). */
export type RequestHook = (handler: RequestHandler) => void | Promise<void>;

/** Rewrites a fully buffered response body just before it is sent (e.g. live-reload injection). */
export type OutputTransform = (handler: RequestHandler, body: Buffer) => Buffer;

const HANDLER = Symbol("typhoon.handler");
type ResponseWithHandler = ServerResponse & { [HANDLER]?: RequestHandler };

// One shared listener instead of a closure per request; `on`, not `once` (a response closes once, and
// `once` allocates a wrapper per call).
function onResponseClose(this: ResponseWithHandler): void {
  const handler = this[HANDLER];
  this[HANDLER] = undefined;
  if (handler && !handler.finished) {
    handler.request.abort();
    handler.connectionLost();
  }
}

/** A route lookup result. */
export interface RouteMatch {
  spec: URLSpec;
  pathArgs: string[];
}

/**
 * A collection of routes and settings that make up a web application: `new Application(handlers,
 * settings)`, then `listen(port)` or mount `app.handler` in any Node server.
 */
export class Application {
  /** Settings with defaults applied (`debug` resolved into its four switches). */
  readonly settings: ResolvedSettings;
  /** Routes in match order. */
  readonly rules: URLSpec[] = [];
  private readonly named = new Map<string, URLSpec>();
  private readonly requestHooks: RequestHook[] = [];
  private readonly outputTransforms: OutputTransform[] = [];
  private readonly defaultContext: RequestContext = requestContextOf(resolveServerOptions({}));

  constructor(handlers: HandlerEntry[] = [], settings: ApplicationSettings = {}) {
    this.settings = resolveSettings(settings);
    // The XSRF check on POST/PUT/PATCH/DELETE, before getCurrentUser() and prepare().
    installXsrfCheck(this);
    this.addHandlers(handlers);
    // /static/(.*), /favicon.ico and /robots.txt, ahead of the app's own routes.
    installStaticRoutes(this);
    // Autoreload, and live reload when a launcher owns restarts.
    if (this.settings.autoreload) setupAutoreload(this);
  }

  /** Adds routes after the existing ones. */
  addHandlers(handlers: HandlerEntry[]): void {
    for (const entry of handlers) {
      const spec = entry instanceof URLSpec ? entry : new URLSpec(entry[0], entry[1], entry[2], entry[3]);
      this.rules.push(spec);
      if (spec.name) this.named.set(spec.name, spec);
    }
  }

  /** Adds routes that take precedence over the existing ones (used for static routes). */
  prependHandlers(handlers: HandlerEntry[]): void {
    const before = this.rules.splice(0);
    this.addHandlers(handlers);
    this.rules.push(...before);
  }

  /** The path of the route named `name`, with its groups filled from `args`. */
  reverseUrl(name: string, ...args: unknown[]): string {
    const spec = this.named.get(name);
    if (!spec) throw new Error(`${name} not found in named urls`);
    return spec.reverse(...args);
  }

  /** Finds the route for a (still percent-encoded) path. */
  findHandler(path: string): RouteMatch | null {
    for (const spec of this.rules) {
      const pathArgs = spec.match(path);
      if (pathArgs) return { spec, pathArgs };
    }
    return null;
  }

  /** Registers a hook that runs for every request before `getCurrentUser()` and `prepare()`. */
  addRequestHook(hook: RequestHook): void {
    this.requestHooks.push(hook);
  }

  /** Runs the request hooks for a handler; returns a promise only if a hook was asynchronous. */
  runRequestHooks(handler: RequestHandler): Promise<void> | undefined {
    for (let i = 0; i < this.requestHooks.length; i++) {
      const result = this.requestHooks[i]!(handler);
      if (result && typeof (result as Promise<void>).then === "function") {
        return (result as Promise<void>).then(async () => {
          for (const hook of this.requestHooks.slice(i + 1)) await hook(handler);
        });
      }
    }
    return undefined;
  }

  /** Registers a transform applied to every fully buffered response body. */
  addOutputTransform(transform: OutputTransform): void {
    this.outputTransforms.push(transform);
  }

  /** Whether any output transform is registered (without one, `finish()` needs no body bytes). */
  get hasOutputTransforms(): boolean {
    return this.outputTransforms.length > 0;
  }

  /** Applies the output transforms (called by `RequestHandler.finish`). */
  transformOutput(handler: RequestHandler, body: Buffer): Buffer {
    for (const transform of this.outputTransforms) body = transform(handler, body);
    return body;
  }

  /** The largest body the handler accepts: its class's `maxBodySize`, else the server's. */
  maxBodySizeFor(handler: RequestHandler): number {
    const own = (handler.constructor as { maxBodySize?: number }).maxBodySize;
    return typeof own === "number" ? own : handler.request.context.maxBodySize;
  }

  /**
   * Feeds a streamed body to `handler.dataReceived(chunk)` as it arrives, pausing the socket while an
   * async `dataReceived` runs, so a slow consumer holds back the client instead of buffering.
   */
  async streamBody(handler: RequestHandler): Promise<void> {
    const receiver = handler as RequestHandler & { dataReceived?: (chunk: Buffer) => unknown };
    if (typeof receiver.dataReceived !== "function") {
      throw new TypeError(`${handler.constructor.name} streams its body (streamRequestBody) but has no dataReceived(chunk) method`);
    }
    const limit = this.maxBodySizeFor(handler);
    const raw = handler.request.raw;
    const oversize = declaredOversize(raw, limit);
    if (oversize) throw oversize;
    let size = 0;
    for await (const chunk of raw as AsyncIterable<Buffer>) {
      // Chunks already buffered when the client left are not fed to a handler that cleaned up in onConnectionClose.
      if (handler.connectionClosed) throw new HTTPError(400, "client closed the connection while sending the body");
      size += chunk.length;
      if (size > limit) throw new HTTPError(413, `body exceeds maxBodySize ${limit}`);
      await receiver.dataReceived(chunk);
    }
    if (!raw.complete) throw new HTTPError(400, "client closed the connection while sending the body");
  }

  /** Writes the access-log line for a finished request (or calls `logFunction`). */
  logRequest(handler: RequestHandler): void {
    if (this.settings.logFunction) return this.settings.logFunction(handler);
    const r = handler.request;
    accessLog.request(handler.getStatus(), r.method, r.uri, r.remoteIp, r.requestTime());
  }

  /** Routes one request and runs its handler. */
  handleRequest(raw: IncomingMessage, res: ServerResponse, context: RequestContext = this.defaultContext): Promise<void> {
    const request = new HTTPServerRequest(raw, context);
    // A request target that is not a path (`GET http://x/`, `OPTIONS *`) is a 400; no route is a 404,
    // or the app's defaultHandlerClass.
    const routable = request.path.startsWith("/");
    const match = routable ? this.findHandler(request.path) : null;
    let Handler: HandlerClass = ErrorHandler;
    let initArgs: Record<string, unknown> = { statusCode: 400 };
    if (match) {
      Handler = match.spec.handlerClass;
      initArgs = match.spec.initArgs;
    } else if (routable) {
      Handler = this.settings.defaultHandlerClass ?? ErrorHandler;
      initArgs = this.settings.defaultHandlerArgs ?? {};
    }
    const handler = new Handler(this, request, res);
    handler.initialize(initArgs);
    const done = handler.execute(match ? match.pathArgs : NO_ARGS);
    // A handler still running once execute() yields hears of the client leaving. One that finished
    // synchronously (most) needs no listener: nothing can close the response before this line runs.
    if (!handler.finished) {
      (res as ResponseWithHandler)[HANDLER] = handler;
      res.on("close", onResponseClose);
    }
    return done;
  }

  /**
   * Serves a request that arrived through the server's `upgrade` event (called by {@link HTTPServer};
   * call it from your own `server.on("upgrade")` when mounting `app.handler` elsewhere). Routing,
   * cookies, `prepare()` and error pages work as for any request; a `WebSocketHandler` takes the socket.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, context: RequestContext = this.defaultContext): void {
    handleUpgrade(this, req, socket, head, context);
  }

  /** Asks the WebSockets on these upgraded sockets to close with 1001 (called by a stopping {@link HTTPServer}). */
  closeUpgraded(sockets: Iterable<Duplex>): void {
    closeUpgraded(sockets);
  }

  /** A Node request listener: mount the app in `http.createServer(app.handler)`, Express, Connect... */
  get handler(): (req: IncomingMessage, res: ServerResponse) => void {
    return (req, res) => void this.handleRequest(req, res);
  }

  /**
   * Answers a Fetch-API `Request` with a `Response` (Deno.serve, Bun.serve, serverless and edge hosts,
   * tests): `Deno.serve((req, info) => app.fetch(req, { remoteAddress: info.remoteAddr.hostname }))`.
   * No WebSocket upgrades in this mode; see {@link fetchApplication} for what else differs.
   */
  fetch(request: Request, options?: FetchOptions): Promise<Response> {
    return fetchApplication(this, request, options);
  }

  /** Starts an {@link HTTPServer} for this app; resolves once it is listening. */
  async listen(port: number, address?: string, options: HTTPServerOptions = {}): Promise<HTTPServer> {
    const server = new HTTPServer(this, options);
    await server.listen(port, address);
    return server;
  }
}
