// No request may read a byte outside the static root: a traversal corpus sent on raw sockets (so no
// client normalises it), plus symlinks that point outside the root, created at test time.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Application, StaticFileHandler, accessLog } from "typhoon";
import { rawRequest, serve, tempDir, type TestServer } from "../helpers/http.js";
import { FIXTURES, ROOT, request } from "./util.js";

const SECRET = "TOPSECRET";
let srv: TestServer;
let tmp: { dir: string; cleanup(): void };
let root: string;

beforeAll(async () => {
  accessLog.level = false;
  tmp = tempDir("static-sec");
  root = path.join(tmp.dir, "static");
  fs.mkdirSync(path.join(root, "sub"), { recursive: true });
  fs.writeFileSync(path.join(root, "ok.txt"), "fine\n");
  fs.writeFileSync(path.join(root, "sub", "index.html"), "<p>sub</p>");
  fs.writeFileSync(path.join(tmp.dir, "SECRET.txt"), SECRET + " beside the root\n");
  fs.mkdirSync(path.join(tmp.dir, "outside"));
  fs.writeFileSync(path.join(tmp.dir, "outside", "file.txt"), SECRET + " in a linked folder\n");
  fs.writeFileSync(path.join(tmp.dir, "outside", "ok.txt.br"), SECRET + " as a precompressed variant\n");
  fs.symlinkSync(path.join(tmp.dir, "SECRET.txt"), path.join(root, "link.txt"));
  fs.symlinkSync(path.join(tmp.dir, "outside"), path.join(root, "linkdir"));
  fs.symlinkSync(path.join(tmp.dir, "outside", "ok.txt.br"), path.join(root, "ok.txt.br"));
  fs.symlinkSync(path.join(root, "ok.txt"), path.join(root, "inside-link.txt"));
  srv = await serve(
    new Application([["/files/(.*)", StaticFileHandler, { path: root, defaultFilename: "index.html" }]], { staticPath: root }),
  );
});
afterAll(async () => {
  await srv?.close();
  tmp?.cleanup();
});

const corpus = (abs: string) => [
  "/static/../SECRET.txt",
  "/static/%2e%2e/SECRET.txt",
  "/static/%2E%2E/SECRET.txt",
  "/static/%2e%2e%2fSECRET.txt",
  "/static/..%2fSECRET.txt",
  "/static/..%2FSECRET.txt",
  "/static/.%2e/SECRET.txt",
  "/static/%2e./SECRET.txt",
  "/static/..%5cSECRET.txt",
  "/static/..\\SECRET.txt",
  "/static/sub\\..\\..\\SECRET.txt",
  "/static/%252e%252e/SECRET.txt",
  "/static/%252e%252e%252fSECRET.txt",
  "/static/....//SECRET.txt",
  "/static/..../SECRET.txt",
  "/static/%c0%ae%c0%ae/SECRET.txt",
  "/static/%c0%af..%c0%afSECRET.txt",
  "/static/%e0%80%ae%e0%80%ae/SECRET.txt",
  "/static/sub/../../SECRET.txt",
  "/static/sub/..%2f..%2fSECRET.txt",
  "/static/./../SECRET.txt",
  "/static//etc/passwd",
  "/static/%2fetc%2fpasswd",
  `/static/${abs}/SECRET.txt`,
  `/static/${encodeURIComponent(abs + "/SECRET.txt")}`,
  "/static/ok.txt%00.txt",
  "/static/.%00./SECRET.txt",
  "/static/..%00/SECRET.txt",
  "/static/%00",
  "/static/link.txt",
  "/static/linkdir/file.txt",
  "/static/linkdir/",
  "/static/linkdir",
  "/files/..%2f..%2fSECRET.txt",
  "/files/linkdir/",
  "/files/linkdir/file.txt",
  "/files/../SECRET.txt",
  "/robots.txt/../../SECRET.txt",
  "/static/C:\\Windows\\win.ini",
  "/static/CON",
  "/static/NUL",
];

describe("path traversal", () => {
  it("answers every attempt with 403 or 404, never the file, never 5xx", async () => {
    const results: string[] = [];
    for (const p of corpus(tmp.dir)) {
      const raw = await rawRequest(srv.port, `GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      const status = raw.slice(9, 12);
      expect(raw, p).not.toContain(SECRET);
      expect(raw, p).not.toMatch(/root:x:0/);
      if (!["403", "404", "400"].includes(status)) results.push(`${p} → ${raw.split("\r\n")[0]}`);
    }
    expect(results).toEqual([]);
  });

  it("uses 403 for lexical escapes and symlinks leading out, 404 for NUL bytes", async () => {
    const status = async (p: string) => (await rawRequest(srv.port, `GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)).slice(9, 12);
    expect(await status("/static/../SECRET.txt")).toBe("403");
    expect(await status("/static/..%2fSECRET.txt")).toBe("403");
    expect(await status("/static//etc/passwd")).toBe("403");
    expect(await status("/static/link.txt")).toBe("403");
    expect(await status("/static/linkdir/file.txt")).toBe("403");
    expect(await status("/static/..%5cSECRET.txt")).toBe("403");
    expect(await status("/static/ok.txt%00.txt")).toBe("404");
  });

  it("still serves files inside the root, including through a symlink that stays inside", async () => {
    expect((await request(srv.port, "/static/ok.txt")).text).toBe("fine\n");
    expect((await request(srv.port, "/static/inside-link.txt")).text).toBe("fine\n");
    expect((await request(srv.port, "/static//" + path.join(root, "ok.txt").slice(1))).text).toBe("fine\n");
  });

  it("never sends a precompressed variant that is a symlink out of the root", async () => {
    const r = await request(srv.port, "/static/ok.txt", { headers: { "Accept-Encoding": "br, gzip" } });
    expect(r.status).toBe(200);
    expect(r.headers["content-encoding"]).toBeUndefined();
    expect(r.text).toBe("fine\n");
  });

  it("keeps the fixture's outside file out of reach of the fixture server too", async () => {
    const s = await serve(new Application([], { staticPath: ROOT }));
    try {
      expect(fs.existsSync(path.join(FIXTURES, "SECRET.txt"))).toBe(true);
      const raw = await rawRequest(s.port, "GET /static/../SECRET.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      expect(raw.slice(9, 12)).toBe("403");
      expect(raw).not.toContain("TOPSECRET");
    } finally {
      await s.close();
    }
  });

  it("notices a file replaced by a symlink out of the root after it was cached", async () => {
    const f = path.join(root, "swap.txt");
    fs.writeFileSync(f, "inside\n");
    expect((await request(srv.port, "/static/swap.txt")).text).toBe("inside\n");
    fs.rmSync(f);
    fs.symlinkSync(path.join(tmp.dir, "SECRET.txt"), f);
    const r = await request(srv.port, "/static/swap.txt");
    expect(r.status).toBe(403);
    expect(r.text).not.toContain(SECRET);
  });
});
