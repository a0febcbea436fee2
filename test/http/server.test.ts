import { afterAll, beforeAll, describe, expect, it } from "vitest";
import http from "node:http";
import path from "node:path";
import fs from "node:fs";
import net from "node:net";
import { Application, HTTPServer, RequestHandler } from "typhoon";
import { rawRequest, serve, spawnTs, tempDir, until, type TestServer } from "../helpers/http.js";

let released: (() => void) | null = null;
class Echo extends RequestHandler {
  get(rest: string) { this.write(`echo ${rest}`); }
  post() { this.write(`got ${this.request.body.length}`); }
}
class Slow extends RequestHandler {
  async get() { await new Promise<void>((r) => (released = r)); this.write("slow done"); }
}

function send(port: number, body: Buffer | string, headers: Record<string, string | number> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = http.request({ host: "127.0.0.1", port, path: "/echo/", method: "POST", headers, agent: false }, (res) => {
      let b = "";
      res.on("data", (d) => (b += d));
      res.on("end", () => resolve({ status: res.statusCode!, body: b }));
    });
    req.on("error", () => resolve({ status: 0, body: "" }));
    req.end(body);
  });
}

describe("HTTPServer", () => {
  let s: TestServer;
  beforeAll(async () => {
    const app = new Application([["/echo/(.*)", Echo], ["/slow", Slow]], { logFunction: () => {} });
    s = await serve(app, { maxBodySize: 1000, maxHeaderSize: 4096 });
  });
  afterAll(() => s.close());

  it("listen(0) reports the real port", () => {
    expect(s.port).toBeGreaterThan(0);
    expect(s.server.port).toBe(s.port);
  });

  it("accepts a body up to maxBodySize", async () => {
    expect(await send(s.port, Buffer.alloc(1000, 97))).toEqual({ status: 200, body: "got 1000" });
  });

  it("reads a body, and refuses a declared oversize one, whatever the case of its framing headers", async () => {
    const lengths = await rawRequest(s.port, "POST /echo/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\ncontent-LENGTH: 5\r\n\r\nhello");
    expect(lengths).toMatch(/^HTTP\/1\.1 200[^]*\r\n\r\ngot 5$/);
    const chunked = await rawRequest(s.port, "POST /echo/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTRANSFER-encoding: chunked\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n");
    expect(chunked).toMatch(/^HTTP\/1\.1 200[^]*\r\n\r\ngot 7$/);
    // Only the declared length can refuse this one: no byte of the body is ever sent.
    expect(await rawRequest(s.port, "POST /echo/ HTTP/1.1\r\nHost: x\r\nCONTENT-length: 100000000\r\n\r\n")).toMatch(/^HTTP\/1\.1 413/);
  });

  it("refuses a declared body over maxBodySize with 413 before reading it", async () => {
    const raw = await rawRequest(s.port, "POST /echo/ HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n");
    expect(raw).toMatch(/^HTTP\/1\.1 413/);
    expect(raw).toMatch(/Connection: close/i);
  });

  it("refuses a chunked body that grows over maxBodySize with 413", async () => {
    const chunk = "x".repeat(600);
    const raw = await rawRequest(s.port, `POST /echo/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n${chunk}\r\n258\r\n${chunk}\r\n0\r\n\r\n`);
    expect(raw).toMatch(/^HTTP\/1\.1 413/);
  });

  const badRequests: Array<[string, string, RegExp]> = [
    ["garbage", "GARBAGE\r\n\r\n", /^HTTP\/1\.1 400/],
    ["bad percent-encoding in a captured group", "GET /echo/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", /^HTTP\/1\.1 400/],
    ["invalid UTF-8 in a captured group", "GET /echo/%ff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", /^HTTP\/1\.1 400/],
    ["overlong UTF-8", "GET /echo/%c0%ae HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", /^HTTP\/1\.1 400/],
    ["absurd header size", `GET /echo/ HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(10000)}\r\n\r\n`, /^HTTP\/1\.1 431/],
    ["a header without a colon", "GET /echo/ HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n", /^HTTP\/1\.1 400/],
    ["a bad Content-Length", "POST /echo/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: abc\r\n\r\n", /^HTTP\/1\.1 400/],
    ["a request line with no path", "GET HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", /^HTTP\/1\.1 400/],
    ["a bad urlencoded body", "POST /echo/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\n\r\n%zz", /^HTTP\/1\.1 400/],
    ["a multipart body without boundary", "POST /echo/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: multipart/form-data\r\nContent-Length: 3\r\n\r\nabc", /^HTTP\/1\.1 400/],
  ];
  it.each(badRequests)("answers %s with a short 4xx and no traceback", async (_name, text, expected) => {
    const raw = await rawRequest(s.port, text);
    expect(raw).toMatch(expected);
    expect(raw).not.toMatch(/\bat\s|Error:/);
    expect((await fetch(`${s.url}/echo/still`)).status).toBe(200);
  });

  it("stop() stops accepting and lets a request in flight finish", async () => {
    const app = new Application([["/slow", Slow]], { logFunction: () => {} });
    const server = new HTTPServer(app, { handleSignals: false });
    const port = await server.listen(0, "127.0.0.1");
    const pending = fetch(`http://127.0.0.1:${port}/slow`).then((r) => r.text());
    await until(() => released !== null);
    const stopped = server.stop();
    await new Promise((r) => setTimeout(r, 50));
    const refused = await fetch(`http://127.0.0.1:${port}/slow`).then(() => "answered", () => "refused");
    expect(refused).toBe("refused");
    released!();
    released = null;
    expect(await pending).toBe("slow done");
    await stopped;
  });

  it("while stopping, answers on a kept-alive connection with Connection: close", async () => {
    const app = new Application([["/slow", Slow]], { logFunction: () => {} });
    const server = new HTTPServer(app, { handleSignals: false });
    const port = await server.listen(0, "127.0.0.1");
    const raw = rawRequest(port, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n", 5000);
    await until(() => released !== null);
    const stopped = server.stop();
    released!();
    released = null;
    const text = await raw;
    expect(text).toMatch(/^HTTP\/1\.1 200/);
    expect(text).toMatch(/Connection: close/i);
    await stopped;
  });

  it("stop() closes a connection that never sent a request instead of waiting out stopTimeout", async () => {
    const app = new Application([["/slow", Slow]], { logFunction: () => {} });
    // A stop that waited for this connection would outlast the test's own timeout.
    const server = new HTTPServer(app, { handleSignals: false, stopTimeout: 600_000 });
    const port = await server.listen(0, "127.0.0.1");
    const silent = net.connect(port, "127.0.0.1");
    await new Promise((r) => silent.once("connect", r));
    const closedByServer = new Promise((r) => silent.once("close", r));
    await server.stop();
    await closedByServer;
    expect(silent.destroyed).toBe(true);
  });

  it("stop() lets a large response that is still being sent arrive whole", async () => {
    const size = 32 * 1024 * 1024;
    class Big extends RequestHandler {
      get() { this.write(Buffer.alloc(size, 97)); }
    }
    const app = new Application([["/big", Big]], { logFunction: () => {} });
    const server = new HTTPServer(app, { handleSignals: false });
    const port = await server.listen(0, "127.0.0.1");
    let received = 0;
    const done = new Promise<number>((resolve, reject) => {
      http.get({ host: "127.0.0.1", port, path: "/big", agent: false }, (res) => {
        // Read nothing until the server is stopping, so most of the body is still in the server's buffers.
        res.pause();
        res.once("readable", () => {
          void server.stop();
          setTimeout(() => {
            res.on("data", (c: Buffer) => (received += c.length));
            res.on("end", () => resolve(received));
            res.on("error", reject);
            res.resume();
          }, 300);
        });
      }).on("error", reject);
    });
    expect(await done).toBe(size);
  });

  it("counts the requests it received", async () => {
    const app = new Application([["/echo/(.*)", Echo]], { logFunction: () => {} });
    const server = new HTTPServer(app, { handleSignals: false });
    const port = await server.listen(0, "127.0.0.1");
    for (let i = 0; i < 3; i++) await fetch(`http://127.0.0.1:${port}/echo/${i}`).then((r) => r.text());
    expect(server.requestCount).toBe(3);
    expect(server.requestsInFlight).toBe(0);
    await server.stop();
  });

  it("closes a connection whose request head does not arrive within headerTimeout (408)", async () => {
    const app = new Application([["/slow", Slow]], { logFunction: () => {} });
    const server = new HTTPServer(app, { handleSignals: false, headerTimeout: 300 });
    const port = await server.listen(0, "127.0.0.1");
    const t0 = Date.now();
    const raw = await rawRequest(port, "GET /slow HTTP/1.1\r\nHost: x\r\n", 5000);
    expect(raw).toMatch(/^HTTP\/1\.1 408/);
    expect(Date.now() - t0).toBeLessThan(4000);
    await server.stop();
  });

  it("closes a kept-alive connection left idle for idleConnectionTimeout", async () => {
    const app = new Application([["/echo/(.*)", Echo]], { logFunction: () => {} });
    const server = new HTTPServer(app, { handleSignals: false, idleConnectionTimeout: 200 });
    const port = await server.listen(0, "127.0.0.1");
    const t0 = Date.now();
    const raw = await rawRequest(port, "GET /echo/x HTTP/1.1\r\nHost: x\r\n\r\n", 5000);
    expect(raw).toContain("echo x");
    expect(Date.now() - t0).toBeLessThan(4000);
    await server.stop();
  });

  it("a port in use gives an error naming the port", async () => {
    const other = new HTTPServer(new Application([]), { handleSignals: false });
    await expect(other.listen(s.port, "127.0.0.1")).rejects.toThrow(new RegExp(`Port ${s.port} .*already in use`));
  });
});

describe("HTTPServer in its own process", () => {
  const tmp = tempDir("server");
  afterAll(() => tmp.cleanup());

  it("SIGTERM lets the request in flight finish, then exits 0", async () => {
    const app = path.join(tmp.dir, "app.ts");
    fs.writeFileSync(app, `import { Application, RequestHandler } from "typhoon";
class Slow extends RequestHandler { async get() { await new Promise((r) => setTimeout(r, 400)); this.write("finished"); } }
const server = await new Application([["/slow", Slow]]).listen(0, "127.0.0.1");
console.log("PORT " + server.port);
`);
    const p = spawnTs(app);
    const port = Number((await p.waitFor(/PORT (\d+)/))[1]);
    const pending = fetch(`http://127.0.0.1:${port}/slow`).then((r) => r.text());
    await new Promise((r) => setTimeout(r, 100));
    p.child.kill("SIGTERM");
    expect(await pending).toBe("finished");
    expect(await p.exited).toBe(0);
  });
});
