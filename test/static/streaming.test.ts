// Large files stream with bounded memory and release their descriptor when the client leaves; small
// files come from memory but never stale; precompressed siblings are negotiated.
import { createHash } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Application, StaticFileHandler, accessLog, genLog } from "typhoon";
import { serve, tempDir, until, type TestServer } from "../helpers/http.js";
import { ROOT, request } from "./util.js";

const events: string[] = [];
class Recording extends StaticFileHandler {
  override onFinish(): void {
    events.push(`finish ${this.request.path}`);
  }
  override onConnectionClose(): void {
    events.push(`close ${this.request.path}`);
  }
}

let srv: TestServer;
let tmp: { dir: string; cleanup(): void };
let root: string;
const BIG = 3 * 1024 * 1024 + 12345;
let bigBytes: Buffer;
const HUGE = 160 * 1024 * 1024;

beforeAll(async () => {
  accessLog.level = false;
  genLog.level = "error";
  tmp = tempDir("static-stream");
  root = path.join(tmp.dir, "static");
  fs.mkdirSync(root);
  bigBytes = Buffer.alloc(BIG);
  for (let i = 0; i < BIG; i++) bigBytes[i] = (i * 7 + (i >> 10)) & 0xff;
  fs.writeFileSync(path.join(root, "big.bin"), bigBytes);
  const fd = fs.openSync(path.join(root, "huge.bin"), "w");
  fs.ftruncateSync(fd, HUGE); // sparse: costs no disk
  fs.closeSync(fd);
  fs.writeFileSync(path.join(root, "small.txt"), "version one\n");
  srv = await serve(new Application([["/rec/(.*)", Recording, { path: root }]], { staticPath: root }));
});
afterAll(async () => {
  await srv?.close();
  tmp?.cleanup();
});

function fdsOpenOn(file: string): number {
  let n = 0;
  for (const fd of fs.readdirSync("/proc/self/fd")) {
    try {
      if (fs.readlinkSync(`/proc/self/fd/${fd}`) === file) n++;
    } catch {
      /* closed meanwhile */
    }
  }
  return n;
}

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("large files", () => {
  it("streams a file larger than the memory cache, whole and in ranges", async () => {
    const r = await request(srv.port, "/static/big.bin");
    expect(r.status).toBe(200);
    expect(r.headers["content-length"]).toBe(String(BIG));
    expect(r.headers["transfer-encoding"]).toBeUndefined();
    expect(sha(r.body)).toBe(sha(bigBytes));
    const from = 65536 - 100;
    const to = 3 * 65536 + 50;
    const part = await request(srv.port, "/static/big.bin", { headers: { Range: `bytes=${from}-${to}` } });
    expect(part.status).toBe(206);
    expect(part.headers["content-range"]).toBe(`bytes ${from}-${to}/${BIG}`);
    expect(part.body.equals(bigBytes.subarray(from, to + 1))).toBe(true);
    const tail = await request(srv.port, "/static/big.bin", { headers: { Range: "bytes=-70000" } });
    expect(tail.body.equals(bigBytes.subarray(BIG - 70000))).toBe(true);
    const head = await request(srv.port, "/static/big.bin", { method: "HEAD" });
    expect([head.status, head.headers["content-length"], head.body.length]).toEqual([200, String(BIG), 0]);
  });

  it("keeps memory bounded while a slow client holds back a 160 MB file, then sends it all", async () => {
    const file = path.join(root, "huge.bin");
    await request(srv.port, "/static/huge.bin", { method: "HEAD" }); // hash it once, outside the measurement
    const before = process.memoryUsage().arrayBuffers;
    const socket = net.connect(srv.port, "127.0.0.1");
    let received = 0;
    socket.on("data", (d) => (received += d.length));
    socket.write("GET /static/huge.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    await until(() => received > 0, 5000);
    socket.pause();
    await new Promise((r) => setTimeout(r, 400));
    const held = process.memoryUsage().arrayBuffers - before;
    expect(held).toBeLessThan(48 * 1024 * 1024);
    expect(received).toBeLessThan(HUGE / 2);
    expect(fdsOpenOn(file)).toBe(1);
    socket.resume();
    const done = new Promise((r) => socket.on("close", r));
    await done;
    expect(received).toBeGreaterThan(HUGE);
    expect(fdsOpenOn(file)).toBe(0);
  }, 120_000);

  it("releases the descriptor and runs onConnectionClose when the client disconnects mid-file", async () => {
    const file = path.join(root, "huge.bin");
    events.length = 0;
    const socket = net.connect(srv.port, "127.0.0.1");
    let received = 0;
    socket.on("data", (d) => {
      received += d.length;
      if (received > 1024 * 1024) socket.pause();
    });
    socket.write("GET /rec/huge.bin HTTP/1.1\r\nHost: x\r\n\r\n");
    await until(() => received > 1024 * 1024, 10_000);
    expect(await until(() => fdsOpenOn(file) === 1, 5000)).toBe(true);
    socket.destroy();
    expect(await until(() => fdsOpenOn(file) === 0, 5000)).toBe(true);
    expect(await until(() => events.includes("close /rec/huge.bin"), 5000)).toBe(true);
    expect((await request(srv.port, "/static/small.txt")).status).toBe(200);
  });

  it("runs onFinish after a streamed file", async () => {
    events.length = 0;
    const r = await request(srv.port, "/rec/big.bin");
    expect(r.body.length).toBe(BIG);
    expect(await until(() => events.includes("finish /rec/big.bin"), 5000)).toBe(true);
  });
});

describe("small-file cache", () => {
  it("never serves stale bytes: same-size edits, atomic replacement, growth past the cache limit, deletion", async () => {
    const f = path.join(root, "small.txt");
    expect((await request(srv.port, "/static/small.txt")).text).toBe("version one\n");
    fs.writeFileSync(f, "version two\n");
    expect((await request(srv.port, "/static/small.txt")).text).toBe("version two\n");
    const tmpFile = path.join(root, "small.tmp");
    fs.writeFileSync(tmpFile, "version 3!!\n");
    fs.renameSync(tmpFile, f);
    expect((await request(srv.port, "/static/small.txt")).text).toBe("version 3!!\n");
    const grown = Buffer.alloc(400 * 1024, 0x61);
    fs.writeFileSync(f, grown);
    const g = await request(srv.port, "/static/small.txt");
    expect(g.body.equals(grown)).toBe(true);
    fs.writeFileSync(f, "small again\n");
    expect((await request(srv.port, "/static/small.txt")).text).toBe("small again\n");
    fs.rmSync(f);
    expect((await request(srv.port, "/static/small.txt")).status).toBe(404);
    fs.writeFileSync(f, "back\n");
    expect((await request(srv.port, "/static/small.txt")).text).toBe("back\n");
  });
});

describe("precompressed variants", () => {
  let fx: TestServer;
  const original = fs.readFileSync(path.join(ROOT, "app.js"));
  beforeAll(async () => {
    fx = await serve(new Application([], { staticPath: ROOT }));
  });
  afterAll(async () => {
    await fx?.close();
  });
  const get = (file: string, ae?: string, extra: Record<string, string> = {}, method = "GET") =>
    request(fx.port, "/static/" + file, { method, headers: { ...(ae === undefined ? {} : { "Accept-Encoding": ae }), ...extra } });

  it("sends file.br to clients accepting br, with Content-Encoding, Vary and the original's type", async () => {
    const r = await get("app.js", "gzip, deflate, br");
    expect(r.status).toBe(200);
    expect(r.headers["content-encoding"]).toBe("br");
    expect(r.headers.vary).toBe("Accept-Encoding");
    expect(r.headers["content-type"]).toBe("text/javascript; charset=UTF-8");
    expect(r.body.equals(fs.readFileSync(path.join(ROOT, "app.js.br")))).toBe(true);
    expect(zlib.brotliDecompressSync(r.body).equals(original)).toBe(true);
  });

  it("falls back to file.gz, then to the file itself, following q-values", async () => {
    const gz = await get("app.js", "gzip");
    expect(gz.headers["content-encoding"]).toBe("gzip");
    expect(zlib.gunzipSync(gz.body).equals(original)).toBe(true);
    expect((await get("app.js", "br;q=0, gzip")).headers["content-encoding"]).toBe("gzip");
    expect((await get("app.js", "*")).headers["content-encoding"]).toBe("br");
    const identity = await get("app.js", "identity");
    expect(identity.headers["content-encoding"]).toBeUndefined();
    expect(identity.headers.vary).toBe("Accept-Encoding");
    expect(identity.body.equals(original)).toBe(true);
    const none = await get("app.js");
    expect(none.headers["content-encoding"]).toBeUndefined();
    expect(none.body.equals(original)).toBe(true);
    const onlyGz = await get("gz-only.txt", "br");
    expect(onlyGz.headers["content-encoding"]).toBeUndefined();
    expect(onlyGz.text).toBe("only gzip\n");
  });

  it("gives each encoding its own Etag, and HEAD and ranges describe the encoded bytes", async () => {
    const br = await get("app.js", "br");
    const plain = await get("app.js");
    expect(br.headers.etag).not.toBe(plain.headers.etag);
    expect((await get("app.js", "br", { "If-None-Match": String(br.headers.etag) })).status).toBe(304);
    expect((await get("app.js", undefined, { "If-None-Match": String(br.headers.etag) })).status).toBe(200);
    const head = await get("app.js", "br", {}, "HEAD");
    expect(head.headers["content-length"]).toBe(String(br.body.length));
    const part = await get("app.js", "br", { Range: "bytes=0-9" });
    expect(part.status).toBe(206);
    expect(part.headers["content-range"]).toBe(`bytes 0-9/${br.body.length}`);
    expect(part.body.equals(br.body.subarray(0, 10))).toBe(true);
  });
});
