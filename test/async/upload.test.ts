// Streaming in: a handler with `static streamRequestBody = true` gets the body through dataReceived(),
// after prepare() and before put()/post(), so an upload larger than the server's maxBodySize can go
// straight to disk; a client that leaves mid-upload releases the file.
import { createHash } from "node:crypto";
import fs from "node:fs";
import { once } from "node:events";
import net from "node:net";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Application, HTTPError, RequestHandler, accessLog, appLog, genLog } from "typhoon";
import { serve, tempDir, until, type TestServer } from "../helpers/http.js";

const SERVER_LIMIT = 1024 * 1024; // the server's maxBodySize: 1 MiB
const logged: string[] = [];
const seen = { prepared: 0, chunks: 0, closes: 0, open: 0, maxChunk: 0, order: [] as string[] };
let dir: ReturnType<typeof tempDir>;

class Upload extends RequestHandler {
  static override streamRequestBody = true;
  static maxBodySize = 64 * 1024 * 1024;
  private file = "";
  private out: fs.WriteStream | null = null;
  private hash = createHash("sha256");
  private bytes = 0;

  override prepare() {
    if (this.request.headers["x-deny"]) throw new HTTPError(403);
    seen.prepared++;
    seen.order.push("prepare");
    this.file = path.join(dir.dir, `upload-${seen.prepared}.bin`);
    this.out = fs.createWriteStream(this.file);
    seen.open++;
  }

  async dataReceived(chunk: Buffer) {
    if (seen.chunks++ === 0) seen.order.push("data");
    seen.maxChunk = Math.max(seen.maxChunk, chunk.length);
    this.bytes += chunk.length;
    this.hash.update(chunk);
    const out = this.out;
    if (!out) return; // the client left and onConnectionClose cleaned up
    // Destroying the stream in onConnectionClose fails a pending write: that is the cleanup, not an error.
    if (!out.write(chunk)) await once(out, "drain").catch((err) => { if (this.out) throw err; });
  }

  async put() {
    seen.order.push("put");
    this.out!.end();
    await once(this.out!, "close");
    seen.open--;
    this.write({ bytes: this.bytes, sha256: this.hash.digest("hex"), onDisk: fs.statSync(this.file).size });
  }

  override onConnectionClose() {
    seen.closes++;
    if (this.out) {
      this.out.destroy();
      fs.rmSync(this.file, { force: true });
      seen.open--;
      this.out = null;
    }
  }
}

class SmallStream extends RequestHandler {
  static override streamRequestBody = true;
  static maxBodySize = 1000;
  dataReceived() {}
  put() {
    this.write("accepted");
  }
}

class Buffered extends RequestHandler {
  put() {
    this.write({ bytes: this.request.body.length });
  }
}

let srv: TestServer;
beforeAll(async () => {
  accessLog.level = false;
  for (const l of [appLog, genLog]) l.log = (level: string, message: string) => void logged.push(`${level} ${message}`);
  dir = tempDir("upload");
  srv = await serve(new Application([["/upload", Upload], ["/small", SmallStream], ["/buffered", Buffered]]), { maxBodySize: SERVER_LIMIT });
});
afterAll(async () => {
  await srv.close();
  dir.cleanup();
});
afterEach(() => {
  Object.assign(seen, { prepared: 0, chunks: 0, closes: 0, open: 0, maxChunk: 0, order: [] });
  logged.length = 0;
});

describe("streamRequestBody", () => {
  it("streams an upload 16x the server's maxBodySize to disk, after prepare() and before put()", async () => {
    const body = Buffer.alloc(16 * SERVER_LIMIT);
    for (let i = 0; i < body.length; i += 4096) body.writeUInt32BE(i, i);
    const res = await fetch(srv.url + "/upload", { method: "PUT", body });
    expect(res.status).toBe(200);
    const out = await res.json();
    expect(out).toEqual({ bytes: body.length, sha256: createHash("sha256").update(body).digest("hex"), onDisk: body.length });
    expect(seen.order).toEqual(["prepare", "data", "put"]);
    expect(seen.chunks).toBeGreaterThan(1);
    // Chunks as they arrive, never the whole body at once.
    expect(seen.maxChunk).toBeLessThan(SERVER_LIMIT);
    expect(seen.open).toBe(0);
  });

  it("streams a chunked upload (no Content-Length)", async () => {
    const socket = net.connect(srv.port, "127.0.0.1");
    let reply = "";
    socket.on("data", (d) => (reply += d));
    socket.write("PUT /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (let i = 0; i < 3; i++) socket.write(`5\r\nhello\r\n`);
    socket.write("0\r\n\r\n");
    await until(() => reply.includes("}"), 3000);
    socket.destroy();
    expect(reply).toMatch(/^HTTP\/1\.1 200 /);
    expect(reply).toContain('"bytes":15');
  });

  it("refuses in prepare() before reading the body", async () => {
    const res = await fetch(srv.url + "/upload", { method: "PUT", body: Buffer.alloc(4096), headers: { "X-Deny": "1" } });
    expect(res.status).toBe(403);
    expect(seen.chunks).toBe(0);
  });

  it("applies the per-class maxBodySize (413), declared or streamed", async () => {
    expect((await fetch(srv.url + "/small", { method: "PUT", body: Buffer.alloc(1000) })).status).toBe(200);
    expect((await fetch(srv.url + "/small", { method: "PUT", body: Buffer.alloc(1001) })).status).toBe(413);
    // Without a Content-Length the limit is enforced while streaming.
    const reply = await new Promise<string>((resolve) => {
      const s = net.connect(srv.port, "127.0.0.1");
      let out = "";
      s.on("data", (d) => (out += d));
      s.on("error", () => resolve(out));
      s.on("close", () => resolve(out));
      s.write("PUT /small HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
      s.write(`800\r\n${"a".repeat(0x800)}\r\n`);
      setTimeout(() => s.destroy(), 2000);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 413 /);
  });

  it("keeps the server's maxBodySize for buffered handlers", async () => {
    expect((await fetch(srv.url + "/buffered", { method: "PUT", body: Buffer.alloc(SERVER_LIMIT) })).status).toBe(200);
    expect((await fetch(srv.url + "/buffered", { method: "PUT", body: Buffer.alloc(SERVER_LIMIT + 1) })).status).toBe(413);
  });

  it("releases the file when the client disconnects mid-upload (onConnectionClose once, no error log)", async () => {
    const socket = net.connect(srv.port, "127.0.0.1");
    socket.on("error", () => {});
    socket.write(`PUT /upload HTTP/1.1\r\nHost: x\r\nContent-Length: ${10 * SERVER_LIMIT}\r\n\r\n`);
    socket.write(Buffer.alloc(2 * SERVER_LIMIT));
    await until(() => seen.chunks > 0 && seen.open === 1);
    socket.destroy();
    await until(() => seen.closes === 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(seen.closes).toBe(1);
    expect(seen.open).toBe(0);
    expect(fs.readdirSync(dir.dir).filter((f) => f.startsWith("upload-"))).toEqual([]);
    expect(logged.filter((l) => !l.startsWith("debug")), logged.join("\n")).toEqual([]);
    expect((await fetch(srv.url + "/buffered", { method: "PUT", body: "ok" })).status).toBe(200);
  });
});
