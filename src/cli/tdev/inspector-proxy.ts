/**
 * Keeps `--inspect`'s port stable across restarts. Each app process runs its inspector on an ephemeral
 * port and reports `inspector.url()`; tdev listens on the port the user asked for and pipes each
 * connection to the current process, rewriting the target id in the first request line so a debugger
 * that reconnects with an old URL reaches the new process. Node builds the `webSocketDebuggerUrl` in
 * /json responses from the Host header, so those already point at the proxy; Host must stay an IP or
 * `localhost` (Node's DNS-rebinding check), which is what a local debugger sends.
 */
import net from "node:net";

/** A target: the current app's inspector. */
export interface InspectorTarget {
  host: string;
  port: number;
  id: string;
}

/** Parses `ws://127.0.0.1:9229/uuid`. */
export function parseInspectorUrl(url: string): InspectorTarget | undefined {
  const m = /^ws:\/\/([^/]+):(\d+)\/([\w-]+)/.exec(url);
  if (!m) return undefined;
  return { host: m[1].replace(/^\[|\]$/g, ""), port: Number(m[2]), id: m[3] };
}

/** The proxy: `setTarget()` on every restart. */
export class InspectorProxy {
  private server: net.Server;
  private target: InspectorTarget | undefined;
  private readonly waiting: (() => void)[] = [];
  private readonly open = new Set<net.Socket>();

  constructor(readonly host: string, readonly port: number) {
    this.server = net.createServer((s) => this.onConnection(s));
  }

  /** Starts listening; rejects when the port is taken. */
  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.port, this.host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
  }

  /** Points new connections at the current app process (undefined while none runs). */
  setTarget(t: InspectorTarget | undefined): void {
    this.target = t;
    if (t) for (const w of this.waiting.splice(0)) w();
  }

  /** Drops debugger sessions bound to the previous process. */
  dropSessions(): void {
    for (const s of this.open) s.destroy();
  }

  private onConnection(client: net.Socket): void {
    client.on("error", () => {});
    client.once("data", (first: Buffer) => {
      const route = () => {
        const t = this.target;
        if (!t) return false;
        let head = first.toString("latin1");
        // Any /<uuid> path (the id of an earlier process) goes to the current process's id.
        head = head.replace(/^(GET \/)([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(\b)/i, `$1${t.id}$3`);
        const upstream = net.connect(t.port, t.host);
        upstream.on("error", () => client.destroy());
        client.on("close", () => upstream.destroy());
        upstream.on("close", () => client.destroy());
        this.open.add(client);
        client.once("close", () => this.open.delete(client));
        upstream.write(Buffer.from(head, "latin1"));
        client.pipe(upstream);
        upstream.pipe(client);
        return true;
      };
      if (route()) return;
      // No app process yet (restarting): hold the request briefly instead of failing the debugger.
      const timer = setTimeout(() => {
        client.end("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      }, 5000);
      this.waiting.push(() => {
        clearTimeout(timer);
        if (!client.destroyed) route();
      });
    });
  }

  close(): void {
    this.dropSessions();
    this.server.close();
  }
}
