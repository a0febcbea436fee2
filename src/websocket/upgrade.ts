import http, { type IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { RequestContext } from "../http/request.js";
import type { Application } from "../web/application.js";

/** What an upgrade request carries besides the request: its socket, the bytes read past the head, the stand-in response. */
export interface PendingUpgrade {
  socket: Duplex;
  head: Buffer;
  response: http.ServerResponse;
}

/** Something that can be asked to go away when the server stops (a live WebSocket). */
export interface Closable {
  close(code?: number, reason?: string): void;
}

const pending = new WeakMap<IncomingMessage, PendingUpgrade>();
const live = new WeakMap<Duplex, Closable>();

/** The socket and head of an upgrade request still in its HTTP phase, or undefined for a plain request. */
export function pendingUpgrade(req: IncomingMessage): PendingUpgrade | undefined {
  return pending.get(req);
}

/**
 * Takes the socket away from the stand-in response so that `ws` can own it. Returns it (and the head),
 * or undefined when the request did not come through an upgrade or was already taken.
 */
export function takeUpgrade(req: IncomingMessage): PendingUpgrade | undefined {
  const p = pending.get(req);
  if (!p) return undefined;
  pending.delete(req);
  p.response.detachSocket(p.socket as Socket);
  p.socket.removeListener("error", destroyOnError);
  return p;
}

/** Remembers which handler owns an upgraded socket, so that a stopping server can close it politely. */
export function registerLive(socket: Duplex, owner: Closable): void {
  live.set(socket, owner);
  socket.once("close", () => live.delete(socket));
}

function destroyOnError(this: Duplex): void {
  this.destroy();
}

/**
 * Serves a request that came through the server's `upgrade` event. Node hands over a bare socket; a
 * `ServerResponse` bound to it lets the ordinary handler machinery run (routing, cookies,
 * `getCurrentUser`, `prepare()`, error pages), so a `WebSocketHandler` can refuse with a normal 403 and
 * any other handler answers as usual, on a connection that closes afterwards. A `WebSocketHandler`
 * then detaches the socket (`takeUpgrade`) and gives it to `ws`.
 */
export function handleUpgrade(app: Application, req: IncomingMessage, socket: Duplex, head: Buffer, context: RequestContext): void {
  socket.on("error", destroyOnError);
  const response = new http.ServerResponse(req);
  response.shouldKeepAlive = false;
  response.assignSocket(socket as Socket);
  // Nothing parses the connection after this response: close it once the answer is out.
  response.once("finish", () => socket.end());
  const length = req.headers["content-length"];
  if ((length !== undefined && length !== "0") || req.headers["transfer-encoding"] !== undefined) {
    // Node stops parsing at the head of an upgrade request; a body could not be read reliably.
    const body = "Upgrade requests with a body are not served\n";
    response.writeHead(400, { "Content-Type": "text/plain; charset=UTF-8", "Content-Length": Buffer.byteLength(body) });
    response.end(body);
    return;
  }
  pending.set(req, { socket, head, response });
  void app.handleRequest(req, response, context);
}

/**
 * Asks every live WebSocket on these sockets to close with 1001 (going away), as a stopping server
 * does; the caller destroys whatever is still open at its deadline.
 */
export function closeUpgraded(sockets: Iterable<Duplex>): void {
  for (const socket of sockets) {
    const owner = live.get(socket);
    if (owner) {
      try {
        owner.close(1001, "server shutting down");
      } catch {
        socket.destroy();
      }
    }
  }
}
