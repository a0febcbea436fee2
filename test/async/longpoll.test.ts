// Long polling: the chat demo (message buffer with waiters), onConnectionClose, request.signal, and
// handlers that carry on after their client left.
import http from "node:http";
import net from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Application, RequestHandler, accessLog, appLog, genLog } from "typhoon";
import { serve, until, type TestServer } from "../helpers/http.js";
import { chatApp } from "../fixtures/async/chat.js";

const logged: string[] = [];

/** A request that may stay open; `abort()` drops the connection. */
function open(port: number, path: string, method = "GET") {
  const o = { status: 0, body: "", done: false, answered: false, abort: () => {} };
  const promise = new Promise<typeof o>((resolve) => {
    const r = http.request({ host: "127.0.0.1", port, path, method, agent: false }, (res) => {
      o.answered = true;
      o.status = res.statusCode!;
      res.on("data", (d) => (o.body += d));
      res.on("end", () => ((o.done = true), resolve(o)));
      res.on("error", () => ((o.done = true), resolve(o)));
    });
    r.on("error", () => ((o.done = true), resolve(o)));
    r.end();
    o.abort = () => r.destroy();
  });
  return Object.assign(o, { promise });
}

const post = async (url: string) => {
  const res = await fetch(url, { method: "POST" });
  return { status: res.status, body: await res.json() };
};

beforeAll(() => {
  accessLog.level = false;
  for (const l of [appLog, genLog]) l.log = (level: string, message: string) => void logged.push(`${level} ${message}`);
});
afterEach(() => {
  logged.length = 0;
});

describe("chat (long polling over a message buffer)", () => {
  let srv: TestServer;
  let chat: ReturnType<typeof chatApp>;
  beforeAll(async () => {
    chat = chatApp();
    srv = await serve(chat.app);
  });
  afterAll(() => srv.close());
  const stats = async () => (await fetch(`${srv.url}/a/stats`)).json() as Promise<{ waiters: number; messages: number; closed: number }>;

  it("holds every waiter open until a new message wakes them all", async () => {
    const waiters = Array.from({ length: 20 }, () => open(srv.port, "/a/message/updates", "POST"));
    await until(async () => (await stats()).waiters === 20);
    await new Promise((r) => setTimeout(r, 100));
    expect(waiters.filter((w) => w.answered)).toHaveLength(0);
    const sent = await post(`${srv.url}/a/message/new?body=hello`);
    expect(sent.status).toBe(200);
    await Promise.all(waiters.map((w) => w.promise));
    for (const w of waiters) {
      expect(w.status).toBe(200);
      expect(JSON.parse(w.body).messages).toEqual([sent.body]);
    }
    expect((await stats()).waiters).toBe(0);
  });

  it("catches up from a cursor without waiting", async () => {
    const a = (await post(`${srv.url}/a/message/new?body=a`)).body;
    const b = (await post(`${srv.url}/a/message/new?body=b`)).body;
    const c = (await post(`${srv.url}/a/message/new?body=c`)).body;
    expect((await post(`${srv.url}/a/message/updates?cursor=${a.id}`)).body.messages).toEqual([b, c]);
    const all = (await post(`${srv.url}/a/message/updates`)).body.messages;
    expect(all.slice(-3)).toEqual([a, b, c]);
    // At the newest message, the request waits for the next one.
    const w = open(srv.port, `/a/message/updates?cursor=${c.id}`, "POST");
    await until(async () => (await stats()).waiters === 1);
    const d = (await post(`${srv.url}/a/message/new?body=d`)).body;
    await w.promise;
    expect(JSON.parse(w.body).messages).toEqual([d]);
  });

  it("removes the waiters of clients that went away (onConnectionClose once each)", async () => {
    const before = (await stats()).closed;
    // A cursor at the newest message makes the requests wait.
    const newest = (await post(`${srv.url}/a/message/updates`)).body.messages.at(-1).id;
    const waiters = Array.from({ length: 10 }, () => open(srv.port, `/a/message/updates?cursor=${newest}`, "POST"));
    await until(async () => (await stats()).waiters === 10);
    for (const w of waiters) w.abort();
    await until(async () => (await stats()).waiters === 0);
    await new Promise((r) => setTimeout(r, 100));
    const s = await stats();
    expect(s.waiters).toBe(0);
    expect(s.closed - before).toBe(10);
    // A message after that wakes nobody and breaks nothing.
    expect((await post(`${srv.url}/a/message/new?body=after`)).status).toBe(200);
    expect(logged.filter((l) => !l.startsWith("debug"))).toEqual([]);
  });

  it("serves the page with the messages, escaped", async () => {
    await post(`${srv.url}/a/message/new?body=${encodeURIComponent("<b>x</b>")}`);
    const html = await (await fetch(srv.url + "/")).text();
    expect(html).toContain("&#60;b&#62;x&#60;/b&#62;");
  });
});

describe("a handler whose client goes away", () => {
  const seen = { closes: 0, aborted: 0, after: "" as string, finishedAfter: false };
  let srv: TestServer;

  class Hold extends RequestHandler {
    async get() {
      await new Promise<void>((resolve) => this.request.signal.addEventListener("abort", () => resolve()));
      seen.aborted++;
      // Carry on as if nothing happened: write, flush and finish after the close.
      await new Promise((r) => setTimeout(r, 50));
      try {
        this.write("too late");
        await this.flush();
        this.write("still too late");
        await this.finish();
        seen.finishedAfter = this.finished;
      } catch (err) {
        seen.after = String(err);
      }
    }
    override onConnectionClose() {
      seen.closes++;
    }
  }

  // Streams forever until the client leaves; each flush waits for the socket.
  class Forever extends RequestHandler {
    async get() {
      while (!this.request.signal.aborted) {
        this.write("x".repeat(16 * 1024));
        await this.flush();
      }
    }
    override onConnectionClose() {
      seen.closes++;
    }
  }

  beforeAll(async () => {
    srv = await serve(new Application([["/hold", Hold], ["/forever", Forever]]));
  });
  afterAll(() => srv.close());
  afterEach(() => {
    Object.assign(seen, { closes: 0, aborted: 0, after: "", finishedAfter: false });
  });

  it("aborts request.signal, calls onConnectionClose once, and lets the handler finish quietly", async () => {
    const s = net.connect(srv.port, "127.0.0.1");
    let out = "";
    s.on("data", (d) => (out += d));
    s.on("error", () => {});
    s.write("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n");
    await new Promise((r) => setTimeout(r, 150));
    expect(out).toBe("");
    s.destroy();
    await until(() => seen.finishedAfter || seen.after, 3000);
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toEqual({ closes: 1, aborted: 1, after: "", finishedAfter: true });
    expect(logged.filter((l) => !l.startsWith("debug"))).toEqual([]);
  });

  it("stops a streaming loop when the client disconnects mid-response", async () => {
    const got = await new Promise<number>((resolve) => {
      let n = 0;
      const r = http.get({ host: "127.0.0.1", port: srv.port, path: "/forever", agent: false }, (res) => {
        res.on("data", (d: Buffer) => {
          n += d.length;
          if (n > 256 * 1024) r.destroy();
        });
      });
      r.on("error", () => {});
      r.on("close", () => resolve(n));
    });
    expect(got).toBeGreaterThan(256 * 1024);
    await until(() => seen.closes === 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(seen.closes).toBe(1);
    expect(logged.filter((l) => !l.startsWith("debug"))).toEqual([]);
    // The server still answers.
    expect((await fetch(srv.url + "/nowhere")).status).toBe(404);
  });
});
