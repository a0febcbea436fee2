import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Application, RequestHandler, HTTPError, DictLoader, decodeXsrfToken } from "typhoon";
import { projectRoot, serve, type TestServer } from "../helpers/http.js";

const vectors = JSON.parse(fs.readFileSync(path.join(projectRoot, "test/fixtures/auth/tornado-vectors.json"), "utf8")) as { xsrf: Array<{ token: string; mask: string; masked: string }> };
const order: string[] = [];

class Form extends RequestHandler {
  override getCurrentUser() { order.push("user"); return this.getCookie("u") ?? null; }
  override prepare() { order.push("prepare"); }
  get() { this.write(this.xsrfFormHtml() + "\n" + this.xsrfToken + "\n" + this.xsrfToken); }
  post() { order.push("post"); this.write("ok " + this.getArgument("x", "")); }
  put() { this.write("put"); }
  patch() { this.write("patch"); }
  delete() { this.write("delete"); }
  options() { this.write("options"); }
}
class OptOut extends RequestHandler {
  static override checkXsrf = false;
  post() { this.write("api"); }
}
class Custom extends RequestHandler {
  override async checkXsrfCookie() { await new Promise((r) => setTimeout(r, 1)); if (this.request.headers["x-custom"] !== "yes") throw new HTTPError(403, "custom"); }
  post() { this.write("custom ok"); }
}

const servers: TestServer[] = [];
const start = async (settings: Record<string, unknown>) => {
  const s = await serve(new Application([["/form", Form], ["/api", OptOut], ["/custom", Custom]], { logFunction: () => {}, xsrfCookies: true, ...settings }));
  servers.push(s);
  return s;
};
let srv: TestServer;
let cookie: string;
let token: string;
beforeAll(async () => {
  srv = await start({});
  const r = await fetch(srv.url + "/form");
  cookie = r.headers.getSetCookie()[0]!.split(";")[0]!.slice("_xsrf=".length);
  token = /value="([^"]+)"/.exec(await r.text())![1]!;
});
afterAll(async () => { for (const s of servers) await s.close(); });

const post = (body: string, headers: Record<string, string> = {}, url = "/form", method = "POST") =>
  fetch(srv.url + url, { method, headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: "_xsrf=" + cookie, ...headers }, body });

describe("XSRF", () => {
  it("renders a version-2 masked token, fresh per request, and sets the cookie once", async () => {
    expect(cookie).toMatch(/^2\|[0-9a-f]{8}\|[0-9a-f]{32}\|\d+$/);
    expect(token).toMatch(/^2\|[0-9a-f]{8}\|[0-9a-f]{32}\|\d+$/);
    const r = await fetch(srv.url + "/form", { headers: { Cookie: "_xsrf=" + cookie } });
    expect(r.headers.getSetCookie()).toEqual([]);
    const [html, t1, t2] = (await r.text()).split("\n");
    expect(html).toMatch(/^<input type="hidden" name="_xsrf" value="2\|[0-9a-f|]+"\/>$/);
    expect(t1).toBe(t2); // one token per request
    expect(t1).not.toBe(token); // masked afresh
    expect(decodeXsrfToken(t1!)!.token).toEqual(decodeXsrfToken(cookie)!.token);
  });

  it("accepts the _xsrf argument or either header, on every unsafe method; runs before getCurrentUser and prepare", async () => {
    order.length = 0;
    let r = await post("x=1&_xsrf=" + encodeURIComponent(token));
    expect([r.status, await r.text()]).toEqual([200, "ok 1"]);
    expect(order).toEqual(["user", "prepare", "post"]);
    r = await post("x=2", { "X-XSRFToken": token });
    expect(await r.text()).toBe("ok 2");
    r = await post("x=3", { "X-CSRFToken": token });
    expect(await r.text()).toBe("ok 3");
    r = await fetch(srv.url + "/form?_xsrf=" + encodeURIComponent(token), { method: "POST", headers: { Cookie: "_xsrf=" + cookie } });
    expect(r.status).toBe(200);
    for (const m of ["PUT", "PATCH", "DELETE"]) {
      expect((await post("", { "X-XSRFToken": token }, "/form", m)).status).toBe(200);
      expect((await post("", {}, "/form", m)).status).toBe(403);
    }
    expect((await fetch(srv.url + "/form", { method: "OPTIONS" })).status).toBe(200);
    order.length = 0;
    r = await post("x=1");
    expect(r.status).toBe(403);
    expect(order).toEqual([]);
  });

  it("403 with a short reason and no details for missing, wrong, malformed or cookie-less tokens", async () => {
    const other = decodeXsrfToken(token)!;
    const flipped = `2|00000000|${Buffer.from(other.token.map((b) => b ^ 1)).toString("hex")}|1`;
    const cases: Array<[string, Record<string, string>]> = [
      ["x=1", {}], ["x=1&_xsrf=", {}], ["x=1&_xsrf=AAAA", {}], ["x=1&_xsrf=" + encodeURIComponent(flipped), {}],
      ["x=1&_xsrf=" + encodeURIComponent(token.replace(/\|\d+$/, "").slice(0, -2) + "|1"), {}], ["x=1&_xsrf=" + encodeURIComponent(token.replace(/\d+$/, "")), {}], ["x=1&_xsrf=" + encodeURIComponent(token + "|9"), {}],
      ["x=1&_xsrf=" + encodeURIComponent("2|zzzzzzzz|" + "0".repeat(32) + "|1"), {}], ["x=1&_xsrf=" + encodeURIComponent("2|0011|abc|1"), {}],
      ["x=1&_xsrf=" + encodeURIComponent("3|00000000|00|1"), {}], ["x=1&_xsrf=" + encodeURIComponent("é".repeat(40)), {}],
      ["x=1&_xsrf=" + "a".repeat(5000), {}], ["x=1", { "X-XSRFToken": "\u00ff".repeat(3) }],
      ["x=1&_xsrf=" + encodeURIComponent(token), { Cookie: "" }], ["x=1&_xsrf=" + encodeURIComponent(token), { Cookie: "_xsrf=garbage|" }],
    ];
    for (const [body, headers] of cases) {
      const r = await post(body, headers);
      expect(r.status, body.slice(0, 60)).toBe(403);
      expect(r.statusText).toBe("XSRF token missing or incorrect");
      const text = await r.text();
      expect(text).not.toContain(cookie);
      expect(text).not.toContain("argument");
    }
  });

  it("accepts Tornado's tokens (version 2 vectors and version 1 hex cookies)", async () => {
    for (const v of vectors.xsrf) {
      expect(decodeXsrfToken(v.masked)!.token.toString("hex")).toBe(v.token);
      // A cookie holding the raw v1 token and a form holding Tornado's masked v2 token.
      const r = await post("x=v&_xsrf=" + encodeURIComponent(v.masked), { Cookie: "_xsrf=" + v.token });
      expect(await r.text()).toBe("ok v");
      const r2 = await post("x=w", { Cookie: `_xsrf="${v.masked}"`, "X-XSRFToken": v.token });
      expect(await r2.text()).toBe("ok w");
    }
  });

  it("honours the per-class opt-out and an overridden checkXsrfCookie", async () => {
    expect(await (await post("", {}, "/api")).text()).toBe("api");
    expect((await post("", {}, "/custom")).status).toBe(403);
    expect(await (await post("", { "X-Custom": "yes" }, "/custom")).text()).toBe("custom ok");
  });

  it("templates see xsrfFormHtml() and currentUser", async () => {
    class Page extends RequestHandler {
      override getCurrentUser() { return "zoé<b>"; }
      get() { this.render("page.html"); }
    }
    const loader = new DictLoader({ "page.html": "<form>{% raw xsrfFormHtml() %}</form>{{ currentUser }}" });
    const s = await serve(new Application([["/page", Page]], { logFunction: () => {}, xsrfCookies: true, templateLoader: loader }));
    servers.push(s);
    const r = await fetch(s.url + "/page");
    const html = await r.text();
    expect(html).toMatch(/^<form><input type="hidden" name="_xsrf" value="2\|[0-9a-f]{8}\|[0-9a-f]{32}\|\d+"\/><\/form>zoé&lt;b&gt;$/);
    expect(r.headers.getSetCookie()[0]).toMatch(/^_xsrf=2\|/);
  });

  it("is off without xsrfCookies", async () => {
    const s = await serve(new Application([["/form", Form]], { logFunction: () => {} }));
    servers.push(s);
    expect((await fetch(s.url + "/form", { method: "POST" })).status).toBe(200);
  });

  it("applies xsrfCookieOptions to the cookie (and 30 days for a logged-in user)", async () => {
    const s = await start({ xsrfCookieOptions: { sameSite: "strict", secure: true, httpOnly: true, path: "/app" } });
    let set = (await fetch(s.url + "/form")).headers.getSetCookie()[0]!;
    expect(set).toMatch(/^_xsrf=2\|[^;]+; Path=\/app; HttpOnly; Secure; SameSite=Strict$/);
    set = (await fetch(s.url + "/form", { headers: { Cookie: "u=me" } })).headers.getSetCookie()[0]!;
    expect(set).toMatch(/Expires=/);
  });
});
