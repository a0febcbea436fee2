import type { RawData, WebSocket } from "ws";
import { RequestHandler, type ErrorInfo } from "../web/handler.js";
import { appLog, genLog } from "../log/logger.js";
import { WebSocketClosedError } from "./errors.js";
import { registerLive, takeUpgrade } from "./upgrade.js";
import { setSelectedProtocol, wsServerFor, type CompressionOptions } from "./servers.js";
import { Buffer } from "node:buffer";

/** Bytes queued on a socket past which `writeMessage()`'s promise waits for them to be written. */
const WRITE_HIGH_WATER = 1024 * 1024;
const TEXT = { binary: false } as const;
const BINARY = { binary: true } as const;
const SENT: Promise<void> = Promise.resolve();

/** Options of {@link WebSocketHandler.writeMessage}. */
export interface WriteMessageOptions {
  /** Send a binary frame. Default: true for a Buffer/Uint8Array, false for a string or object. */
  binary?: boolean;
}

/** A WebSocket message as `onMessage` receives it: text frames as strings, binary frames as Buffers. */
export type WebSocketMessage = string | Buffer;

// Messages received while an async open()/onMessage() runs wait in order; past this many the socket is
// paused, so a client that sends faster than the handler works is held back instead of buffered.
const QUEUE_HIGH_WATER = 64;
const WS_OPEN = 1;
const KEY = /^[+/0-9A-Za-z]{22}==$/;

function noop(): void {}

function netloc(origin: string): string | null {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(origin);
  return m ? m[1]!.toLowerCase() : null;
}

/**
 * A WebSocket endpoint, in Tornado's shape: route it like any handler; `getCurrentUser()`, cookies and
 * `prepare()` run on the upgrade request (so `authenticated` and 403s work), then `open(...pathArgs)`,
 * `onMessage(message)` for each message (in order, each awaited when async) and `onClose()` once.
 * Built on the `ws` package.
 *
 * ```ts
 * class Echo extends WebSocketHandler {
 *   onMessage(message: string | Buffer) { void this.writeMessage(message); }
 * }
 * ```
 */
export class WebSocketHandler extends RequestHandler {
  /** The `ws` connection, once open (null before the upgrade). */
  ws: WebSocket | null = null;
  /** The close code the peer sent, once closed (null when it sent none). */
  closeCode: number | null = null;
  /** The close reason the peer sent, once closed (null when it sent none). */
  closeReason: string | null = null;
  /** The subprotocol `selectSubprotocol()` chose, if any. */
  selectedSubprotocol: string | null = null;

  private upgraded = false;
  private onCloseCalled = false;
  private busy = true;
  private queue: WebSocketMessage[] = [];
  private paused = false;
  private pingTimer: NodeJS.Timeout | null = null;
  private pingSentAt = 0;

  /** Largest message accepted, in bytes; a bigger one closes the connection with 1009. Default: the `websocketMaxMessageSize` setting (10 MiB). */
  get maxMessageSize(): number {
    return this.settings.websocketMaxMessageSize;
  }

  /** Seconds between server pings; 0 disables. Default: the `websocketPingInterval` setting (0). */
  get pingInterval(): number {
    return Number(this.settings.websocketPingInterval ?? 0);
  }

  /** Seconds to wait for a pong before closing. Default: the `websocketPingTimeout` setting, else max(3 × interval, 30). */
  get pingTimeout(): number {
    const configured = this.settings.websocketPingTimeout;
    return typeof configured === "number" ? configured : Math.max(3 * this.pingInterval, 30);
  }

  // ---------------------------------------------------------------- to override

  /** Runs once the connection is open, with the route's capture groups; may be async (messages wait for it). */
  open(..._args: string[]): void | Promise<void> {}

  /** Handles one message: text as a string, binary as a Buffer. May be async: the next message waits. */
  onMessage(_message: WebSocketMessage): void | Promise<void> {
    throw new Error(`${this.constructor.name} must define onMessage(message)`);
  }

  /** Runs once when the connection closes (`closeCode`/`closeReason` are set). */
  onClose(): void {}

  /** Runs when a ping arrives (the pong is sent for you). */
  onPing(_data: Buffer): void {}

  /** Runs when a pong arrives. */
  onPong(_data: Buffer): void {}

  /**
   * Whether to accept an upgrade from this `Origin`. Default, as Tornado: only the same origin (the
   * origin's host and port equal the `Host` header). Requests without an Origin (non-browser
   * clients) are always accepted. Override to allow other sites.
   */
  checkOrigin(origin: string): boolean {
    const host = this.request.headers.host;
    const from = netloc(origin);
    return from !== null && host !== undefined && from === host.toLowerCase();
  }

  /** Picks one of the subprotocols the client offered (in its order), or null for none. */
  selectSubprotocol(_subprotocols: string[]): string | null {
    return null;
  }

  /** permessage-deflate options; null (the default) turns compression off, `{}` turns it on with defaults. */
  getCompressionOptions(): CompressionOptions | null {
    return null;
  }

  // ---------------------------------------------------------------- the upgrade

  /** Answers the upgrade request: checks it as Tornado does, then hands the socket to `ws`. */
  async get(...args: string[]): Promise<void> {
    const headers = this.request.headers;
    if (String(headers.upgrade ?? "").toLowerCase() !== "websocket") {
      return this.refuse(400, 'Can "Upgrade" only to "WebSocket".');
    }
    if (!String(headers.connection ?? "").split(",").some((v) => v.trim().toLowerCase() === "upgrade")) {
      return this.refuse(400, '"Connection" must be "Upgrade".');
    }
    const origin = headers.origin ?? (headers["sec-websocket-origin"] as string | undefined);
    if (origin !== undefined && !this.checkOrigin(origin)) {
      return this.refuse(403, "Cross origin websockets not allowed");
    }
    const version = String(headers["sec-websocket-version"] ?? "");
    if (version !== "13" && version !== "8") {
      this.setHeader("Sec-WebSocket-Version", "13, 8");
      return this.refuse(426, "Unsupported WebSocket version", "Upgrade Required");
    }
    if (!KEY.test(String(headers["sec-websocket-key"] ?? "").trim())) {
      return this.refuse(400, "Missing/Invalid WebSocket headers");
    }
    const offered = String(headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim()).filter(Boolean);
    if (offered.length) {
      const chosen = this.selectSubprotocol(offered);
      if (chosen !== null && !offered.includes(chosen)) {
        throw new Error(`selectSubprotocol() returned ${JSON.stringify(chosen)}, which the client did not offer`);
      }
      this.selectedSubprotocol = chosen;
    }
    const server = wsServerFor(this.maxMessageSize, this.getCompressionOptions());
    const upgrade = takeUpgrade(this.request.raw);
    if (!upgrade) return this.refuse(400, 'Can "Upgrade" only to "WebSocket".');
    setSelectedProtocol(this.request.raw, this.selectedSubprotocol);
    this.upgraded = true;
    server.handleUpgrade(this.request.raw, upgrade.socket, upgrade.head, (ws) => this.attach(ws, upgrade.socket, args));
  }

  private refuse(status: number, message: string, reason?: string): void {
    this.setStatus(status, reason);
    genLog.debug(`${message} (${this.request.method} ${this.request.uri})`);
    void this.finish(message);
  }

  private attach(ws: WebSocket, socket: import("node:stream").Duplex, args: string[]): void {
    this.ws = ws;
    registerLive(socket, this);
    this.setStatus(101);
    this.request.markFinished();
    this.application.logRequest(this);
    ws.on("message", (data: RawData, isBinary: boolean) => this.receive(isBinary ? (data as Buffer) : (data as Buffer).toString("utf8")));
    ws.on("close", (code: number, reason: Buffer) => this.closed(code, reason));
    // `ws` reports protocol errors (oversized or malformed frames) here, then closes with the right code.
    ws.on("error", (err: Error) => genLog.debug(`WebSocket ${this.request.path}: ${err.message}`));
    ws.on("ping", (data: Buffer) => this.callback("onPing", () => this.onPing(data)));
    ws.on("pong", (data: Buffer) => {
      this.pingSentAt = 0;
      this.callback("onPong", () => this.onPong(data));
    });
    if (this.pingInterval > 0) this.startPings();
    let opened: void | Promise<void>;
    try {
      opened = this.open(...args);
    } catch (err) {
      return this.fail("open", err);
    }
    if (opened && typeof (opened as Promise<void>).then === "function") {
      (opened as Promise<void>).then(() => this.drain(), (err: unknown) => this.fail("open", err));
    } else this.drain();
  }

  private receive(message: WebSocketMessage): void {
    if (this.busy) {
      this.queue.push(message);
      if (this.queue.length >= QUEUE_HIGH_WATER && !this.paused && this.ws) {
        this.paused = true;
        this.ws.pause();
      }
      return;
    }
    this.dispatch(message);
  }

  // Runs onMessage; a returned promise holds back the following messages until it settles.
  private dispatch(message: WebSocketMessage): void {
    let result: void | Promise<void>;
    try {
      result = this.onMessage(message);
    } catch (err) {
      return this.fail("onMessage", err);
    }
    if (result && typeof (result as Promise<void>).then === "function") {
      this.busy = true;
      (result as Promise<void>).then(() => this.drain(), (err: unknown) => this.fail("onMessage", err));
    }
  }

  private drain(): void {
    this.busy = false;
    while (this.queue.length && !this.busy && !this.onCloseCalled) this.dispatch(this.queue.shift()!);
    if (!this.busy && this.paused && this.ws) {
      this.paused = false;
      this.ws.resume();
    }
  }

  private fail(where: string, err: unknown): void {
    appLog.error(`Uncaught exception in ${this.constructor.name}.${where} (${this.request.path})\n${(err as Error)?.stack ?? String(err)}`);
    this.busy = true;
    this.queue = [];
    this.close(1011, "Internal error");
  }

  private callback(where: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.fail(where, err);
    }
  }

  private closed(code: number, reason: Buffer): void {
    this.closeCode = code === 1005 || code === 1006 ? null : code;
    this.closeReason = reason.length ? reason.toString("utf8") : null;
    this.stopPings();
    this.queue = [];
    if (this.onCloseCalled) return;
    this.onCloseCalled = true;
    try {
      this.onClose();
    } catch (err) {
      appLog.error(`Uncaught exception in ${this.constructor.name}.onClose (${this.request.path})\n${(err as Error)?.stack ?? String(err)}`);
    }
  }

  private startPings(): void {
    const everyMs = this.pingInterval * 1000;
    const timeoutMs = this.pingTimeout * 1000;
    this.pingTimer = setInterval(() => {
      const ws = this.ws;
      if (!ws || ws.readyState !== WS_OPEN) return this.stopPings();
      if (this.pingSentAt && Date.now() - this.pingSentAt > timeoutMs) {
        genLog.debug(`WebSocket ${this.request.path}: no pong within ${this.pingTimeout}s, closing`);
        ws.terminate();
        return;
      }
      if (!this.pingSentAt) this.pingSentAt = Date.now();
      ws.ping();
    }, everyMs);
    this.pingTimer.unref();
  }

  private stopPings(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  // ---------------------------------------------------------------- output

  /**
   * Sends a message: a string as text, a Buffer as binary (unless `binary` says otherwise), a plain
   * object as JSON text. Resolves at once while little is queued, else once the queue has drained to
   * the socket (await it to respect a slow reader). Throws
   * {@link WebSocketClosedError} when the connection is closed (and rejects with it if it closes while
   * sending; not awaiting the promise is fine).
   */
  writeMessage(message: string | Buffer | Uint8Array | object, options: WriteMessageOptions = {}): Promise<void> {
    const ws = this.ws;
    if (!ws || ws.readyState !== WS_OPEN) throw new WebSocketClosedError();
    let data: string | Uint8Array;
    let binary: boolean;
    if (typeof message === "string") {
      data = message;
      binary = options.binary ?? false;
    } else if (message instanceof Uint8Array) {
      data = message;
      binary = options.binary ?? true;
    } else {
      data = JSON.stringify(message);
      binary = options.binary ?? false;
    }
    // While little is queued the message counts as handed over at once: no per-message callback and
    // promise (they cost ws's fast path about a tenth of echo throughput). Past the high-water mark the
    // promise waits for the socket, which is the backpressure a producer that awaits relies on.
    if (ws.bufferedAmount < WRITE_HIGH_WATER) {
      ws.send(data, binary ? BINARY : TEXT);
      return SENT;
    }
    const sent = new Promise<void>((resolve, reject) => {
      ws.send(data, binary ? BINARY : TEXT, (err) => (err ? reject(new WebSocketClosedError(`WebSocket closed while sending: ${err.message}`)) : resolve()));
    });
    sent.catch(noop);
    return sent;
  }

  /** Sends a ping (Tornado's `ping(data)`); the pong arrives in `onPong`. */
  ping(data: string | Buffer = Buffer.alloc(0)): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WS_OPEN) throw new WebSocketClosedError();
    ws.ping(data);
  }

  /** Starts the closing handshake (code default 1000); `onClose` runs once the peer answers or drops. */
  close(code?: number, reason?: string): void {
    const ws = this.ws;
    if (!ws || ws.readyState > WS_OPEN) return;
    ws.close(code ?? 1000, reason);
  }

  /** Before the upgrade this is the HTTP answer; after it, there is no HTTP response left to finish. */
  override finish(chunk?: string | Buffer | Uint8Array | object): Promise<void> {
    if (this.upgraded) return Promise.resolve();
    return super.finish(chunk);
  }

  /** After the upgrade an error cannot become an error page: the connection is closed with 1011 instead. */
  override sendError(status = 500, info: ErrorInfo = {}): void {
    if (!this.upgraded) return super.sendError(status, info);
    this.close(1011, "Internal error");
  }
}
