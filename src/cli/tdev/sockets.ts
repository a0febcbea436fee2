/**
 * The listening sockets tdev holds across restarts. Each is a bound handle whose fd every app process
 * inherits, so a restart never closes the port and no connection is refused in between.
 */
import net from "node:net";

/** A bound server handle (from `--port`, or handed over by the first app process over IPC). */
export interface HeldHandle {
  fd: number;
  close?: (cb?: () => void) => void;
}

/** port → handle, in the order the ports became known. */
export class HeldSockets {
  private readonly byPort = new Map<number, HeldHandle>();

  has(port: number): boolean {
    return this.byPort.has(port);
  }

  get size(): number {
    return this.byPort.size;
  }

  add(port: number, handle: HeldHandle): void {
    this.byPort.set(port, handle);
  }

  /** port → fd, what a child's stdio layout needs. */
  fds(): Map<number, number> {
    return new Map([...this.byPort].map(([p, h]) => [p, h.fd] as [number, number]));
  }

  /** Identifies the set of ports, so a standby spawned before a port was known can be told apart. */
  key(): string {
    return [...this.byPort.keys()].join(",");
  }
}

/** The message for a port another process holds. */
export const portInUse = (port: number): string => `port ${port} is already in use: another process holds it (stop it, or run the app on another port)`;

/**
 * Binds `port` in tdev without listening: the app's listen() does that on the inherited fd. Returns the
 * handle, or an error message.
 */
export function bindPort(port: number, host?: string): HeldHandle | string {
  // net's internal constructor: the public API cannot bind without also listening.
  const create = (net as unknown as { _createServerHandle: (a: string | null, p: number, t: number, fd?: number, flags?: number) => HeldHandle | number })._createServerHandle;
  let h = host ? create(host, port, net.isIPv6(host) ? 6 : 4) : create("::", port, 6);
  if (typeof h === "number" && !host) h = create("0.0.0.0", port, 4);
  if (typeof h === "number") {
    const inUse = h === -98 || h === -48;
    return inUse ? portInUse(port) : `cannot bind port ${port}${host ? ` on ${host}` : ""} (error ${h})`;
  }
  return h;
}

/** Checks that nobody listens on the port (a bound-only socket would not notice until the app listens). */
export function probePort(port: number, host?: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once("error", (err: NodeJS.ErrnoException) => resolve(err.code === "EADDRINUSE" ? portInUse(port) : `cannot bind port ${port}: ${err.message}`));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(undefined)));
  });
}
