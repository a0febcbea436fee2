// tdev: running, watching, restarting with the socket kept (black-box: the real bin on real files).
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { noEventsFileSystem } from "../../src/cli/tdev/watcher.js";
import { HTTP_SERVER, cleanup, freePort, get, makeDir, msg, sleep, startTdev, waitFor, write, type Tdev } from "./helpers.js";

const dirs: string[] = [];
const tdevs: Tdev[] = [];
afterEach(() => cleanup(dirs, tdevs));

/** A directory on the machine's own disk (the project's), which gives change events. */
function dir0(): string {
  return path.resolve(".");
}

async function setup(extraArgs: string[] = [], files: Record<string, string> = {}) {
  const dir = makeDir({ "server.ts": HTTP_SERVER, "msg.ts": msg("v0"), ...files });
  dirs.push(dir);
  const port = await freePort();
  const t = startTdev([...extraArgs, "server.ts", String(port), "--app-flag", "x y"], dir);
  tdevs.push(t);
  const up = await waitFor(port, (r) => r.body === "v0");
  expect(up, t.out()).not.toBeNull();
  return { dir, port, t };
}

describe("tdev reloads", () => {
  it("passes argv and Node flags, reloads imported modules, and fails no request while restarting", async () => {
    const { dir, port, t } = await setup(["--max-old-space-size=123"]);
    const a = JSON.parse((await get(port, "/argv")).body) as { argv: string[]; execArgv: string[] };
    expect(a.argv).toEqual([String(port), "--app-flag", "x y"]);
    expect(a.execArgv.some((f) => f.includes("max-old-space-size=123"))).toBe(true);

    let on = true;
    let failed = 0;
    let polls = 0;
    const bg = [0, 1].map(async () => {
      while (on) {
        const r = await get(port, "/", 15_000);
        polls++;
        if (r.status !== 200) failed++;
        await sleep(3);
      }
    });
    for (let i = 1; i <= 4; i++) {
      write(dir, "msg.ts", msg(`v${i}`));
      expect(await waitFor(port, (r) => r.body === `v${i}`), t.out()).not.toBeNull();
      await sleep(400);
    }
    on = false;
    await Promise.all(bg);
    expect(polls).toBeGreaterThan(20);
    expect(failed).toBe(0);
    const b = JSON.parse((await get(port, "/argv")).body) as { execArgv: string[] };
    expect(b.execArgv.some((f) => f.includes("max-old-space-size=123"))).toBe(true);
    expect(t.out()).toMatch(/restarted in \d+ ms/);
    expect(t.out()).toMatch(/changed: msg\.ts/);
  });

  it("a burst of changes gives one restart; a deleted and recreated file is still watched", async () => {
    const { dir, port, t } = await setup();
    await sleep(300);
    const before = (t.out().match(/restarted in/g) ?? []).length;
    for (let i = 0; i < 10; i++) write(dir, "msg.ts", msg(`burst${i}`));
    expect(await waitFor(port, (r) => r.body === "burst9")).not.toBeNull();
    await sleep(600);
    expect((t.out().match(/restarted in/g) ?? []).length - before).toBe(1);

    // Editor-style atomic save: write a temp file and rename it over; then delete and recreate.
    write(dir, "msg.ts.tmp", msg("atomic"));
    fs.renameSync(path.join(dir, "msg.ts.tmp"), path.join(dir, "msg.ts"));
    expect(await waitFor(port, (r) => r.body === "atomic"), t.out()).not.toBeNull();
    await sleep(300);
    fs.unlinkSync(path.join(dir, "msg.ts"));
    await sleep(300);
    write(dir, "msg.ts", msg("recreated"));
    expect(await waitFor(port, (r) => r.body === "recreated"), t.out()).not.toBeNull();
  });

  it("--ignore leaves a path out; --watch adds one; --env-file is watched and re-read", async () => {
    const dir = makeDir({
      "server.ts": `import http from "node:http";
import { body } from "./msg.ts";
import "./gen/data.ts";
http.createServer((q, s) => s.end(body + ":" + (process.env.GREETING ?? ""))).listen(Number(process.argv[2]), "127.0.0.1");`,
      "msg.ts": msg("a"),
      "gen/data.ts": "export {};\n",
      "extra/config.txt": "1",
      ".env": "GREETING=hello\n",
    });
    dirs.push(dir);
    const port = await freePort();
    const t = startTdev(["--ignore", "gen/**", "--watch", "extra", "--env-file=.env", "server.ts", String(port)], dir);
    tdevs.push(t);
    expect(await waitFor(port, (r) => r.body === "a:hello"), t.out()).not.toBeNull();
    const pid0 = (await get(port, "/")).body;
    expect(pid0).toBe("a:hello");
    const n0 = (t.out().match(/restarted/g) ?? []).length;
    write(dir, "gen/data.ts", "export const x = 1;\n");
    await sleep(800);
    expect((t.out().match(/restarted/g) ?? []).length).toBe(n0);
    write(dir, "extra/config.txt", "2");
    expect(await t.waitOut(/changed: extra\/config\.txt/)).toBe(true);
    write(dir, ".env", "GREETING=bonjour\n");
    expect(await waitFor(port, (r) => r.body === "a:bonjour"), t.out()).not.toBeNull();
  });

  it("--poll watches by polling, and still sees every edit", async () => {
    const { dir, port, t } = await setup(["--poll", "--poll-interval", "50"]);
    expect(t.out()).toMatch(/polling every 50 ms/);
    for (let i = 1; i <= 3; i++) {
      // A person's pace: an edit within 300 ms of every restart is what an app writing its own file does.
      await sleep(500);
      write(dir, "msg.ts", msg(`p${i}`));
      expect(await waitFor(port, (r) => r.body === `p${i}`), t.out()).not.toBeNull();
    }
  });

  it("polls the file systems whose changes inotify never reports (9p, NFS, SMB, FUSE, vboxsf)", () => {
    expect(noEventsFileSystem(0x01021997)).toBe("9p");
    expect(noEventsFileSystem(0x6969)).toBe("nfs");
    expect(noEventsFileSystem(0xfe534d42)).toBe("smb2");
    expect(noEventsFileSystem(0x65735546)).toBe("fuse");
    expect(noEventsFileSystem(BigInt(0x786f4256))).toBe("vboxsf");
    // ext4 and tmpfs give events: watched with inotify.
    expect(noEventsFileSystem(0xef53)).toBeNull();
    expect(noEventsFileSystem(0x01021994)).toBeNull();
    expect(noEventsFileSystem(Number(fs.statfsSync(dir0()).type))).toBeNull();
  });

  it("rs + Enter restarts, and stdin reaches the app", async () => {
    const dir = makeDir({
      "server.ts": `import http from "node:http";
let last = "";
process.stdin.setEncoding("utf8").on("data", (d) => (last += d));
http.createServer((q, s) => s.end(q.url === "/stdin" ? last : String(process.pid))).listen(Number(process.argv[2]), "127.0.0.1");`,
    });
    dirs.push(dir);
    const port = await freePort();
    const t = startTdev(["server.ts", String(port)], dir);
    tdevs.push(t);
    const first = await waitFor(port, (r) => r.status === 200);
    expect(first, t.out()).not.toBeNull();
    t.proc.stdin!.write("hello app\n");
    expect(await waitFor(port, (r) => r.body === "hello app\n", 10_000, "/stdin")).not.toBeNull();
    t.proc.stdin!.write("rs\n");
    expect(await waitFor(port, (r) => r.status === 200 && r.body !== first!.body)).not.toBeNull();
  });

  it("reloads CommonJS modules required from TypeScript", async () => {
    const dir = makeDir({
      "server.ts": `import http from "node:http";
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const { body } = require("./lib.cts");
http.createServer((q, s) => s.end(body)).listen(Number(process.argv[2]), "127.0.0.1");`,
      "lib.cts": `const body: string = "cjs1"; module.exports = { body };`,
    });
    dirs.push(dir);
    const port = await freePort();
    const t = startTdev(["server.ts", String(port)], dir);
    tdevs.push(t);
    expect(await waitFor(port, (r) => r.body === "cjs1"), t.out()).not.toBeNull();
    write(dir, "lib.cts", `const body: string = "cjs2"; module.exports = { body };`);
    expect(await waitFor(port, (r) => r.body === "cjs2"), t.out()).not.toBeNull();
  });
});
