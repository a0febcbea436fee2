import cluster from "node:cluster";
import net from "node:net";
import type { HTTPServer } from "../http/server.js";
import { genLog } from "../log/logger.js";
import { identity, isWorker } from "./identity.js";
import { isTyphoonMessage, type ToPrimary, type ToWorker, type WorkerStats } from "./messages.js";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * The worker side of a process group: counts requests, answers the primary's questions, and drains
 * on the primary's word. Every HTTPServer that listens in a worker is attached here.
 */
const attached: HTTPServer[] = [];
let draining = false;
let installed = false;
const pendingStatus = new Map<number, (status: unknown) => void>();
let closedAck: (() => void) | null = null;
let nextId = 1;

function send(message: ToPrimary): void {
  if (process.connected) process.send!(message, undefined, undefined, () => undefined);
}

function install(): void {
  if (installed || !isWorker()) return;
  installed = true;
  process.on("message", (m: unknown) => {
    if (!isTyphoonMessage(m)) return;
    const msg = m as ToWorker;
    if (msg.typhoon === "stats") send({ typhoon: "stats-reply", id: msg.id, ...stats() });
    else if (msg.typhoon === "drain") void drain(msg.timeout);
    else if (msg.typhoon === "closed-ack") closedAck?.();
    else if (msg.typhoon === "status-reply") {
      pendingStatus.get(msg.id)?.(msg.status);
      pendingStatus.delete(msg.id);
    }
  });
  // The primary is the one to signal; a HUP or USR2 sent to the whole process group must not kill workers.
  process.on("SIGHUP", () => undefined);
  process.on("SIGUSR2", () => undefined);
}

/** What this worker reports to the primary's status table. */
export function stats(): WorkerStats {
  const mem = process.memoryUsage();
  const requests = attached.reduce((sum, server) => sum + server.requestCount, 0);
  return { requests, rss: mem.rss, heapUsed: mem.heapUsed };
}

/** Called for every HTTPServer about to listen in a worker: its requests count in this worker's stats. */
export function attachServer(server: HTTPServer): void {
  if (!isWorker() || attached.includes(server)) return;
  install();
  attached.push(server);
  server.server.once("listening", () => {
    releaseChannel();
    if (identity().readyOn === "listening") send({ typhoon: "ready" });
  });
}

// Once a worker listens, the IPC channel must not keep it alive on its own: a worker whose servers
// the app stops (`server.stop()`) exits like a single process would (and the primary, seeing exit
// status 0, does not restart it). Before that it must: cluster's listen is an IPC round trip.
function releaseChannel(): void {
  process.channel?.unref();
}

/** Tells the primary this worker is listening on every port it bound. */
export function signalReady(): void {
  install();
  releaseChannel();
  send({ typhoon: "ready" });
}

/** Asks the primary for the group's status (used by the status handler in a worker). */
export function requestGroupStatus(timeoutMs = 2000): Promise<unknown> {
  install();
  const id = nextId++;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      pendingStatus.delete(id);
      resolve(null);
    }, timeoutMs);
    pendingStatus.set(id, (status) => {
      clearTimeout(timer);
      resolve(status);
    });
    send({ typhoon: "status-request", id });
  });
}

/**
 * Graceful exit of a worker: stop accepting (without dropping idle keep-alive connections at once,
 * which a client may be writing to), answer what is in flight with `Connection: close`, give idle
 * connections a moment to send their last request, then exit 0. Bounded by `timeout`.
 */
export async function drain(timeout: number): Promise<void> {
  if (draining) return;
  draining = true;
  const deadline = Date.now() + timeout;
  if (!attached.length) {
    // Servers we do not know (plain http.createServer after startProcesses): let cluster close them.
    cluster.worker?.disconnect();
    setTimeout(() => process.exit(0), timeout).unref();
    return;
  }
  const closed = attached.map((server) => {
    // Every response from now on closes its connection, so a keep-alive client moves to another worker
    // after its current request instead of finding a closed socket.
    server.closeConnectionsAfterResponses();
    // net.Server's close, not http.Server's: the latter also destroys idle keep-alive sockets at once.
    return new Promise<void>((resolve) => net.Server.prototype.close.call(server.server, () => resolve()));
  });
  // A round trip to the primary: once it has seen our close, no connection is being routed to us.
  await Promise.race([new Promise<void>((r) => { closedAck = r; send({ typhoon: "closed" }); }), sleep(1000)]);
  const allClosed = Promise.all(closed).then(() => true);
  // Idle keep-alive connections get a moment to send one more request (answered with Connection: close).
  const idleWait = Math.min(1000, timeout / 2);
  if (!(await Promise.race([allClosed, sleep(idleWait).then(() => false)]))) {
    for (const server of attached) server.server.closeIdleConnections();
    while (Date.now() < deadline && !(await Promise.race([allClosed, sleep(20).then(() => false)]))) {
      for (const server of attached) server.server.closeIdleConnections();
    }
  }
  for (const server of attached) server.server.closeAllConnections();
  await Promise.race([allClosed, sleep(500)]);
  genLog.info(`worker ${identity().taskId} (pid ${process.pid}) drained, exiting`);
  send({ typhoon: "stats-reply", id: 0, ...stats() });
  process.exit(0);
}

// Tell the primary why this worker dies (also at start-up, before any server exists), so a give-up
// message can name the last error.
if (isWorker()) {
  process.on("uncaughtExceptionMonitor", (err) => {
    send({ typhoon: "error", message: String((err as Error)?.stack ?? err).split("\n").slice(0, 6).join("\n") });
  });
}
