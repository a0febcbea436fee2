// tdev: process hygiene, Typhoon integration (live reload, autoreload.watch, reload hooks), inspector proxy.
import fs from "node:fs";
import path from "node:path";
import WebSocket from "ws";
import { afterEach, describe, expect, it } from "vitest";
import { HTTP_SERVER, alive, cleanup, descendants, freePort, get, makeDir, msg, sleep, startTdev, until, waitFor, write, type Tdev } from "./helpers.js";

const dirs: string[] = [];
const tdevs: Tdev[] = [];
afterEach(() => cleanup(dirs, tdevs));

describe("tdev process hygiene", () => {
  it("SIGKILL of tdev leaves no process behind and nothing serving the port", async () => {
    const dir = makeDir({ "server.ts": HTTP_SERVER, "msg.ts": msg("k") });
    dirs.push(dir);
    const port = await freePort();
    const t = startTdev(["server.ts", String(port)], dir);
    tdevs.push(t);
    expect(await waitFor(port, (r) => r.body === "k"), t.out()).not.toBeNull();
    // Wait for the warm standby too (its start-up time depends on the machine's load).
    let kids: number[] = [];
    expect(await until(() => (kids = descendants(t.proc.pid!)).length >= 2), t.out()).toBe(true);
    t.proc.kill("SIGKILL");
    let left = kids;
    await until(() => !(left = kids.filter(alive)).length);
    expect(left).toEqual([]);
    expect((await get(port, "/", 1500)).status).toBe(0);
  });

  it("Ctrl-C stops tdev and the app and passes the app's exit status through; other signals are forwarded", async () => {
    const dir = makeDir({
      "server.ts": `import http from "node:http";
import fs from "node:fs";
process.on("SIGUSR2", () => fs.writeFileSync("usr2.txt", "got it"));
process.on("SIGINT", () => process.exit(3));
http.createServer((q, s) => s.end("up")).listen(Number(process.argv[2]), "127.0.0.1");`,
    });
    dirs.push(dir);
    const port = await freePort();
    const t = startTdev(["server.ts", String(port)], dir);
    tdevs.push(t);
    expect(await waitFor(port, (r) => r.body === "up"), t.out()).not.toBeNull();
    t.proc.kill("SIGINT");
    const { code } = await t.exit;
    expect(code).toBe(3);
  });
});

describe("tdev with a Typhoon app", () => {
  it("injects live reload into HTML, announces a new id after a restart, relays autoreload.watch and reload hooks", async () => {
    const dir = makeDir({
      "server.ts": `import { Application, RequestHandler, autoreload } from "typhoon";
import fs from "node:fs";
import { body } from "./msg.ts";
autoreload.watch("data.json");
autoreload.addReloadHook(() => fs.appendFileSync("hooks.log", "hook " + process.pid + "\\n"));
class Page extends RequestHandler { get() { this.write("<html><body><p>" + body + "</p></body></html>"); } }
class Text extends RequestHandler { get() { this.setHeader("Content-Type", "text/plain"); this.write(body); } }
const app = new Application([["/", Page], ["/text", Text]], { debug: true });
await app.listen(Number(process.argv[2]), "127.0.0.1");`,
      "msg.ts": msg("one"),
      "data.json": "{}",
    });
    dirs.push(dir);
    const port = await freePort();
    const t = startTdev(["server.ts", String(port)], dir);
    tdevs.push(t);
    const page = await waitFor(port, (r) => r.body.includes("one"));
    expect(page, t.out()).not.toBeNull();
    expect(page!.body).toMatch(/<p>one<\/p><script data-typhoon-live-reload>.*<\/script><\/body>/s);
    expect((await get(port, "/text")).body).toBe("one");
    const id1 = await sseId(port);
    expect(id1).toBeTruthy();
    expect(t.out()).toContain("watching data.json (autoreload.watch)");
    const mark = t.out().length;
    write(dir, "data.json", `{"a":1}`);
    expect(await t.waitOut(/restarted in \d+ ms/, 20_000, mark), t.out()).toBe(true);
    // Right after the switch the old process may still take one connection before it drains: poll.
    let id2: string | undefined;
    const t0 = Date.now();
    while ((!id2 || id2 === id1) && Date.now() - t0 < 10_000) {
      id2 = await sseId(port);
      if (!id2 || id2 === id1) await sleep(100);
    }
    expect(id2).toBeTruthy();
    expect(id2, t.out()).not.toBe(id1);
    expect(fs.readFileSync(path.join(dir, "hooks.log"), "utf8")).toMatch(/^hook \d+\n/);
  });

  it("--no-live-reload leaves pages alone", async () => {
    const dir = makeDir({
      "server.ts": `import { Application, RequestHandler } from "typhoon";
class Page extends RequestHandler { get() { this.write("<html><body>plain</body></html>"); } }
await new Application([["/", Page]], { debug: true }).listen(Number(process.argv[2]), "127.0.0.1");`,
    });
    dirs.push(dir);
    const port = await freePort();
    const t = startTdev(["--no-live-reload", "server.ts", String(port)], dir);
    tdevs.push(t);
    const r = await waitFor(port, (x) => x.status === 200);
    expect(r, t.out()).not.toBeNull();
    expect(r!.body).toBe("<html><body>plain</body></html>");
  });
});

/** Reads the first event of the live-reload stream. */
function sseId(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const ac = new AbortController();
    const timer = setTimeout(() => { ac.abort(); resolve(undefined); }, 5000);
    fetch(`http://127.0.0.1:${port}/__typhoon/livereload`, { signal: ac.signal })
      .then(async (res) => {
        const reader = res.body!.getReader();
        let text = "";
        while (!/data: .*\n/.test(text)) {
          const { value, done } = await reader.read();
          if (done) break;
          text += new TextDecoder().decode(value);
        }
        clearTimeout(timer);
        ac.abort();
        resolve((JSON.parse(/data: (.*)\n/.exec(text)?.[1] ?? "{}") as { id?: string }).id);
      })
      .catch(() => resolve(undefined));
  });
}

describe("tdev --inspect", () => {
  it("keeps one inspector port across restarts; a reconnecting debugger reaches the new process", async () => {
    const dir = makeDir({ "server.ts": HTTP_SERVER, "msg.ts": msg("i1") });
    dirs.push(dir);
    const port = await freePort();
    const iport = await freePort();
    const t = startTdev([`--inspect=127.0.0.1:${iport}`, "server.ts", String(port)], dir);
    tdevs.push(t);
    expect(await waitFor(port, (r) => r.body === "i1"), t.out()).not.toBeNull();
    const pid1 = (await get(port, "/pid")).body;
    const list = JSON.parse((await waitFor(iport, (r) => r.status === 200, 10_000, "/json/list"))!.body) as { webSocketDebuggerUrl: string }[];
    const wsUrl = list[0].webSocketDebuggerUrl;
    expect(wsUrl).toContain(`127.0.0.1:${iport}`);
    expect(await evalPid(wsUrl)).toBe(pid1);
    write(dir, "msg.ts", msg("i2"));
    expect(await waitFor(port, (r) => r.body === "i2"), t.out()).not.toBeNull();
    const pid2 = (await get(port, "/pid")).body;
    expect(pid2).not.toBe(pid1);
    // The stale URL (old process's id) reconnects to the new process.
    expect(await evalPid(wsUrl)).toBe(pid2);
  });
});

function evalPid(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const timer = setTimeout(() => { ws.terminate(); reject(new Error("CDP timeout")); }, 10_000);
    ws.on("open", () => ws.send(JSON.stringify({ id: 1, method: "Runtime.evaluate", params: { expression: "String(process.pid)" } })));
    ws.on("message", (d) => {
      const m = JSON.parse(String(d)) as { id?: number; result?: { result?: { value?: string } } };
      if (m.id === 1) {
        clearTimeout(timer);
        ws.close();
        resolve(String(m.result?.result?.value));
      }
    });
    ws.on("error", (e) => { clearTimeout(timer); reject(e); });
  });
}
