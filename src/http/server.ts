import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { Application } from "../web/application.js";
import { genLog } from "../log/logger.js";
import type { RequestContext } from "./request.js";
import { beforeListen, bindServer, startServer } from "../process/start.js";
import type { StartOptions } from "../process/options.js";
import { setTimeout as sleep } from "node:timers/promises";

/** Options of {@link HTTPServer}; every one has a documented default. */
export interface HTTPServerOptions {
  /** Trust `X-Real-Ip`/`X-Forwarded-For` and `X-Scheme`/`X-Forwarded-Proto` (behind a proxy). Default `false`. */
  xheaders?: boolean;
  /** Proxy addresses skipped when reading `X-Forwarded-For` from the end. Default none. */
  trustedDownstream?: string[];
  /** Forces `request.protocol` (e.g. `"https"` behind a TLS terminator). Default: from the socket. */
  protocol?: string;
  /** Largest request body in bytes; more is refused with 413. Default 100 MiB. */
  maxBodySize?: number;
  /** Largest request head (request line and headers) in bytes; more gets 431. Default 64 KiB. */
  maxHeaderSize?: number;
  /** How long a keep-alive connection may stay idle, in ms. Default 5000. */
  idleConnectionTimeout?: number;
  /** How long the client has to send the request head, in ms. Default 60000. */
  headerTimeout?: number;
  /** How long the client has to send a whole request, in ms; 0 for no limit. Default 0 (bodies may stream). */
  bodyTimeout?: number;
  /** Stop gracefully on SIGTERM and SIGINT. Default `true`. */
  handleSignals?: boolean;
  /** How long `stop()` waits for requests in flight before closing their connections, in ms. Default 10000. */
  stopTimeout?: number;
}

/** {@link HTTPServerOptions} with every default applied. */
export type ResolvedServerOptions = Required<Omit<HTTPServerOptions, "protocol">> & { protocol: string | undefined };

/** Applies the defaults of {@link HTTPServerOptions}, once. */
export function resolveServerOptions(options: HTTPServerOptions): ResolvedServerOptions {
  return {
    xheaders: options.xheaders ?? false,
    trustedDownstream: options.trustedDownstream ?? [],
    protocol: options.protocol,
    maxBodySize: options.maxBodySize ?? 100 * 1024 * 1024,
    maxHeaderSize: options.maxHeaderSize ?? 64 * 1024,
    idleConnectionTimeout: options.idleConnectionTimeout ?? 5_000,
    headerTimeout: options.headerTimeout ?? 60_000,
    bodyTimeout: options.bodyTimeout ?? 0,
    handleSignals: options.handleSignals ?? true,
    stopTimeout: options.stopTimeout ?? 10_000,
  };
}

/** The per-request view of server options. */
export function requestContextOf(options: ResolvedServerOptions): RequestContext {
  return {
    xheaders: options.xheaders,
    trustedDownstream: new Set(options.trustedDownstream),
    protocol: options.protocol,
    maxBodySize: options.maxBodySize,
  };
}

/** A request listener or an application. */
export type RequestCallback = Application | ((req: http.IncomingMessage, res: http.ServerResponse) => void);

const liveServers = new Set<HTTPServer>();

const IN_FLIGHT = Symbol("typhoon.inFlight");
type TrackedResponse = http.ServerResponse & { [IN_FLIGHT]?: Set<http.ServerResponse> };

// One shared listener instead of a closure (and a `once` wrapper) per request. A response closes once.
function untrackResponse(this: TrackedResponse): void {
  this[IN_FLIGHT]?.delete(this);
}

let signalsInstalled = false;

function installSignalHandlers(): void {
  if (signalsInstalled) return;
  signalsInstalled = true;
  const onSignal = (signal: NodeJS.Signals) => {
    const servers = [...liveServers].filter((s) => s.options.handleSignals);
    if (!servers.length) return;
    genLog.info(`${signal} received: stopping, letting requests in flight finish`);
    void Promise.all(servers.map((s) => s.stop())).then(() => process.exit(0));
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
}

/**
 * Serves an {@link Application} (or a plain request listener) over HTTP/1.1, with Tornado's options:
 * xheaders, body and header limits, timeouts, graceful stop.
 */
export class HTTPServer {
  readonly options: ResolvedServerOptions;
  /** The underlying Node server. */
  readonly server: http.Server;
  private readonly context: RequestContext;
  // Responses not fully handed to the socket when the request listener returned. A synchronous handler's
  // small response is, so the common request costs no bookkeeping here.
  private readonly inFlight = new Set<http.ServerResponse>();
  private closeConnections = false;
  private requests = 0;
  /** Sockets handed to `app.handleUpgrade` and still open (WebSockets): closed by `stop()`. */
  private readonly upgraded = new Set<Duplex>();

  constructor(readonly app: RequestCallback, options: HTTPServerOptions = {}) {
    this.options = resolveServerOptions(options);
    this.context = requestContextOf(this.options);
    this.server = http.createServer(
      {
        maxHeaderSize: this.options.maxHeaderSize,
        keepAliveTimeout: this.options.idleConnectionTimeout,
        headersTimeout: this.options.headerTimeout,
        requestTimeout: this.options.bodyTimeout,
        // Node checks header and request timeouts on this interval (30 s by default), so a short
        // timeout would otherwise fire up to 30 s late.
        connectionsCheckingInterval: Math.max(100, Math.min(30_000, Math.floor(Math.min(this.options.headerTimeout, this.options.bodyTimeout || Infinity) / 2))),
      },
      (req, res) => this.onRequest(req, res),
    );
    // Node counts a connection whose response has ended but is still being sent as idle, and would cut
    // that response short; its close() and our stop() call this, so guard it while such a response exists.
    const closeIdle = this.server.closeIdleConnections.bind(this.server);
    this.server.closeIdleConnections = () => {
      for (const res of this.inFlight) if (res.writableEnded) return;
      closeIdle();
    };
    this.server.on("clientError", (err: NodeJS.ErrnoException, socket: Duplex) => this.onClientError(err, socket));
    this.server.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.requests++;
    // While stopping, a request on a kept-alive connection is answered and the connection closed, so
    // the client's next request goes to whoever listens now (the new process of a reload).
    if (this.closeConnections) res.shouldKeepAlive = false;
    if (typeof this.app === "function") this.app(req, res);
    else void this.app.handleRequest(req, res, this.context);
    if (!res.writableFinished) {
      this.inFlight.add(res);
      (res as TrackedResponse)[IN_FLIGHT] = this.inFlight;
      res.on("close", untrackResponse);
    }
  }

  /** How many requests this server has received. */
  get requestCount(): number {
    return this.requests;
  }

  /** How many responses are still being sent: not fully handed to the socket, and the client still there. */
  get requestsInFlight(): number {
    return this.inFlight.size;
  }

  /**
   * From now on every response, including those in flight whose headers are not sent yet, closes its
   * connection once sent (used by `stop()` and by a draining worker), so a kept-alive client moves on
   * to whoever listens next.
   */
  closeConnectionsAfterResponses(): void {
    this.closeConnections = true;
    for (const res of this.inFlight) if (!res.headersSent) res.shouldKeepAlive = false;
  }

  private onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const app = this.app as Partial<Application> & { handleUpgrade?: (req: http.IncomingMessage, socket: Duplex, head: Buffer, context: RequestContext) => void };
    if (typeof app === "object" && typeof app.handleUpgrade === "function") {
      this.upgraded.add(socket);
      socket.once("close", () => this.upgraded.delete(socket));
      app.handleUpgrade(req, socket, head, this.context);
    } else {
      socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    }
  }

  // Malformed requests never reach the app: answer with a bare 4xx and close, as Tornado does.
  private onClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
    if (!socket.writable || (socket as Socket & { _httpMessage?: unknown })._httpMessage) {
      socket.destroy();
      return;
    }
    let status = "400 Bad Request";
    if (err.code === "HPE_HEADER_OVERFLOW") status = "431 Request Header Fields Too Large";
    else if (err.code === "ERR_HTTP_REQUEST_TIMEOUT") status = "408 Request Timeout";
    else if (err.code === "ECONNRESET") { socket.destroy(); return; }
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  }

  /** Starts listening; resolves with the bound port once it is (port 0 picks a free one). */
  listen(port: number, address?: string): Promise<number> {
    const hooked = beforeListen(this, port, address); // multi-process bookkeeping / `typhoon config` inspection (src/process)
    if (hooked) return hooked;
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        this.server.off("listening", onListening);
        if (err.code === "EADDRINUSE") {
          reject(new Error(`Port ${port}${address ? ` on ${address}` : ""} is already in use: another process holds it. Stop that process or pick another port.`));
        } else reject(err);
      };
      const onListening = () => {
        this.server.off("error", onError);
        liveServers.add(this);
        if (this.options.handleSignals) installSignalHandlers();
        resolve(this.port);
      };
      this.server.once("error", onError);
      this.server.once("listening", onListening);
      this.server.listen(port, address);
    });
  }

  // Multi-process mode (src/process): bind() + start(n).
  /**
   * Remembers a port (and address) to serve when `start()` runs, as Tornado's `bind`. Call it once per
   * port; a port in use is reported by `start()` with a message naming it.
   */
  bind(port: number, address?: string): void {
    bindServer(this, port, address);
  }

  /**
   * Serves the bound ports in `numProcesses` processes (`0`, `undefined` or negative: one per CPU; `1`:
   * this process) with node:cluster, as Tornado's `start`. The primary supervises (restarts crashed
   * workers with the same task id within `maxRestarts`, SIGHUP = rolling restart, SIGTERM = graceful
   * stop, SIGUSR2 = status table) and never resolves; a worker resolves with its task id once listening.
   * The second argument is `maxRestarts` (Tornado's) or {@link StartOptions}.
   */
  start(numProcesses?: number | null, options?: StartOptions | number): Promise<number | null> {
    return startServer(this, numProcesses, options);
  }

  /** The port the server listens on (after `listen`). */
  get port(): number {
    return (this.server.address() as AddressInfo | null)?.port ?? 0;
  }

  /**
   * Stops accepting connections, lets requests in flight finish (up to `stopTimeout`), then closes
   * what is left. Resolves when the server is closed.
   */
  async stop(): Promise<void> {
    liveServers.delete(this);
    this.closeConnectionsAfterResponses();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const deadline = Date.now() + this.options.stopTimeout;
    // Upgraded sockets are outside Node's connection tracking: ask their WebSockets to close (1001).
    const app = this.app as Partial<Application> & { closeUpgraded?: (sockets: Iterable<Duplex>) => void };
    if (this.upgraded.size && typeof app === "object" && typeof app.closeUpgraded === "function") app.closeUpgraded(this.upgraded);
    while ((this.inFlight.size > 0 || this.upgraded.size) && Date.now() < deadline) {
      await sleep(20);
      this.server.closeIdleConnections();
    }
    for (const socket of this.upgraded) socket.destroy();
    this.server.closeAllConnections();
    await closed;
  }
}
