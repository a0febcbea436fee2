// Many idle long-poll connections: the server keeps answering new requests, then one message wakes
// every waiter. 2000 here (client and server share this process's descriptors); the bench holds 10 000.
import fs from "node:fs";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessLog } from "typhoon";
import { serve, until, type TestServer } from "../helpers/http.js";
import { chatApp } from "../fixtures/async/chat.js";

/** The soft open-files limit of this process (from /proc; Infinity where unknown). */
function openFilesLimit(): number {
  try {
    const m = /Max open files\s+(\d+|unlimited)/.exec(fs.readFileSync("/proc/self/limits", "utf8"));
    return !m || m[1] === "unlimited" ? Infinity : Number(m[1]);
  } catch {
    return Infinity;
  }
}

// Each connection costs two descriptors here (client and server end); keep headroom.
const N = Math.min(2000, Math.floor((openFilesLimit() - 200) / 2));

let srv: TestServer;
let chat: ReturnType<typeof chatApp>;
const sockets: net.Socket[] = [];

beforeAll(async () => {
  accessLog.level = false;
  chat = chatApp();
  srv = await serve(chat.app);
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await srv.close();
});

describe(`${N} idle long-poll connections`, () => {
  it("are all held, the server still answers, and one message wakes them all", async () => {
    expect(N).toBeGreaterThanOrEqual(500);
    const first = await (await fetch(`${srv.url}/a/message/new?body=start`, { method: "POST" })).json();
    const replies = new Array<string>(N).fill("");
    const request = `POST /a/message/updates?cursor=${first.id} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n`;
    for (let i = 0; i < N; i++) {
      const s = net.connect(srv.port, "127.0.0.1");
      s.on("error", () => {});
      s.on("data", (d) => (replies[i] += d));
      s.write(request);
      sockets.push(s);
      if (i % 200 === 199) await new Promise((r) => setImmediate(r));
    }
    await until(() => chat.buffer.waiters.size === N, 20_000);
    expect(chat.buffer.waiters.size).toBe(N);
    expect(replies.every((r) => r === "")).toBe(true);

    // A new request is answered while all of them wait.
    const page = await fetch(srv.url + "/", { signal: AbortSignal.timeout(5000) });
    expect(page.status).toBe(200);

    const msg = await (await fetch(`${srv.url}/a/message/new?body=wake`, { method: "POST" })).json();
    await until(() => replies.every((r) => r.includes('"wake"')), 20_000);
    const answered = replies.filter((r) => r.startsWith("HTTP/1.1 200 ") && r.includes(msg.id)).length;
    expect(answered).toBe(N);
    expect(chat.buffer.waiters.size).toBe(0);
  });
});
