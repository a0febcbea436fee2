import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { Application, Finish, HTTPError, RequestHandler } from "typhoon";
import { rawRequest, serve, type TestServer } from "../helpers/http.js";

const events: string[] = [];

class Text extends RequestHandler { get() { this.write("a"); this.write(Buffer.from("b")); this.write(new Uint8Array([99])); } }
class Reshaped extends RequestHandler {
  get() {
    this.clearHeader("Server");
    this.setHeader("Content-Type", "text/plain");
    this.setHeader("Content-Length", 6);
    this.addHeader("X-A", "1");
    this.addHeader("X-A", "2");
    this.write("ab");
    this.write("cd");
    this.write("ef");
  }
}
class Json extends RequestHandler { get() { this.write({ a: 1, list: [1, 2] }); } }
class Headers extends RequestHandler {
  get() {
    this.setHeader("X-One", "1");
    this.addHeader("X-Many", "a");
    this.addHeader("X-Many", "b");
    this.setHeader("X-Gone", "x");
    this.clearHeader("X-Gone");
    this.setHeader("X-Date", new Date(0));
    this.setStatus(201);
    this.write(String(this.getHeader("X-One")));
  }
}
class Unsafe extends RequestHandler { get() { this.setHeader("X-Bad", "a\r\nSet-Cookie: evil=1"); } }
class Redirect extends RequestHandler { get() { this.redirect("/target", this.getArgument("p", "") === "1"); } }
class Args extends RequestHandler {
  get() { this.write({ one: this.getArgument("a"), all: this.getArguments("a"), q: this.getQueryArgument("a", "none"), d: this.getArgument("d", "dflt") }); }
  post() {
    this.write({
      body: this.getBodyArguments("b"), q: this.getQueryArguments("a"), any: this.getArguments("b"),
      spaced: this.getArgument("s"), raw: this.getArgument("s", undefined, false),
      files: Object.fromEntries(Object.entries(this.request.files).map(([k, v]) => [k, v.map((f) => [f.filename, f.contentType, f.body.toString()])])),
    });
  }
}
class Life extends RequestHandler {
  override initialize() { events.push("initialize"); }
  override async prepare() { events.push("prepare"); }
  async get() { await new Promise((r) => setTimeout(r, 10)); events.push("get"); this.write("done"); }
  override onFinish() { events.push("finish"); }
}
class EarlyFinish extends RequestHandler {
  override prepare() { this.finish("from prepare"); }
  get() { this.write("never"); }
}
class Raises extends RequestHandler {
  get() {
    const kind = this.getArgument("kind");
    if (kind === "http") throw new HTTPError(403, "hidden log message");
    if (kind === "reason") throw new HTTPError(418, undefined, { reason: "Short and stout" });
    if (kind === "badreason") throw new HTTPError(499, undefined, { reason: "<script>x</script>" });
    if (kind === "finish") { this.write("partial"); throw new Finish(); }
    if (kind === "send") { this.sendError(503); return; }
    throw new Error("secret detail");
  }
}
class CustomError extends RequestHandler {
  get() { throw new Error("x"); }
  override writeError(status: number) { this.write(`custom ${status}`); }
}
class BrokenError extends RequestHandler {
  get() { throw new Error("x"); }
  override writeError() { throw new Error("writeError broke"); }
}
class Etag extends RequestHandler { get() { this.write("same body"); } }
class EchoEtag extends RequestHandler { get() { this.write(this.getArgument("b").repeat(Number(this.getArgument("n", "1")))); } }
class NoContent extends RequestHandler { get() { this.setStatus(204); } }
class FlushTwice extends RequestHandler {
  async get() { this.write("one,"); await this.flush(); this.write("two"); }
}
class User extends RequestHandler {
  override async getCurrentUser() { return this.request.headers["x-user"] ?? null; }
  get() { this.write(String(this.currentUser)); }
}
class Req extends RequestHandler {
  get() {
    const r = this.request;
    this.write({ method: r.method, uri: r.uri, path: r.path, query: r.query, host: r.host, hostName: r.hostName, protocol: r.protocol, remoteIp: r.remoteIp, full: r.fullUrl(), version: r.version });
  }
}

describe("RequestHandler", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await serve(new Application([
      ["/text", Text], ["/reshaped", Reshaped], ["/json", Json], ["/headers", Headers], ["/unsafe", Unsafe], ["/redirect", Redirect], ["/args", Args],
      ["/life", Life], ["/early", EarlyFinish], ["/raises", Raises], ["/custom", CustomError], ["/broken", BrokenError],
      ["/etag", Etag], ["/echo-etag", EchoEtag], ["/nocontent", NoContent], ["/flush", FlushTwice], ["/user", User], ["/req", Req],
    ], { logFunction: () => {} }));
  });
  afterAll(() => s.close());

  it("writes strings and bytes as one body with Content-Length", async () => {
    const r = await fetch(`${s.url}/text`);
    expect(await r.text()).toBe("abc");
    expect(r.headers.get("content-length")).toBe("3");
    expect(r.headers.get("content-type")).toBe("text/html; charset=UTF-8");
  });

  it("lets a handler remove, replace and add headers without changing the next response's defaults", async () => {
    const raw = await rawRequest(s.port, "GET /reshaped HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const [head, body] = raw.split("\r\n\r\n");
    expect(body).toBe("abcdef");
    expect(head).not.toMatch(/^Server:/im);
    expect(head).toMatch(/^Content-Type: text\/plain\r?$/im);
    expect(head.match(/^Content-Length:/gim)).toHaveLength(1);
    expect(head.match(/^X-A: .*$/gim)).toEqual(["X-A: 1", "X-A: 2"]);
    expect(head).toMatch(/^Etag: "[0-9a-f]{40}"\r?$/im);
    expect(head.match(/^Etag: "([0-9a-f]{40})"/im)![1]).toBe(createHash("sha1").update("abcdef").digest("hex"));
    const plain = await fetch(`${s.url}/text`);
    expect(plain.headers.get("server")).toMatch(/^TyphoonServer\//);
    expect(plain.headers.get("content-type")).toBe("text/html; charset=UTF-8");
    expect(plain.headers.get("x-a")).toBeNull();
  });

  it("writes objects as JSON", async () => {
    const r = await fetch(`${s.url}/json`);
    expect(r.headers.get("content-type")).toBe("application/json; charset=UTF-8");
    expect(await r.json()).toEqual({ a: 1, list: [1, 2] });
  });

  it("sets, adds and clears headers and the status", async () => {
    const r = await fetch(`${s.url}/headers`);
    expect(r.status).toBe(201);
    expect(r.headers.get("x-one")).toBe("1");
    expect(r.headers.get("x-many")).toBe("a, b");
    expect(r.headers.has("x-gone")).toBe(false);
    expect(r.headers.get("x-date")).toBe("Thu, 01 Jan 1970 00:00:00 GMT");
  });

  it("refuses a header value with CR/LF (500, nothing injected)", async () => {
    const raw = await rawRequest(s.port, "GET /unsafe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect(raw).toMatch(/^HTTP\/1\.1 500/);
    expect(raw).not.toMatch(/evil/);
  });

  it("redirects with 302 or 301", async () => {
    let r = await fetch(`${s.url}/redirect`, { redirect: "manual" });
    expect([r.status, r.headers.get("location")]).toEqual([302, "/target"]);
    r = await fetch(`${s.url}/redirect?p=1`, { redirect: "manual" });
    expect(r.status).toBe(301);
  });

  it("reads query arguments, the last value winning", async () => {
    const r = await fetch(`${s.url}/args?a=1&a=%202%20`);
    expect(await r.json()).toEqual({ one: "2", all: ["1", "2"], q: "2", d: "dflt" });
  });

  it("answers 400 naming a missing argument", async () => {
    const r = await fetch(`${s.url}/args`);
    expect(r.status).toBe(400);
    expect(await r.text()).toContain("Missing argument a");
  });

  it("reads urlencoded body arguments, kept apart from the query", async () => {
    const r = await fetch(`${s.url}/args?a=q`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "b=1&b=2&s=+x+" });
    expect(await r.json()).toMatchObject({ body: ["1", "2"], q: ["q"], any: ["1", "2"], spaced: "x", raw: " x " });
  });

  it("reads multipart fields and files", async () => {
    const form = new FormData();
    form.append("b", "field");
    form.append("s", "v");
    form.append("up", new Blob(["file body"], { type: "text/plain" }), "hello.txt");
    const r = await fetch(`${s.url}/args`, { method: "POST", body: form });
    expect(await r.json()).toMatchObject({ body: ["field"], files: { up: [["hello.txt", "text/plain", "file body"]] } });
  });

  it("answers 400 to a malformed multipart body", async () => {
    const r = await fetch(`${s.url}/args`, { method: "POST", headers: { "Content-Type": "multipart/form-data; boundary=XX" }, body: "--XX\r\nno headers here" });
    expect(r.status).toBe(400);
  });

  it("runs initialize, prepare, the async method and onFinish in order", async () => {
    events.length = 0;
    expect(await (await fetch(`${s.url}/life`)).text()).toBe("done");
    await new Promise((r) => setTimeout(r, 20));
    expect(events).toEqual(["initialize", "prepare", "get", "finish"]);
  });

  it("skips the method when prepare() finishes", async () => {
    expect(await (await fetch(`${s.url}/early`)).text()).toBe("from prepare");
  });

  it("turns HTTPError into its status and Tornado's plain page, logging but not showing the message", async () => {
    const r = await fetch(`${s.url}/raises?kind=http`);
    expect(r.status).toBe(403);
    const body = await r.text();
    expect(body).toBe("<html><title>403: Forbidden</title><body>403: Forbidden</body></html>");
  });

  it("uses a custom reason, and refuses an unsafe one", async () => {
    let r = await fetch(`${s.url}/raises?kind=reason`);
    expect([r.status, r.statusText]).toEqual([418, "Short and stout"]);
    expect(await r.text()).toContain("418: Short and stout");
    r = await fetch(`${s.url}/raises?kind=badreason`);
    expect(r.statusText).toBe("Unknown");
    expect(await r.text()).not.toContain("script");
  });

  it("answers 500 without leaking the exception when serveTraceback is off", async () => {
    const r = await fetch(`${s.url}/raises?kind=other`);
    expect(r.status).toBe(500);
    expect(await r.text()).toBe("<html><title>500: Internal Server Error</title><body>500: Internal Server Error</body></html>");
  });

  it("ends quietly on Finish and sends what was written", async () => {
    expect(await (await fetch(`${s.url}/raises?kind=finish`)).text()).toBe("partial");
  });

  it("sendError() renders the error page", async () => {
    const r = await fetch(`${s.url}/raises?kind=send`);
    expect(r.status).toBe(503);
    expect(await r.text()).toContain("503: Service Unavailable");
  });

  it("lets writeError() be overridden, and survives it throwing", async () => {
    expect(await (await fetch(`${s.url}/custom`)).text()).toBe("custom 500");
    const r = await fetch(`${s.url}/broken`);
    expect(r.status).toBe(500);
    expect(await r.text()).toBe("");
  });

  it("adds an Etag to 200 GETs and answers 304 to a matching If-None-Match", async () => {
    const r = await fetch(`${s.url}/etag`);
    const etag = r.headers.get("etag")!;
    expect(etag).toMatch(/^"[0-9a-f]{40}"$/);
    for (const inm of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
      const again = await fetch(`${s.url}/etag`, { headers: { "If-None-Match": inm } });
      expect(again.status).toBe(304);
      expect(again.headers.has("content-length")).toBe(false);
    }
    expect((await fetch(`${s.url}/etag`, { headers: { "If-None-Match": '"nope"' } })).status).toBe(200);
  });

  it("reads If-None-Match whatever its case, and all of its lines when it repeats", async () => {
    const etag = (await fetch(`${s.url}/etag`)).headers.get("etag")!;
    const ask = (lines: string) => rawRequest(s.port, `GET /etag HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${lines}\r\n`);
    expect(await ask(`if-NONE-match: ${etag}\r\n`)).toMatch(/^HTTP\/1\.1 304 /);
    expect(await ask(`If-None-Match: "other"\r\nIF-NONE-MATCH: ${etag}\r\n`)).toMatch(/^HTTP\/1\.1 304 /);
    expect(await ask(`If-None-Match: "other"\r\nIf-None-Match: "nope"\r\n`)).toMatch(/^HTTP\/1\.1 200 /);
  });

  it("computes each Etag from the bytes sent: repeated, non-ASCII, long, and more distinct bodies than are remembered", async () => {
    const sha1 = (bytes: Uint8Array) => `"${createHash("sha1").update(bytes).digest("hex")}"`;
    const check = async (b: string, n = 1) => {
      const r = await fetch(`${s.url}/echo-etag?b=${encodeURIComponent(b)}&n=${n}`);
      const bytes = new Uint8Array(await r.arrayBuffer());
      expect(new TextDecoder().decode(bytes)).toBe(b.repeat(n));
      expect(r.headers.get("etag")).toBe(sha1(bytes));
      return r.headers.get("etag");
    };
    const first = await check("hello");
    expect(await check("hello")).toBe(first);
    expect(await check("hellp")).not.toBe(first);
    await check("caf\u00e9 \u2603 \u{1F600}");
    await check("x", 5000);
    for (let i = 0; i < 300; i++) await check(`body ${i}`);
    expect(await check("hello")).toBe(first);
  });

  it("sends no body headers with 204", async () => {
    const raw = await rawRequest(s.port, "GET /nocontent HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect(raw).toMatch(/^HTTP\/1\.1 204/);
    expect(raw).not.toMatch(/Content-Length|Transfer-Encoding|Content-Type/i);
  });

  it("flush() sends a chunked response", async () => {
    const raw = await rawRequest(s.port, "GET /flush HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect(raw).toMatch(/Transfer-Encoding: chunked/i);
    expect(raw).toContain("one,");
    expect(raw).toContain("two");
  });

  it("resolves getCurrentUser() once before the method", async () => {
    expect(await (await fetch(`${s.url}/user`, { headers: { "X-User": "ann" } })).text()).toBe("ann");
    expect(await (await fetch(`${s.url}/user`)).text()).toBe("null");
  });

  it("describes the request", async () => {
    const r = await fetch(`${s.url}/req?x=1`);
    expect(await r.json()).toEqual({
      method: "GET", uri: "/req?x=1", path: "/req", query: "x=1", host: `127.0.0.1:${s.port}`, hostName: "127.0.0.1",
      protocol: "http", remoteIp: "127.0.0.1", full: `http://127.0.0.1:${s.port}/req?x=1`, version: "HTTP/1.1",
    });
  });
});
