import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Application, RequestHandler, parseCookieHeader, serializeCookie, CookieError } from "typhoon";
import { serve, rawRequest, type TestServer } from "../helpers/http.js";

class Echo extends RequestHandler {
  get() { this.write({ a: this.getCookie("a") ?? null, d: this.getCookie("missing", "dflt"), n: Object.keys(parseCookieHeader(String(this.request.headers.cookie ?? ""))).length }); }
}
class SetMany extends RequestHandler {
  get() {
    this.setCookie("plain", "v|with:=chars");
    this.setCookie("opts", "x", { domain: "example.com", path: "/p", expiresDays: 2, maxAge: 60, httpOnly: true, secure: true, sameSite: "lax" });
    this.setCookie("at", "y", { expires: new Date(Date.UTC(2030, 0, 1)) });
  }
}
class Bad extends RequestHandler {
  get() {
    const which = this.getArgument("w");
    const values: Record<string, [string, string]> = {
      crlf: ["a", "x\r\nSet-Cookie: evil=1"], space: ["a", "x y"], nul: ["a", "x\x00"], del: ["a", "x\x7f"],
      semi: ["a", "x; Domain=evil.com"], name: ["a b", "x"], nameeq: ["a=b", "x"], utf8: ["a", "é"], tab: ["a\t", "x"],
    };
    const [n, v] = values[which]!;
    this.setCookie(n, v);
    this.write("not reached");
  }
}
class Clear extends RequestHandler {
  get() { this.clearCookie("one", { path: "/x", domain: "example.com" }); }
  post() { this.clearAllCookies(); }
}

let srv: TestServer;
beforeAll(async () => {
  srv = await serve(new Application([["/echo", Echo], ["/set", SetMany], ["/bad", Bad], ["/clear", Clear]]));
});
afterAll(() => srv.close());

const setCookies = (r: Response) => r.headers.getSetCookie();

describe("cookies", () => {
  it("reads cookies, unquotes double-quoted values and never percent-decodes", async () => {
    let r = await fetch(srv.url + "/echo", { headers: { Cookie: "b=1; a=%41%20" } });
    expect(await r.json()).toMatchObject({ a: "%41%20", d: "dflt" });
    r = await fetch(srv.url + "/echo", { headers: { Cookie: 'a="2|1:0|x=="' } });
    expect((await r.json()).a).toBe("2|1:0|x==");
    r = await fetch(srv.url + "/echo", { headers: { Cookie: 'a="q\\"uote\\\\d\\073"' } });
    expect((await r.json()).a).toBe('q"uote\\d;');
  });

  it("writes values as given with every attribute", async () => {
    const r = await fetch(srv.url + "/set");
    const [plain, opts, at] = setCookies(r);
    expect(plain).toBe("plain=v|with:=chars; Path=/");
    expect(opts).toMatch(/^opts=x; Max-Age=60; Domain=example.com; Path=\/p; Expires=[^;]+ GMT; HttpOnly; Secure; SameSite=Lax$/);
    const expires = new Date(/Expires=([^;]+)/.exec(opts!)![1]!).getTime();
    expect(Math.abs(expires - (Date.now() + 2 * 86_400_000))).toBeLessThan(120_000);
    expect(at).toBe("at=y; Path=/; Expires=Tue, 01 Jan 2030 00:00:00 GMT");
  });

  it.each(["crlf", "space", "nul", "del", "semi", "name", "nameeq", "utf8", "tab"])("refuses unsafe cookie %s with a 500 and injects nothing", async (w) => {
    const r = await fetch(srv.url + "/bad?w=" + w);
    expect(r.status).toBe(500);
    expect(setCookies(r)).toEqual([]);
    expect(await r.text()).not.toContain("not reached");
  });

  it("throws a CookieError with a clear message", () => {
    expect(() => serializeCookie("a", "x\r\ny")).toThrow(CookieError);
    expect(() => serializeCookie("a", "x\r\ny")).toThrow(/control character/);
    expect(() => serializeCookie("a", "x;y")).toThrow(/';'/);
  });

  it("clears one cookie or all of them", async () => {
    let r = await fetch(srv.url + "/clear");
    const [one] = setCookies(r);
    expect(one).toMatch(/^one=; Domain=example.com; Path=\/x; Expires=/);
    expect(new Date(/Expires=([^;]+)/.exec(one!)![1]!).getTime()).toBeLessThan(Date.now());
    r = await fetch(srv.url + "/clear", { method: "POST", headers: { Cookie: "a=1; b=2; bad name=3" } });
    expect(setCookies(r).map((s) => s.split("=")[0]).sort()).toEqual(["a", "b"]);
  });

  it("survives a header with thousands of cookies (and junk)", async () => {
    const many = Array.from({ length: 5000 }, (_, i) => `c${i}=${"v".repeat(3)}`).join("; ");
    const r = await fetch(srv.url + "/echo", { headers: { Cookie: many + "; a=last; ;;; =x; noequals; a=dup" } });
    expect(r.status).toBe(200);
    const body = await r.json();
    expect(body.n).toBeGreaterThanOrEqual(5001);
    expect(body.a).toBe("last");
    const raw = await rawRequest(srv.port, `GET /echo HTTP/1.1\r\nHost: x\r\nCookie: ${"a=\x01\x02; ".repeat(100)}\r\nConnection: close\r\n\r\n`);
    expect(raw).toMatch(/^HTTP\/1.1 (200|400)/);
  });
});
