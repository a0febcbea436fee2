// Streaming out: flush() sends chunked output as it goes and waits for a slow reader; EventStream.
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Application, EventStream, RequestHandler, accessLog } from "typhoon";
import { serve, until, type TestServer } from "../helpers/http.js";

const CHUNK = 64 * 1024;
const TOTAL_CHUNKS = 512; // 32 MiB
const progress = { written: 0, flushes: 0, done: false };

class Chunks extends RequestHandler {
  async get() {
    for (let i = 0; i < 3; i++) {
      if (i) await new Promise((r) => setTimeout(r, 80));
      this.write(`chunk${i}\n`);
      await this.flush();
    }
  }
}

// Produces 32 MiB, but only as fast as the client reads.
class Big extends RequestHandler {
  async get() {
    const block = Buffer.alloc(CHUNK, 97);
    for (let i = 0; i < TOTAL_CHUNKS && !this.connectionClosed; i++) {
      this.write(block);
      progress.written += CHUNK;
      await this.flush();
      progress.flushes++;
    }
    progress.done = true;
  }
}

class Events extends RequestHandler {
  async get() {
    const events = new EventStream(this);
    await events.send("hello", { event: "greeting", id: 1, retry: 1500 });
    await events.send("line one\nline two");
    await events.send({ n: 2 }, { id: "2", event: "evil\nname" });
    await events.comment("keep-alive");
    await events.send(`last-event-id=${events.lastEventId ?? "none"}`);
  }
}

let srv: TestServer;
beforeAll(async () => {
  accessLog.level = false;
  srv = await serve(new Application([["/chunks", Chunks], ["/big", Big], ["/events", Events]]));
});
afterAll(() => srv.close());

describe("flush()", () => {
  it("sends each chunk when flushed, chunked, before the handler finishes", async () => {
    const res = await fetch(srv.url + "/chunks");
    expect(res.headers.get("transfer-encoding")).toBe("chunked");
    expect(res.headers.get("content-length")).toBeNull();
    const reader = res.body!.getReader();
    const arrivals: { text: string }[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      arrivals.push({ text: Buffer.from(value).toString() });
    }
    expect(arrivals.map((a) => a.text).join("")).toBe("chunk0\nchunk1\nchunk2\n");
    // The first chunk came on its own, before the handler wrote the next one.
    expect(arrivals[0]!.text).toBe("chunk0\n");
    expect(arrivals.length).toBeGreaterThanOrEqual(2);
  });

  it("waits for a slow reader: what is written stays bounded while the client does not read", async () => {
    Object.assign(progress, { written: 0, flushes: 0, done: false });
    const socket = net.connect(srv.port, "127.0.0.1");
    socket.on("error", () => {});
    let received = 0;
    socket.once("data", (d) => {
      received += d.length;
      socket.pause(); // a client that stops reading
    });
    socket.write("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
    await until(() => progress.written > 0);
    await new Promise((r) => setTimeout(r, 500));
    // Socket buffers on both sides hold a few MiB at most; the handler must be parked in flush().
    const parked = progress.written;
    expect(progress.done).toBe(false);
    expect(parked).toBeLessThan(16 * 1024 * 1024);
    await new Promise((r) => setTimeout(r, 200));
    expect(progress.written).toBe(parked);
    // Reading again lets it finish, with every byte delivered.
    socket.on("data", (d) => (received += d.length));
    socket.resume();
    await until(() => progress.done && received >= TOTAL_CHUNKS * CHUNK, 20_000);
    expect(progress.done).toBe(true);
    expect(received).toBeGreaterThan(TOTAL_CHUNKS * CHUNK);
    socket.destroy();
  });
});

describe("EventStream", () => {
  it("writes Server-Sent Events with the right headers and framing", async () => {
    const res = await fetch(srv.url + "/events", { headers: { "Last-Event-ID": "41" } });
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=UTF-8");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(await res.text()).toBe(
      "event: greeting\nid: 1\nretry: 1500\ndata: hello\n\n" +
        "data: line one\ndata: line two\n\n" +
        'event: evil name\nid: 2\ndata: {"n":2}\n\n' +
        ": keep-alive\n\n" +
        "data: last-event-id=41\n\n",
    );
  });
});
