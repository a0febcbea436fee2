// WebSocketHandler end to end: a real server on 127.0.0.1, real `ws` clients and raw sockets.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { Application, HTTPError, RequestHandler, WebSocketClosedError, WebSocketHandler, accessLog, appLog, genLog } from "typhoon";
import { rawRequest, serve, until, type TestServer } from "../helpers/http.js";

interface Events {
  opened: string[][];
  messages: (string | Buffer)[];
  closes: { code: number | null; reason: string | null }[];
  pongs: string[];
  errors: unknown[];
  handlers: WebSocketHandler[];
}
const ev: Events = { opened: [], messages: [], closes: [], pongs: [], errors: [], handlers: [] };
const logged: string[] = [];

class Echo extends WebSocketHandler {
  override open(...args: string[]) {
    ev.opened.push(args);
    ev.handlers.push(this);
  }
  override onMessage(message: string | Buffer) {
    ev.messages.push(message);
    if (message === "close-me") return this.close(4000, "as asked");
    if (message === "ping-me") return this.ping("hi");
    if (message === "json") return void this.writeMessage({ a: 1 });
    void this.writeMessage(message);
  }
  override onPong(data: Buffer) {
    ev.pongs.push(data.toString());
  }
  override onClose() {
    ev.closes.push({ code: this.closeCode, reason: this.closeReason });
  }
}

// Async onMessage: each message waits a random while; replies must still come in order.
class Slow extends WebSocketHandler {
  override async open() {
    await new Promise((r) => setTimeout(r, 50));
  }
  override async onMessage(message: string | Buffer) {
    await new Promise((r) => setTimeout(r, Math.random() * 5));
    await this.writeMessage("done " + message);
  }
}

class Small extends WebSocketHandler {
  override get maxMessageSize() {
    return 100;
  }
  override onMessage(message: string | Buffer) {
    void this.writeMessage(message);
  }
  override onClose() {
    ev.closes.push({ code: this.closeCode, reason: this.closeReason });
  }
}

// Routed like any handler: the current user comes from a cookie, prepare() may refuse.
class Private extends WebSocketHandler {
  override getCurrentUser() {
    return this.request.headers.cookie?.match(/user=(\w+)/)?.[1] ?? null;
  }
  override prepare() {
    if (!this.currentUser) throw new HTTPError(403);
  }
  override open() {
    void this.writeMessage("hello " + String(this.currentUser));
  }
  override onMessage() {}
}

class Protocols extends WebSocketHandler {
  override selectSubprotocol(offered: string[]) {
    return offered.includes("chat.v2") ? "chat.v2" : null;
  }
  override getCompressionOptions() {
    return {};
  }
  override open() {
    void this.writeMessage(`protocol=${this.selectedSubprotocol}`);
  }
  override onMessage(m: string | Buffer) {
    void this.writeMessage(m);
  }
}

class AnyOrigin extends WebSocketHandler {
  override checkOrigin() {
    return true;
  }
  override onMessage(m: string | Buffer) {
    void this.writeMessage(m);
  }
}

class Broken extends WebSocketHandler {
  override onMessage() {
    throw new Error("boom in onMessage");
  }
}

class Plain extends RequestHandler {
  get() {
    this.write("plain");
  }
}

let srv: TestServer;
let app: Application;

beforeAll(async () => {
  accessLog.level = false;
  for (const l of [appLog, genLog]) l.log = (level: string, message: string) => void logged.push(`${level} ${message}`);
  app = new Application([
    ["/echo/(\\w+)", Echo],
    ["/echo", Echo],
    ["/slow", Slow],
    ["/small", Small],
    ["/private", Private],
    ["/proto", Protocols],
    ["/any", AnyOrigin],
    ["/broken", Broken],
    ["/plain", Plain],
  ]);
  srv = await serve(app);
});
afterAll(async () => {
  await srv.close();
});
afterEach(() => {
  ev.opened = [];
  ev.messages = [];
  ev.closes = [];
  ev.pongs = [];
  ev.handlers = [];
  logged.length = 0;
});

/** Connects a `ws` client; resolves once open (or with the refusal status). */
function connect(path: string, options: ConstructorParameters<typeof WebSocket>[2] = {}, protocols?: string[]) {
  const ws = new WebSocket(`ws://127.0.0.1:${srv.port}${path}`, protocols, { origin: `http://127.0.0.1:${srv.port}`, ...options });
  const received: (string | Buffer)[] = [];
  let close: { code: number; reason: string } | null = null;
  ws.on("message", (data, isBinary) => received.push(isBinary ? (data as Buffer) : data.toString()));
  ws.on("close", (code, reason) => (close = { code, reason: reason.toString() }));
  ws.on("error", () => {});
  const ready = new Promise<{ ok: boolean; status?: number; body?: string }>((resolve) => {
    ws.on("open", () => resolve({ ok: true }));
    ws.on("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ ok: false, status: res.statusCode, body }));
    });
    ws.on("error", () => resolve({ ok: false }));
  });
  return { ws, received, ready, closed: () => close, next: async (n = 1) => (await until(() => received.length >= n, 3000), received) };
}

describe("WebSocketHandler", () => {
  it("echoes text as strings and binary as Buffers, passing path args to open()", async () => {
    const c = connect("/echo/room1");
    expect((await c.ready).ok).toBe(true);
    c.ws.send("hello");
    c.ws.send(Buffer.from([1, 2, 3]));
    c.ws.send("json");
    const got = await c.next(3);
    expect(got[0]).toBe("hello");
    expect(Buffer.isBuffer(got[1]) && [...(got[1] as Buffer)]).toEqual([1, 2, 3]);
    expect(got[2]).toBe('{"a":1}');
    expect(typeof ev.messages[0]).toBe("string");
    expect(Buffer.isBuffer(ev.messages[1])).toBe(true);
    expect(ev.opened).toEqual([["room1"]]);
    c.ws.close(1000, "bye");
    await until(() => ev.closes.length === 1);
    expect(ev.closes).toEqual([{ code: 1000, reason: "bye" }]);
  });

  it("runs onClose once, and writeMessage/ping then throw WebSocketClosedError", async () => {
    const c = connect("/echo");
    await c.ready;
    c.ws.terminate();
    await until(() => ev.closes.length === 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(ev.closes).toEqual([{ code: null, reason: null }]);
    const h = ev.handlers[0]!;
    expect(() => h.writeMessage("late")).toThrow(WebSocketClosedError);
    expect(() => h.ping()).toThrow(WebSocketClosedError);
    expect(() => h.close()).not.toThrow();
  });

  it("closes from the server with a code and reason, and pings with onPong", async () => {
    const c = connect("/echo");
    await c.ready;
    c.ws.send("ping-me");
    await until(() => ev.pongs.length === 1);
    expect(ev.pongs).toEqual(["hi"]);
    c.ws.send("close-me");
    await until(() => c.closed() !== null);
    expect(c.closed()).toEqual({ code: 4000, reason: "as asked" });
    await until(() => ev.closes.length === 1);
  });

  it("processes async onMessage in order and waits for an async open()", async () => {
    const c = connect("/slow");
    await c.ready;
    for (let i = 0; i < 200; i++) c.ws.send(String(i));
    const got = await until(() => c.received.length >= 200 && c.received, 5000);
    expect(got).toEqual(Array.from({ length: 200 }, (_, i) => "done " + i));
    c.ws.close();
  });

  it("closes with 1009 a message over maxMessageSize, and accepts one at the limit", async () => {
    const c = connect("/small");
    await c.ready;
    c.ws.send("x".repeat(100));
    await c.next(1);
    expect(c.received[0]).toBe("x".repeat(100));
    c.ws.send("y".repeat(101));
    await until(() => c.closed() !== null);
    expect(c.closed()!.code).toBe(1009);
    await until(() => ev.closes.length === 1);
  });

  it("defaults maxMessageSize to the websocketMaxMessageSize setting", async () => {
    const small = new Application([["/echo", Echo]], { websocketMaxMessageSize: 10 });
    const s = await serve(small);
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${s.port}/echo`);
      const code = await new Promise<number>((resolve) => {
        ws.on("open", () => ws.send("01234567890"));
        ws.on("close", (c) => resolve(c));
        ws.on("error", () => {});
      });
      expect(code).toBe(1009);
    } finally {
      await s.close();
    }
  });

  it("refuses a cross-origin upgrade with 403 and never opens", async () => {
    const c = connect("/echo", { origin: "http://evil.example" });
    const r = await c.ready;
    expect(r).toMatchObject({ ok: false, status: 403 });
    expect(r.body).toContain("Cross origin websockets not allowed");
    expect(ev.opened).toEqual([]);
    const same = connect("/echo", { origin: `http://127.0.0.1:${srv.port}`, headers: {} });
    expect((await same.ready).ok).toBe(true);
    same.ws.close();
    const other = connect("/any", { origin: "http://evil.example" });
    expect((await other.ready).ok).toBe(true);
    other.ws.close();
  });

  it("accepts a client that sends no Origin (not a browser)", async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/echo`);
    await new Promise((resolve, reject) => {
      ws.on("open", resolve);
      ws.on("error", reject);
    });
    ws.close();
  });

  it("answers a plain GET with 400 Can \"Upgrade\" only to \"WebSocket\"", async () => {
    const res = await fetch(`${srv.url}/echo`);
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('Can "Upgrade" only to "WebSocket".');
  });

  it("answers a bad version with 426 and a bad key with 400", async () => {
    const head = (extra: string) =>
      `GET /echo HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n${extra}\r\n`;
    const v = await rawRequest(srv.port, head("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 5\r\n"));
    expect(v).toMatch(/^HTTP\/1\.1 426 Upgrade Required/);
    expect(v).toMatch(/Sec-WebSocket-Version: 13, 8/i);
    const k = await rawRequest(srv.port, head("Sec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n"));
    expect(k).toMatch(/^HTTP\/1\.1 400 /);
    expect(k).toMatch(/Connection: close/i);
  });

  it("runs getCurrentUser() and prepare() before the upgrade (cookies, 403)", async () => {
    const anon = connect("/private");
    expect(await anon.ready).toMatchObject({ ok: false, status: 403 });
    const user = connect("/private", { headers: { Cookie: "user=alice" } });
    expect((await user.ready).ok).toBe(true);
    expect(await user.next(1)).toEqual(["hello alice"]);
    user.ws.close();
  });

  it("selects a subprotocol and negotiates permessage-deflate when asked", async () => {
    const c = connect("/proto", {}, ["chat.v1", "chat.v2"]);
    expect((await c.ready).ok).toBe(true);
    expect(c.ws.protocol).toBe("chat.v2");
    expect(c.ws.extensions).toContain("permessage-deflate");
    const big = "z".repeat(5000);
    c.ws.send(big);
    expect(await c.next(2)).toEqual(["protocol=chat.v2", big]);
    c.ws.close();
    const plain = connect("/echo");
    await plain.ready;
    expect(plain.ws.extensions).toBe("");
    plain.ws.close();
  });

  it("logs an exception in onMessage and closes with 1011", async () => {
    const c = connect("/broken");
    await c.ready;
    c.ws.send("x");
    await until(() => c.closed() !== null);
    expect(c.closed()!.code).toBe(1011);
    expect(logged.some((l) => l.startsWith("error") && l.includes("boom in onMessage"))).toBe(true);
  });

  it("serves plain handlers and unknown routes on the upgrade path, then closes the connection", async () => {
    const up = (path: string) =>
      rawRequest(srv.port, `GET ${path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n`);
    const plain = await up("/plain");
    expect(plain).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(plain).toMatch(/Connection: close/i);
    expect(plain.endsWith("plain")).toBe(true);
    expect(await up("/nowhere")).toMatch(/^HTTP\/1\.1 404 /);
    const body = await rawRequest(srv.port, "POST /plain HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade\r\nContent-Length: 3\r\n\r\nabc");
    expect(body).toMatch(/^HTTP\/1\.1 400 /);
  });

  it("closes open WebSockets with 1001 when the server stops", async () => {
    const own = await serve(new Application([["/echo", Echo]]));
    const ws = new WebSocket(`ws://127.0.0.1:${own.port}/echo`);
    ws.on("error", () => {});
    await new Promise((r) => ws.on("open", r));
    const code = new Promise<number>((resolve) => ws.on("close", resolve));
    const t0 = Date.now();
    await own.close();
    expect(await code).toBe(1001);
    expect(Date.now() - t0).toBeLessThan(5000);
    await until(() => ev.closes.length === 1);
  });

  it("holds back a client that floods a slow handler (socket paused, queue bounded)", async () => {
    let maxQueued = 0;
    class Glacial extends WebSocketHandler {
      override async onMessage() {
        maxQueued = Math.max(maxQueued, (this as unknown as { queue: unknown[] }).queue.length);
        await new Promise((r) => setTimeout(r, 1));
      }
    }
    const own = await serve(new Application([["/g", Glacial]]));
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${own.port}/g`);
      ws.on("error", () => {});
      await new Promise((r) => ws.on("open", r));
      const payload = "p".repeat(1024);
      // Send until the client's own buffer backs up: the server stopped reading.
      const t0 = Date.now();
      while (Date.now() - t0 < 3000 && ws.bufferedAmount < 4 * 1024 * 1024) {
        for (let i = 0; i < 256; i++) ws.send(payload);
        await new Promise((r) => setImmediate(r));
      }
      expect(ws.bufferedAmount).toBeGreaterThan(1024 * 1024);
      // Without pausing, the server would have queued thousands of the 4 MiB+ sent.
      expect(maxQueued).toBeLessThan(500);
      ws.terminate();
    } finally {
      await own.close();
    }
  });
  it("writeMessage() waits for a slow reader once its queue passes the high-water mark", async () => {
    const CHUNK = 64 * 1024;
    const TOTAL = 1024; // 64 MiB, if nothing held the producer back
    let sent = 0;
    class Producer extends WebSocketHandler {
      override async open() {
        const chunk = Buffer.alloc(CHUNK, 1);
        try {
          for (; sent < TOTAL; sent++) await this.writeMessage(chunk);
        } catch {
          /* the client went away */
        }
      }
      override onMessage() {}
    }
    const own = await serve(new Application([["/produce", Producer]]));
    const net = await import("node:net");
    const socket = net.connect(own.port, "127.0.0.1");
    try {
      // A client that completes the handshake and then never reads.
      socket.write(`GET /produce HTTP/1.1\r\nHost: 127.0.0.1:${own.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
      socket.pause();
      await until(() => sent > 0, 3000);
      await new Promise((r) => setTimeout(r, 1000));
      // Kernel buffers plus the 1 MiB high-water mark, far from the 64 MiB it would queue unchecked.
      expect(sent).toBeGreaterThan(0);
      expect(sent * CHUNK).toBeLessThan(24 * 1024 * 1024);
    } finally {
      socket.destroy();
      await own.close();
    }
  });
});
