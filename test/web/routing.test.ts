import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Application, RequestHandler, URLSpec, url } from "typhoon";
import { serve, type TestServer } from "../helpers/http.js";

class Story extends RequestHandler {
  get(id: string) { this.write(`story ${id}`); }
}
class Pair extends RequestHandler {
  get(a: string, b: string) { this.write(`${a}|${b}`); }
  post(a: string, b: string) { this.write(`post ${a}|${b}`); }
}
class Init extends RequestHandler {
  private greeting = "";
  override initialize(args: Record<string, unknown>) { this.greeting = String(args.greeting); }
  get() { this.write(this.greeting); }
}
class Reverse extends RequestHandler {
  get() { this.write(this.reverseUrl("pair", "x y", "z/w")); }
}

describe("routing", () => {
  let s: TestServer;
  beforeAll(async () => {
    const app = new Application([
      ["/story/([0-9]+)", Story],
      [/\/pair\/([^/]+)\/([^/]+)/, Pair, undefined, "pair"],
      url("/init", Init, { greeting: "hola" }, "init"),
      ["/reverse", Reverse],
      ["/a|/b", Init, { greeting: "alt" }],
    ]);
    s = await serve(app);
  });
  afterAll(() => s.close());

  it("passes capture groups to the method, URL-decoded", async () => {
    expect(await (await fetch(`${s.url}/story/42`)).text()).toBe("story 42");
    expect(await (await fetch(`${s.url}/pair/h%C3%A9/a+b`)).text()).toBe("hé|a+b");
  });

  it("matches the whole path only", async () => {
    expect((await fetch(`${s.url}/story/42/x`)).status).toBe(404);
    expect((await fetch(`${s.url}/x/story/42`)).status).toBe(404);
    expect((await fetch(`${s.url}/story/abc`)).status).toBe(404);
    expect(await (await fetch(`${s.url}/a`)).text()).toBe("alt");
    expect((await fetch(`${s.url}/ab`)).status).toBe(404);
  });

  it("answers 404 with Tornado's page for an unknown URL", async () => {
    const r = await fetch(`${s.url}/nowhere`);
    expect(r.status).toBe(404);
    expect(await r.text()).toBe("<html><title>404: Not Found</title><body>404: Not Found</body></html>");
  });

  it("answers 405 with Allow for a method the handler lacks", async () => {
    const r = await fetch(`${s.url}/story/1`, { method: "DELETE" });
    expect(r.status).toBe(405);
    expect(r.headers.get("allow")).toBe("GET, HEAD");
    const p = await fetch(`${s.url}/pair/1/2`, { method: "PUT" });
    expect(p.headers.get("allow")).toBe("GET, HEAD, POST");
    expect(await (await fetch(`${s.url}/pair/1/2`, { method: "POST" })).text()).toBe("post 1|2");
  });

  it("HEAD runs get() and sends no body", async () => {
    const r = await fetch(`${s.url}/story/7`, { method: "HEAD" });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-length")).toBe("7");
    expect(await r.text()).toBe("");
  });

  it("passes init args to initialize()", async () => {
    expect(await (await fetch(`${s.url}/init`)).text()).toBe("hola");
  });

  it("reverses named routes, encoding arguments", async () => {
    expect(await (await fetch(`${s.url}/reverse`)).text()).toBe("/pair/x%20y/z/w");
    const app = new Application([url("/init", Init, {}, "init")]);
    expect(app.reverseUrl("init")).toBe("/init");
    expect(() => app.reverseUrl("missing")).toThrow(/missing not found/);
  });

  it("matches plain paths exactly, escapes included, and keeps regex semantics otherwise", () => {
    const spec = (pattern: string | RegExp) => new URLSpec(pattern, Init);
    expect(spec("/").match("/")).toEqual([]);
    expect(spec("/").match("")).toBeNull();
    expect(spec("/").match("//")).toBeNull();
    expect(spec("/robots\\.txt").match("/robots.txt")).toEqual([]);
    expect(spec("/robots\\.txt").match("/robotsXtxt")).toBeNull();
    expect(spec("^/about$").match("/about")).toEqual([]);
    expect(spec("/about").match("/About")).toBeNull();
    expect(spec(/\/about/i).match("/About")).toEqual([]);
    expect(spec("/v\\d").match("/v1")).toEqual([]);
    expect(spec("/v\\d").match("/vd")).toBeNull();
  });

  it("refuses to reverse a pattern with an escaped class such as \\d", () => {
    expect(() => new URLSpec("/v\\d/([0-9]+)", Init).reverse(1)).toThrow(/Cannot reverse/);
    expect(new URLSpec("/files/(.+)\\.txt", Init).reverse("a")).toBe("/files/a.txt");
  });
});
