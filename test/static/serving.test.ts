// StaticFileHandler over HTTP: routes, types, caching headers, conditional requests, ranges, HEAD,
// directories, methods. Vectors follow Tornado's own StaticFileTest (tornado-spec §8.1–8.3).
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Application, RequestHandler, StaticFileHandler } from "typhoon";
import { serve, type TestServer } from "../helpers/http.js";
import { ROBOTS_HASH, ROOT, request } from "./util.js";

class Hello extends RequestHandler {
  get() {
    this.write("app route");
  }
}

let srv: TestServer;
let withIndex: TestServer;
let port: number;
const robots = fs.readFileSync(path.join(ROOT, "robots.txt"));

beforeAll(async () => {
  const app = new Application(
    [
      ["/robots.txt", Hello], // shadowed by the automatic static route, as in Tornado
      ["/hello", Hello],
      ["/(apple-touch-icon\\.png)", StaticFileHandler, { path: ROOT }],
      ["/files/(.*)", StaticFileHandler, { path: ROOT, defaultFilename: "index.html" }],
      ["/root_static/(.*)", StaticFileHandler, { path: "/" }],
    ],
    { staticPath: ROOT },
  );
  srv = await serve(app);
  port = srv.port;
  withIndex = await serve(
    new Application([], { staticPath: ROOT, staticUrlPrefix: "/assets/", staticHandlerArgs: { defaultFilename: "index.html" } }),
  );
});
afterAll(async () => {
  await srv?.close();
  await withIndex?.close();
});

describe("routes", () => {
  it("serves /static/…, /robots.txt and /favicon.ico from staticPath, ahead of the app's routes", async () => {
    const a = await request(port, "/static/robots.txt");
    expect(a.status).toBe(200);
    expect(a.body.equals(robots)).toBe(true);
    const b = await request(port, "/robots.txt");
    expect(b.status).toBe(200);
    expect(b.text).toContain("Disallow: /");
    const c = await request(port, "/favicon.ico");
    expect(c.status).toBe(200);
    expect(c.text).toBe("icon");
    expect((await request(port, "/hello")).text).toBe("app route");
  });

  it("is anchored and case-sensitive: /Static/… and /static are not static routes", async () => {
    expect((await request(port, "/Static/robots.txt")).status).toBe(404);
    expect((await request(port, "/static")).status).toBe(404);
    expect((await request(port, "/robots.txt.bak")).status).toBe(404);
  });

  it("mounts on any route with a capture group and { path }", async () => {
    const r = await request(port, "/apple-touch-icon.png");
    expect(r.status).toBe(200);
    expect(r.text).toBe("touch");
    expect(r.headers["content-type"]).toBe("image/png");
  });

  it("honours staticUrlPrefix and staticHandlerArgs", async () => {
    expect((await request(withIndex.port, "/assets/robots.txt")).status).toBe(200);
    expect((await request(withIndex.port, "/static/robots.txt")).status).toBe(404);
    const r = await request(withIndex.port, "/assets/dir/");
    expect(r.text).toBe("this is the index\n");
  });

  it("uses staticHandlerClass for the automatic routes", async () => {
    class Tagged extends StaticFileHandler {
      override setExtraHeaders(): void {
        this.setHeader("X-Tagged", "yes");
      }
    }
    const s = await serve(new Application([], { staticPath: ROOT, staticHandlerClass: Tagged }));
    try {
      const r = await request(s.port, "/static/s.css");
      expect(r.status).toBe(200);
      expect(r.headers["x-tagged"]).toBe("yes");
    } finally {
      await s.close();
    }
  });

  it("serves an absolute path under root '/' (Tornado's test_root_static_path)", async () => {
    const r = await request(port, "/root_static/" + encodeURIComponent(path.join(ROOT, "robots.txt")));
    expect(r.status).toBe(200);
    expect(r.body.equals(robots)).toBe(true);
  });
});

describe("headers", () => {
  it("sends Etag (quoted SHA-512), Last-Modified, Accept-Ranges, Content-Length, no long cache without v", async () => {
    const r = await request(port, "/static/robots.txt");
    expect(r.headers.etag).toBe(`"${ROBOTS_HASH}"`);
    expect(r.headers["accept-ranges"]).toBe("bytes");
    expect(r.headers["content-length"]).toBe("26");
    const mtime = Math.floor(fs.statSync(path.join(ROOT, "robots.txt")).mtimeMs / 1000) * 1000;
    expect(Date.parse(String(r.headers["last-modified"]))).toBe(mtime);
    expect(r.headers["cache-control"]).toBeUndefined();
    expect(r.headers.expires).toBeUndefined();
    expect((await request(port, "/static/robots.txt?x=1")).headers["cache-control"]).toBeUndefined();
  });

  it("gives ?v=… URLs a ten-year immutable cache and Expires", async () => {
    for (const q of ["?v=12345", "?v", "?v="]) {
      const r = await request(port, "/static/robots.txt" + q);
      expect(r.status).toBe(200);
      expect(r.headers["cache-control"]).toBe("public, max-age=315360000, immutable");
      const expires = Date.parse(String(r.headers.expires));
      expect(Math.abs(expires - (Date.now() + 315360000 * 1000))).toBeLessThan(120_000);
    }
  });

  it("derives Content-Type from the name, with charset for text types", async () => {
    const cases: Record<string, string> = {
      "robots.txt": "text/plain; charset=UTF-8",
      "a.html": "text/html; charset=UTF-8",
      "s.css": "text/css; charset=UTF-8",
      "d.json": "application/json; charset=UTF-8",
      "app.js": "text/javascript; charset=UTF-8",
      "sample.xml": "application/xml",
      "app.js.gz": "application/gzip",
      "apple-touch-icon.png": "image/png",
      noext: "application/octet-stream",
      "data.qqq": "application/octet-stream",
    };
    for (const [file, type] of Object.entries(cases)) {
      const r = await request(port, "/static/" + file);
      expect([file, r.status, r.headers["content-type"]]).toEqual([file, 200, type]);
    }
  });

  it("serves an empty file with Content-Length 0 and the Etag of empty content", async () => {
    const r = await request(port, "/static/empty.txt");
    expect(r.status).toBe(200);
    expect(r.headers["content-length"]).toBe("0");
    expect(r.headers.etag).toMatch(/^"cf83e135/);
  });
});

describe("conditional requests", () => {
  it("If-None-Match with the Etag (also weak, *, or in a list) → 304 without body or Content-Length", async () => {
    const etag = `"${ROBOTS_HASH}"`;
    for (const inm of [etag, `W/${etag}`, "*", `"other", ${etag}`]) {
      const r = await request(port, "/static/robots.txt", { headers: { "If-None-Match": inm } });
      expect([inm, r.status]).toEqual([inm, 304]);
      expect(r.body.length).toBe(0);
      expect(r.headers["content-length"]).toBeUndefined();
      expect(r.headers["content-type"]).toBeUndefined();
      expect(r.headers.etag).toBe(etag);
    }
    expect((await request(port, "/static/robots.txt", { headers: { "If-None-Match": '"nope"' } })).status).toBe(200);
  });

  it("If-Modified-Since at or after Last-Modified → 304; before, invalid or pre-epoch → 200", async () => {
    const first = await request(port, "/static/robots.txt");
    const lm = String(first.headers["last-modified"]);
    const t = Date.parse(lm);
    const at = async (ims: string) => (await request(port, "/static/robots.txt", { headers: { "If-Modified-Since": ims } })).status;
    expect(await at(lm)).toBe(304);
    expect(await at(new Date(t + 1000).toUTCString())).toBe(304);
    expect(await at(new Date(t - 1000).toUTCString())).toBe(200);
    expect(await at("!nv@l!d")).toBe(200);
    expect(await at("Fri, 01 Jan 1960 00:00:00 GMT")).toBe(200);
  });

  it("If-None-Match wins over If-Modified-Since; an empty If-None-Match counts as absent", async () => {
    const lm = String((await request(port, "/static/robots.txt")).headers["last-modified"]);
    const mismatch = await request(port, "/static/robots.txt", { headers: { "If-None-Match": '"MISMATCH"', "If-Modified-Since": lm } });
    expect(mismatch.status).toBe(200);
    const empty = await request(port, "/static/robots.txt", { headers: { "If-None-Match": "", "If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT" } });
    expect(empty.status).toBe(304);
  });

  it("a versioned 304 keeps the cache headers; a 304 beats a Range", async () => {
    const r = await request(port, "/static/robots.txt?v=1", { headers: { "If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT" } });
    expect(r.status).toBe(304);
    expect(r.headers["cache-control"]).toContain("max-age=315360000");
    expect(r.headers.expires).toBeDefined();
    const ranged = await request(port, "/static/robots.txt", { headers: { Range: "bytes=1-4", "If-None-Match": `"${ROBOTS_HASH}"` } });
    expect(ranged.status).toBe(304);
    expect(ranged.body.length).toBe(0);
  });
});

describe("ranges", () => {
  const range = (r: string, file = "robots.txt", method = "GET") => request(port, "/static/" + file, { method, headers: { Range: r } });

  it("answers single ranges with 206 and Content-Range (Tornado's vectors)", async () => {
    const cases: [string, string, string][] = [
      ["bytes=0-9", "User-agent", "bytes 0-9/26"],
      ["bytes=1-10000000", robots.subarray(1).toString(), "bytes 1-25/26"],
      ["bytes=22-", ": /\n", "bytes 22-25/26"],
      ["bytes=-4", ": /\n", "bytes 22-25/26"],
      ["bytes=25-25", "\n", "bytes 25-25/26"],
      [" bytes = 1 - 2 ", "se", "bytes 1-2/26"],
    ];
    for (const [header, body, contentRange] of cases) {
      const r = await range(header);
      expect([header, r.status, r.text, r.headers["content-range"], r.headers["content-length"]]).toEqual([header, 206, body, contentRange, String(body.length)]);
      expect(r.headers.etag).toBe(`"${ROBOTS_HASH}"`);
    }
  });

  it("sends the whole file with 200 for ranges covering it, bad syntax, other units and several ranges", async () => {
    for (const header of ["bytes=0-", "bytes=0-10000000", "bytes=-1000000", "bytes=", "asdf", "Bytes=1-2", "bytes=0-1,3-4", "bytes=a-b", "items=0-1"]) {
      const r = await range(header);
      expect([header, r.status, r.headers["content-range"], r.headers["content-length"]]).toEqual([header, 200, undefined, "26"]);
      expect(r.body.equals(robots)).toBe(true);
    }
  });

  it("answers unsatisfiable ranges with 416 and Content-Range: bytes */size", async () => {
    for (const header of ["bytes=26-", "bytes=-0", "bytes=10-3", "bytes=26", "bytes=30-40"]) {
      const r = await range(header);
      expect([header, r.status, r.headers["content-range"], r.headers["content-length"], r.body.length]).toEqual([header, 416, "bytes */26", "0", 0]);
      expect(r.headers["content-type"]).toBe("text/plain");
    }
    const empty = await range("bytes=0-", "empty.txt");
    expect([empty.status, empty.headers["content-range"]]).toEqual([416, "bytes */0"]);
    const versioned = await request(port, "/static/robots.txt?v=1", { headers: { Range: "bytes=30-40" } });
    expect(versioned.status).toBe(416);
    expect(versioned.headers.expires).toBeDefined();
  });

  it("ignores the Range when If-Range does not match the current validator", async () => {
    const stale = await request(port, "/static/robots.txt", { headers: { Range: "bytes=0-9", "If-Range": '"old"' } });
    expect(stale.status).toBe(200);
    expect(stale.body.length).toBe(26);
    const fresh = await request(port, "/static/robots.txt", { headers: { Range: "bytes=0-9", "If-Range": `"${ROBOTS_HASH}"` } });
    expect(fresh.status).toBe(206);
  });

  it("HEAD gives GET's headers and no body, also for a range", async () => {
    const get = await request(port, "/static/robots.txt");
    const head = await request(port, "/static/robots.txt", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    for (const h of ["content-length", "content-type", "etag", "last-modified", "accept-ranges"]) expect([h, head.headers[h]]).toEqual([h, get.headers[h]]);
    const headRange = await range("bytes=1-4", "robots.txt", "HEAD");
    expect([headRange.status, headRange.headers["content-length"], headRange.body.length]).toEqual([206, "4", 0]);
  });
});

describe("directories, missing files, methods", () => {
  it("directory without defaultFilename → 403; missing file → 404 (GET and HEAD)", async () => {
    for (const p of ["/static/dir", "/static/dir/", "/static/"]) expect([p, (await request(port, p)).status]).toEqual([p, 403]);
    for (const method of ["GET", "HEAD"]) {
      expect((await request(port, "/static/blarg", { method })).status).toBe(404);
      expect((await request(port, "/favicon.ico.missing", { method })).status).toBe(404);
    }
  });

  it("directory with defaultFilename: slashed URL serves the index, unslashed → 301 keeping the raw path, query dropped", async () => {
    const r = await request(port, "/files/dir/");
    expect([r.status, r.text]).toEqual([200, "this is the index\n"]);
    const cases: [string, string][] = [
      ["/files/dir", "/files/dir/"],
      ["/files/dir?x=1", "/files/dir/"],
      ["/files/./dir", "/files/./dir/"],
      ["/files/d%69r", "/files/d%69r/"],
    ];
    for (const [p, loc] of cases) {
      const red = await request(port, p);
      expect([p, red.status, red.headers.location, red.body.length]).toEqual([p, 301, loc, 0]);
    }
    expect((await request(port, "/files/dir//")).text).toBe("this is the index\n");
    expect((await request(port, "/files/")).status).toBe(404); // no index.html at the root
  });

  it("refuses to redirect a path starting with // (open-redirect guard)", async () => {
    const s = await serve(new Application([], { staticPath: ROOT, staticUrlPrefix: "/", staticHandlerArgs: { defaultFilename: "index.html" } }));
    try {
      const abs = path.join(ROOT, "dir");
      const r = await request(s.port, `//evil.com/..${abs}`);
      expect(r.status).toBe(403);
      expect(r.headers.location).toBeUndefined();
      expect((await request(s.port, "/dir")).headers.location).toBe("/dir/");
    } finally {
      await s.close();
    }
  });

  it("strips a trailing slash after a file name, as Tornado's abspath does", async () => {
    expect((await request(port, "/static/robots.txt/")).status).toBe(200);
  });

  it("answers other methods with 405", async () => {
    for (const method of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
      const r = await request(port, "/static/robots.txt", { method });
      expect([method, r.status]).toEqual([method, 405]);
    }
  });

  it("answers invalid UTF-8 in the path with 400", async () => {
    expect((await request(port, "/static/%ff")).status).toBe(400);
  });
});
