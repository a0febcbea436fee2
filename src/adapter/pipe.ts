import { Duplex } from "node:stream";

/**
 * One end of an in-memory, socket-like byte pipe. `app.fetch` runs Node's own HTTP/1.1 server and
 * client over a pair of these, so a Fetch `Request` reaches the handler pipeline as a real
 * `IncomingMessage`/`ServerResponse` (parsing, chunking, HEAD, 304 and multiple `Set-Cookie` all
 * behave as on a socket) without touching the network.
 */
export class PipeEnd extends Duplex {
  other!: PipeEnd;
  /** What `request.remoteIp` sees in fetch mode. */
  remoteAddress: string | undefined;
  remotePort: number | undefined;
  localAddress = "127.0.0.1";
  localPort = 0;
  encrypted: boolean | undefined;
  private pendingWrite: (() => void) | null = null;

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.other.destroyed) return callback(new Error("the other end of the pipe is closed"));
    // Backpressure: hold the callback until the reader asks for more.
    if (this.other.push(chunk)) callback();
    else this.other.pendingWrite = () => callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.other.push(null);
    callback();
  }

  override _read(): void {
    const resume = this.pendingWrite;
    this.pendingWrite = null;
    resume?.();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const resume = this.pendingWrite;
    this.pendingWrite = null;
    resume?.();
    if (!this.other.destroyed) this.other.destroy();
    callback(error);
  }

  // What http's server and client call on a net.Socket.
  setTimeout(_ms: number, _cb?: () => void): this { return this; }
  setNoDelay(_noDelay?: boolean): this { return this; }
  setKeepAlive(_enable?: boolean, _delay?: number): this { return this; }
  ref(): this { return this; }
  unref(): this { return this; }
  address(): { address: string; family: string; port: number } {
    return { address: this.localAddress, family: "IPv4", port: this.localPort };
  }
}

/** Two connected ends: what one writes, the other reads. */
export function pipePair(): [PipeEnd, PipeEnd] {
  const a = new PipeEnd();
  const b = new PipeEnd();
  a.other = b;
  b.other = a;
  return [a, b];
}
