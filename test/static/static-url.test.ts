// staticUrl(): content-versioned URLs, staticHashCache on and off, missing files, hosts, custom schemes.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Application, RequestHandler, StaticFileHandler, accessLog, type ApplicationSettings } from "typhoon";
import { serve, tempDir, type TestServer } from "../helpers/http.js";
import { ROBOTS_HASH, ROOT, request } from "./util.js";

class Url extends RequestHandler {
  get(p: string) {
    const includeVersion = this.getArgument("include_version", "1") !== "0";
    const host = this.getArgument("include_host", "");
    this.write(this.staticUrl(p, { includeVersion, ...(host ? { includeHost: host === "1" } : {}) }));
  }
}
class AbsUrl extends Url {
  override includeHost = true;
}
class Page extends RequestHandler {
  get() {
    this.render("page.html");
  }
}

const servers: TestServer[] = [];
const dirs: { cleanup(): void }[] = [];
async function start(settings: ApplicationSettings, extra: [string, typeof RequestHandler][] = []) {
  const s = await serve(new Application([["/url/(.*)", Url], ["/abs_url/(.*)", AbsUrl], ...extra], settings));
  servers.push(s);
  return s;
}
function scratch() {
  const t = tempDir("static-url");
  dirs.push(t);
  const root = path.join(t.dir, "static");
  fs.mkdirSync(root);
  fs.writeFileSync(path.join(root, "app.css"), "body{color:red}\n");
  return { dir: t.dir, root };
}

beforeAll(() => {
  accessLog.level = false;
});
afterAll(async () => {
  for (const s of servers) await s.close();
  for (const d of dirs) d.cleanup();
});

describe("staticUrl", () => {
  it("returns /static/path?v=<SHA-512 of the content>, or without v on request", async () => {
    const s = await start({ staticPath: ROOT });
    expect((await request(s.port, "/url/robots.txt")).text).toBe(`/static/robots.txt?v=${ROBOTS_HASH}`);
    expect((await request(s.port, "/url/robots.txt?include_version=0")).text).toBe("/static/robots.txt");
    expect((await request(s.port, "/url/dir/index.html")).text).toMatch(/^\/static\/dir\/index\.html\?v=[0-9a-f]{128}$/);
  });

  it("uses staticUrlPrefix and escapes what a URL path cannot carry", async () => {
    const { root } = scratch();
    fs.writeFileSync(path.join(root, "a b#c.css"), "x");
    const s = await start({ staticPath: root, staticUrlPrefix: "/assets/" });
    const url = (await request(s.port, "/url/" + encodeURIComponent("a b#c.css"))).text;
    expect(url).toMatch(/^\/assets\/a%20b%23c\.css\?v=[0-9a-f]{128}$/);
    expect((await request(s.port, url)).text).toBe("x");
  });

  it("includes the host from the handler's includeHost, and the explicit option wins both ways", async () => {
    const s = await start({ staticPath: ROOT });
    const hdr = { headers: { Host: "example.com:8080" } };
    expect((await request(s.port, "/abs_url/robots.txt", hdr)).text).toBe(`http://example.com:8080/static/robots.txt?v=${ROBOTS_HASH}`);
    expect((await request(s.port, "/abs_url/robots.txt?include_version=0", hdr)).text).toBe("http://example.com:8080/static/robots.txt");
    expect((await request(s.port, "/abs_url/robots.txt?include_host=0&include_version=0", hdr)).text).toBe("/static/robots.txt");
    expect((await request(s.port, "/url/robots.txt?include_host=1&include_version=0", hdr)).text).toBe("http://example.com:8080/static/robots.txt");
  });

  it("gives a missing file's URL without v and logs a warning instead of throwing", async () => {
    const s = await start({ staticPath: ROOT });
    const spy = vi.spyOn(process.stderr, "write");
    try {
      const r = await request(s.port, "/url/nonexist.txt");
      expect(r.status).toBe(200);
      expect(r.text).toBe("/static/nonexist.txt");
      const logged = spy.mock.calls.map((c) => String(c[0])).join("");
      expect(logged).toMatch(/W .*Could not open static file .*nonexist\.txt/);
    } finally {
      spy.mockRestore();
    }
  });

  it("fails with a clear 500 when staticPath is not set", async () => {
    const s = await start({ serveTraceback: true });
    const r = await request(s.port, "/url/robots.txt");
    expect(r.status).toBe(500);
    expect(r.text).toContain("staticPath");
    expect(r.text).toContain("setting in your application to use staticUrl");
  });

  it("with staticHashCache on, hashes once per process: an edit keeps v and Etag, the body is new", async () => {
    const { root } = scratch();
    const s = await start({ staticPath: root, staticHashCache: true });
    const before = (await request(s.port, "/url/app.css")).text;
    const etag = (await request(s.port, "/static/app.css")).headers.etag;
    fs.writeFileSync(path.join(root, "app.css"), "body{color:blue; /* longer */}\n");
    expect((await request(s.port, "/url/app.css")).text).toBe(before);
    const r = await request(s.port, "/static/app.css");
    expect(r.text).toBe("body{color:blue; /* longer */}\n");
    expect(r.headers.etag).toBe(etag);
  });

  it("with staticHashCache off (debug), an edited file gets a new v and Etag on the next call", async () => {
    const { root } = scratch();
    const s = await start({ staticPath: root, debug: true, autoreload: false });
    const before = (await request(s.port, "/url/app.css")).text;
    const etag = (await request(s.port, "/static/app.css")).headers.etag;
    expect((await request(s.port, "/url/app.css")).text).toBe(before);
    fs.writeFileSync(path.join(root, "app.css"), "body{color:blue}\n"); // same size: mtime/ctime tell
    const after = (await request(s.port, "/url/app.css")).text;
    expect(after).not.toBe(before);
    const r = await request(s.port, after);
    expect(r.text).toBe("body{color:blue}\n");
    expect(r.headers.etag).not.toBe(etag);
    expect(r.headers.etag).toBe(`"${after.split("v=")[1]}"`);
  });

  it("with staticHashCache off, a file created after a miss gets its v", async () => {
    const { root } = scratch();
    const s = await start({ staticPath: root, staticHashCache: false });
    expect((await request(s.port, "/url/later.css")).text).toBe("/static/later.css");
    fs.writeFileSync(path.join(root, "later.css"), "x");
    expect((await request(s.port, "/url/later.css")).text).toMatch(/\?v=[0-9a-f]{128}$/);
  });

  it("delegates to staticHandlerClass.makeStaticUrl (a version in the file name, Tornado's CustomStaticFileTest)", async () => {
    class Custom extends StaticFileHandler {
      static override makeStaticUrl(_settings: unknown, p: string): string {
        const dot = p.lastIndexOf(".");
        return `/static/${p.slice(0, dot)}.42${p.slice(dot)}`;
      }
      override parseUrlPath(urlPath: string): string {
        return urlPath.replace(/\.42(\.[^.]+)$/, "$1");
      }
    }
    const s = await start({ staticPath: ROOT, staticHandlerClass: Custom });
    expect((await request(s.port, "/url/robots.txt")).text).toBe("/static/robots.42.txt");
    expect((await request(s.port, "/static/robots.42.txt")).text).toContain("Disallow: /");
  });

  it("is available in templates", async () => {
    const { dir } = scratch();
    fs.writeFileSync(path.join(dir, "page.html"), `<link href="{{ staticUrl("app.css") }}">`);
    const s = await start({ staticPath: path.join(dir, "static"), templatePath: dir }, [["/page", Page]]);
    const r = await request(s.port, "/page");
    expect(r.status).toBe(200);
    expect(r.text).toMatch(/^<link href="\/static\/app\.css\?v=[0-9a-f]{128}">$/);
  });
});
