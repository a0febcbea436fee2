// app.fetch, app.handler in node:http / http2 compat / Connect-style chains, FallbackHandler.
import http from "node:http";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Application, FallbackHandler, RequestHandler } from "typhoon";

class Hi extends RequestHandler {
  get(name: string): void {
    this.addHeader("Set-Cookie", "a=1; Path=/");
    this.addHeader("Set-Cookie", "b=2; HttpOnly");
    this.write(`hi ${name} ${this.request.remoteIp} ${this.request.protocol} ${this.request.host}`);
  }
  post(): void {
    this.write({ body: this.request.body.toString(), x: this.getBodyArgument("x", "") });
  }
}
class Streamer extends RequestHandler {
  async get(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      this.write(`chunk${i}\n`);
      await this.flush();
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
class Boom extends RequestHandler {
  get(): void {
    throw new Error("kaboom");
  }
}
class Teapot extends RequestHandler {
  get(): void {
    this.setStatus(418);
    this.setHeader("X-Thing", "yes");
    this.write("short and stout");
  }
}
let closedSeen = false;
class Hang extends RequestHandler {
  async get(): Promise<void> {
    this.write("start");
    await this.flush();
    await new Promise((r) => setTimeout(r, 2000));
  }
  override onConnectionClose(): void {
    closedSeen = true;
  }
}

const legacy = (req: http.IncomingMessage, res: http.ServerResponse) => {
  let body = "";
  req.on("data", (d) => (body += d));
  req.on("end", () => {
    res.setHeader("Set-Cookie", ["x=1", "y=2"]);
    res.writeHead(201, { "Content-Type": "text/plain" });
    res.end(`legacy ${req.method} ${req.url} [${body}]`);
  });
};
// A Connect-style middleware chain of our own: (req, res, next).
function connectLike(...stack: Array<(req: http.IncomingMessage, res: http.ServerResponse, next: (err?: unknown) => void) => void>) {
  return (req: http.IncomingMessage, res: http.ServerResponse, done?: (err?: unknown) => void) => {
    let i = 0;
    const next = (err?: unknown): void => {
      const layer = stack[i++];
      if (err || !layer) return done ? done(err) : void res.writeHead(err ? 500 : 404).end();
      layer(req, res, next);
    };
    next();
  };
}
const connectApp = connectLike(
  (req, _res, next) => { (req as { seen?: string }).seen = "mw"; next(); },
  (req, res, next) => (req.url?.startsWith("/connect/ok") ? res.end(`connect ${(req as { seen?: string }).seen} ${req.url}`) : next()),
  (req, _res, next) => (req.url?.startsWith("/connect/err") ? next(new Error("connect failure")) : next()),
);

function makeApp(): Application {
  return new Application([
    ["/hi/(\\w+)", Hi],
    ["/stream", Streamer],
    ["/boom", Boom],
    ["/teapot", Teapot],
    ["/hang", Hang],
    ["/legacy/.*", FallbackHandler, { fallback: legacy }],
    ["/connect/.*", FallbackHandler, { fallback: connectApp }],
  ]);
}

const servers: Array<{ close(): void }> = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

describe("app.fetch(Request) → Response", () => {
  const app = makeApp();

  it("status, headers with several Set-Cookie, body, remote address and scheme from the URL", async () => {
    const r = await app.fetch(new Request("https://example.test:8443/hi/bob"), { remoteAddress: "10.1.2.3" });
    expect(r.status).toBe(200);
    expect(r.headers.getSetCookie()).toEqual(["a=1; Path=/", "b=2; HttpOnly"]);
    expect(r.headers.get("content-type")).toBe("text/html; charset=UTF-8");
    expect(await r.text()).toBe("hi bob 10.1.2.3 https example.test:8443");
  });

  it("request bodies (form arguments parsed), custom statuses, 404, HEAD without body", async () => {
    const post = await app.fetch(new Request("http://x/hi/bob", { method: "POST", body: "x=5&y=6", headers: { "Content-Type": "application/x-www-form-urlencoded" } }));
    expect(await post.json()).toEqual({ body: "x=5&y=6", x: "5" });
    const tea = await app.fetch(new Request("http://x/teapot"));
    expect([tea.status, tea.headers.get("x-thing"), await tea.text()]).toEqual([418, "yes", "short and stout"]);
    expect((await app.fetch(new Request("http://x/nowhere"))).status).toBe(404);
    const head = await app.fetch(new Request("http://x/hi/ann", { method: "HEAD" }));
    expect(head.status).toBe(200);
    expect(head.body).toBeNull();
    expect(head.headers.get("content-length")).toBe(String("hi ann 127.0.0.1 http x".length));
  });

  it("a 304 for a matching Etag, with no body", async () => {
    const first = await app.fetch(new Request("http://x/hi/ann"));
    const etag = first.headers.get("etag")!;
    const again = await app.fetch(new Request("http://x/hi/ann", { headers: { "If-None-Match": etag } }));
    expect(again.status).toBe(304);
    expect(again.body).toBeNull();
  });

  it("streams flushed chunks as they come", async () => {
    const r = await app.fetch(new Request("http://x/stream"));
    const reader = r.body!.getReader();
    const times: number[] = [];
    const t0 = Date.now();
    let text = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
      times.push(Date.now() - t0);
    }
    expect(text).toBe("chunk0\nchunk1\nchunk2\n");
    // The first chunk arrives before the handler has finished (it sleeps 100 ms between chunks).
    expect(times[0]!).toBeLessThan(times[times.length - 1]! );
    expect(times.length).toBeGreaterThanOrEqual(2);
  });

  it("errors become the 500 page; JSON when asked", async () => {
    const r = await app.fetch(new Request("http://x/boom"));
    expect(r.status).toBe(500);
    expect(await r.text()).toContain("500: Internal Server Error");
    const j = await app.fetch(new Request("http://x/boom", { headers: { Accept: "application/json" } }));
    expect(j.headers.get("content-type")).toMatch(/json/);
  });

  it("aborting the request closes the connection: onConnectionClose runs", async () => {
    closedSeen = false;
    const ac = new AbortController();
    const r = await app.fetch(new Request("http://x/hang", { signal: ac.signal }));
    const reader = r.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("start");
    ac.abort();
    await expect(reader.read()).rejects.toBeTruthy();
    for (let i = 0; i < 50 && !closedSeen; i++) await new Promise((r) => setTimeout(r, 20));
    expect(closedSeen).toBe(true);
  });

  it("WebSocket upgrades are refused with 501 (not available in fetch mode)", async () => {
    const r = await app.fetch(new Request("http://x/hi/bob", { headers: { Upgrade: "websocket", Connection: "Upgrade" } }));
    expect(r.status).toBe(501);
  });

  it("FallbackHandler works through fetch too (multiple Set-Cookie from the fallback)", async () => {
    const r = await app.fetch(new Request("http://x/legacy/p?q=1", { method: "POST", body: "raw" }));
    expect(r.status).toBe(201);
    expect(r.headers.getSetCookie()).toEqual(["x=1", "y=2"]);
    expect(await r.text()).toBe("legacy POST /legacy/p?q=1 [raw]");
  });
});

async function listen(server: http.Server | http2.Http2Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  servers.push({ close: () => server.close() });
  return (server.address() as AddressInfo).port;
}

describe("app.handler in Node servers", () => {
  it("mounts in node:http, and FallbackHandler passes the original URL and unread body", async () => {
    const port = await listen(http.createServer(makeApp().handler));
    const r = await fetch(`http://127.0.0.1:${port}/hi/ann`);
    expect(await r.text()).toBe(`hi ann 127.0.0.1 http 127.0.0.1:${port}`);
    const l = await fetch(`http://127.0.0.1:${port}/legacy/x?y=1`, { method: "PUT", body: "payload" });
    expect([l.status, await l.text()]).toEqual([201, "legacy PUT /legacy/x?y=1 [payload]"]);
  });

  it("Connect-style fallbacks: next() → Typhoon's 404, next(err) → Typhoon's 500, else the fallback answers", async () => {
    const port = await listen(http.createServer(makeApp().handler));
    const ok = await fetch(`http://127.0.0.1:${port}/connect/ok?z=2`);
    expect(await ok.text()).toBe("connect mw /connect/ok?z=2");
    const missing = await fetch(`http://127.0.0.1:${port}/connect/other`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain("404: Not Found");
    const err = await fetch(`http://127.0.0.1:${port}/connect/err`);
    expect(err.status).toBe(500);
  });

  it("mounts as a layer of a Connect-style chain (req, res, next)", async () => {
    const app = makeApp();
    const chain = connectLike((req, res, next) => (req.url === "/before" ? res.end("before") : next()), (req, res) => app.handler(req, res));
    const port = await listen(http.createServer((req, res) => chain(req, res)));
    expect(await (await fetch(`http://127.0.0.1:${port}/before`)).text()).toBe("before");
    expect(await (await fetch(`http://127.0.0.1:${port}/hi/zed`)).text()).toMatch(/^hi zed /);
  });

  it("reads the host from :authority under http2's compat API", async () => {
    class Host extends RequestHandler { get() { this.write(this.request.host); } }
    const app = new Application([["/", Host]], { logFunction: () => {} });
    const port = await listen(http2.createServer(app.handler as unknown as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void));
    const session = http2.connect(`http://127.0.0.1:${port}`);
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const s = session.request({ ":path": "/", ":authority": "example.test:8443" });
        let b = "";
        s.on("data", (d) => (b += d));
        s.on("end", () => resolve(b));
        s.on("error", reject);
        s.end();
      });
      expect(body).toBe("example.test:8443");
    } finally {
      session.close();
    }
  });

  it("mounts in http2's compat API (an HTTP/2 client session)", async () => {
    const port = await listen(http2.createServer(makeApp().handler as unknown as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void));
    const session = http2.connect(`http://127.0.0.1:${port}`);
    try {
      const ask = (p: string) =>
        new Promise<{ status: number; body: string; cookies: unknown }>((resolve, reject) => {
          const s = session.request({ ":path": p });
          let status = 0;
          let cookies: unknown;
          let body = "";
          s.on("response", (h) => {
            status = Number(h[":status"]);
            cookies = h["set-cookie"];
          });
          s.on("data", (d) => (body += d));
          s.on("end", () => resolve({ status, body, cookies }));
          s.on("error", reject);
          s.end();
        });
      const r = await ask("/hi/h2");
      expect(r.status).toBe(200);
      expect(r.body).toMatch(/^hi h2 127\.0\.0\.1 http/);
      expect(r.cookies).toEqual(["a=1; Path=/", "b=2; HttpOnly"]);
      expect((await ask("/nowhere")).status).toBe(404);
      const s = await ask("/stream");
      expect(s.body).toBe("chunk0\nchunk1\nchunk2\n");
    } finally {
      session.close();
    }
  });
});
