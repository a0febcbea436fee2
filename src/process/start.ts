import net from "node:net";
import type { HTTPServer } from "../http/server.js";
import { inspecting, recordListen } from "../deploy/inspect.js";
import { identity, isWorker } from "./identity.js";
import { processCount, resolveStartOptions, type StartOptions } from "./options.js";
import { Supervisor } from "./primary.js";
import { attachServer, signalReady } from "./worker.js";

/** A port and address given to `bind`, waiting for `start`. */
interface PendingBind {
  port: number;
  address: string | undefined;
}

const pending = new WeakMap<HTTPServer, PendingBind[]>();
const started = new WeakSet<HTTPServer>();

/** Thrown when multi-process mode is asked for together with autoreload. */
export class MultiProcessAutoreloadError extends Error {
  constructor(n: number | undefined) {
    super(
      `HTTPServer.start(${n ?? ""}) runs several processes, but the application has autoreload on (settings.autoreload, ` +
        `also turned on by debug: true). Autoreload and multi-process mode cannot be combined: use start(1) while ` +
        `developing (or tdev), or set autoreload: false for start(n).`,
    );
    this.name = "MultiProcessAutoreloadError";
  }
}

/** `HTTPServer.bind`: remembers a port (and address) for `start`. Checked for use when `start` runs. */
export function bindServer(server: HTTPServer, port: number, address?: string): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`bind(${port}): the port must be a whole number from 0 to 65535`);
  if (started.has(server)) throw new Error("bind() after start(): bind every port before calling start()");
  const list = pending.get(server) ?? [];
  list.push({ port, address });
  pending.set(server, list);
}

/** Binds a throwaway socket: a port in use fails here, in the primary, with a message naming it. */
function probe(port: number, address: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EADDRINUSE") reject(new Error(`Port ${port}${address ? ` on ${address}` : ""} is already in use: another process holds it. Stop that process or pick another port.`));
      else if (err.code === "EACCES") reject(new Error(`Port ${port}${address ? ` on ${address}` : ""} needs privileges this process lacks (ports below 1024 need root or CAP_NET_BIND_SERVICE).`));
      else if (err.code === "EADDRNOTAVAIL") reject(new Error(`Cannot bind port ${port}: address ${address} is not one of this machine's.`));
      else reject(err);
    });
    s.listen({ port, host: address, exclusive: true }, () => {
      const bound = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(bound));
    });
  });
}

function autoreloadOn(server: HTTPServer): boolean {
  const app = server.app as { settings?: { autoreload?: unknown } };
  return typeof app === "object" && Boolean(app.settings?.autoreload);
}

/**
 * `HTTPServer.start(n)`: serves the bound ports in `n` processes (`0`, `undefined` or negative: one per
 * CPU; `1`: this process). In the primary it never resolves (it supervises until the group ends, then
 * exits); in a worker, and with `n = 1`, it resolves with the task id (`null` in a single process)
 * once every bound port is listening.
 */
export async function startServer(server: HTTPServer, n?: number | null, options?: StartOptions | number): Promise<number | null> {
  if (started.has(server)) throw new Error("start() was already called on this HTTPServer");
  started.add(server);
  const binds = pending.get(server) ?? [];
  if (!binds.length) throw new Error("start() without bind(): call server.bind(port) first (or use server.listen(port))");
  if (n !== 1 && autoreloadOn(server)) throw new MultiProcessAutoreloadError(n ?? undefined);
  if (inspecting()) {
    for (const b of binds) await recordListen(server, b.port, b.address, { processes: n === 1 ? 1 : processCount(n) });
    return null;
  }
  if (isWorker()) {
    const ports = identity().ports;
    for (const [i, b] of binds.entries()) await server.listen(ports[i] ?? b.port, b.address);
    signalReady();
    return identity().taskId;
  }
  const count = n === 1 ? 1 : processCount(n);
  const ports: number[] = [];
  if (count === 1) {
    for (const b of binds) ports.push(await server.listen(b.port, b.address));
    return null;
  }
  for (const b of binds) ports.push(await probe(b.port, b.address));
  const opts = resolveStartOptions(options, server.options.stopTimeout);
  return new Supervisor({ ...opts, processes: count, ports, readyOn: "message" }).run();
}

/**
 * Tornado's `fork_processes`: starts `n` worker processes (`0`/`undefined`/negative: one per CPU)
 * running this same program, and resolves with the task id (`0 … n-1`) in each worker; in the primary
 * it never resolves. Unlike a Unix fork, each worker runs the program from the top, so code before
 * this call runs in every process. Servers the workers `listen` on share the port (node:cluster).
 */
export async function startProcesses(n?: number | null, options?: StartOptions | number): Promise<number | null> {
  if (isWorker()) return identity().taskId;
  if (inspecting()) return null;
  const opts = resolveStartOptions(options);
  return new Supervisor({ ...opts, processes: processCount(n), ports: [], readyOn: "listening" }).run();
}

/** Called by `HTTPServer.listen` in every process: attaches worker bookkeeping, or records the port when `typhoon config` inspects the app. */
export function beforeListen(server: HTTPServer, port: number, address: string | undefined): Promise<number> | undefined {
  if (inspecting()) return recordListen(server, port, address);
  attachServer(server);
  return undefined;
}
