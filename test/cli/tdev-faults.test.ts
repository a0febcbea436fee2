// tdev: failing well (compile errors, crashes, loops, bad input, busy ports).
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { HTTP_SERVER, cleanup, freePort, get, makeDir, msg, sleep, startTdev, waitFor, write, type Tdev } from "./helpers.js";
import { spawnSync } from "node:child_process";
import { tdevBin } from "./helpers.js";

const dirs: string[] = [];
const tdevs: Tdev[] = [];
afterEach(() => cleanup(dirs, tdevs));

function run(args: string[], cwd = process.cwd()) {
  return spawnSync(process.execPath, [tdevBin, ...args], { cwd, encoding: "utf8", timeout: 30_000, env: { ...process.env, NO_COLOR: "1" } });
}

describe("tdev bad input", () => {
  it("--help documents every flag; bad flags, a missing or directory entry exit 2 with one line", () => {
    const help = run(["--help"]);
    expect(help.status).toBe(0);
    for (const f of ["--watch", "--ignore", "--poll", "--poll-interval", "--debounce", "--kill-signal", "--grace", "--exit-on-crash", "--port", "--host", "--no-live-reload", "--no-standby", "--clear", "--quiet", "--inspect", "rs"]) {
      expect(help.stdout).toContain(f);
    }
    const dir = makeDir({ "sub/x.ts": "" });
    dirs.push(dir);
    for (const [args, re] of [
      [["--bogus-flag", "x.ts"], /unknown option --bogus-flag/],
      [["--grace", "soon", "x.ts"], /--grace expects a number/],
      [["--kill-signal", "SIGNOPE", "x.ts"], /unknown signal/],
      [[], /missing entry file/],
      [["nope.ts"], /entry file not found: nope\.ts/],
      [["sub"], /entry is a directory/],
    ] as [string[], RegExp][]) {
      const r = run(args, dir);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(re);
    }
  });

  it("names the port when another process already holds it", async () => {
    const holder = net.createServer().listen(0, "127.0.0.1");
    await new Promise((r) => holder.once("listening", r));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      const dir = makeDir({ "server.ts": HTTP_SERVER, "msg.ts": msg("x") });
      dirs.push(dir);
      const t = startTdev(["server.ts", String(port)], dir);
      tdevs.push(t);
      expect(await t.waitOut(new RegExp(`port ${port} is already in use: another process holds it`))).toBe(true);
      expect(t.proc.exitCode).toBeNull();
      const r = run(["--port", String(port), "server.ts"], dir);
      expect(r.stderr).toMatch(new RegExp(`port ${port} is already in use`));
    } finally {
      holder.close();
    }
  });
});

describe("tdev failing well", () => {
  it("compile error: prints file:line:col and a frame, serves a 500 page naming the file, recovers on fix", async () => {
    const dir = makeDir({ "server.ts": HTTP_SERVER, "msg.ts": msg("ok") });
    dirs.push(dir);
    const port = await freePort();
    const t = startTdev(["server.ts", String(port)], dir);
    tdevs.push(t);
    expect(await waitFor(port, (r) => r.body === "ok"), t.out()).not.toBeNull();
    const mark = t.out().length;
    write(dir, "msg.ts", `export const body: string = "v1"\nlet x = <b>&;\n`);
    const down = await waitFor(port, (r) => r.status === 500);
    expect(down, t.out()).not.toBeNull();
    expect(down!.body).toMatch(/msg\.ts:2:\d+/);
    expect(down!.body).toContain("&lt;b&gt;&amp;");
    expect(down!.body).not.toContain("<b>&");
    expect(down!.body).toContain("/__typhoon/livereload");
    expect(await t.waitOut(/msg\.ts:2:\d+/, 10_000, mark)).toBe(true);
    expect(t.out().slice(mark)).toContain("> 2 | let x = <b>&;");
    const json = await get(port, "/", 5000, { Accept: "application/json" });
    expect(json.status).toBe(500);
    expect(JSON.parse(json.body).detail).toMatch(/msg\.ts:2/);
    write(dir, "msg.ts", msg("fixed"));
    expect(await waitFor(port, (r) => r.body === "fixed"), t.out()).not.toBeNull();
  });

  it("a start-up failure with --port still gets the error page, and the broken file is watched", async () => {
    const dir = makeDir({ "server.ts": HTTP_SERVER, "msg.ts": `export const = ;` });
    dirs.push(dir);
    const port = await freePort();
    const t = startTdev(["--port", String(port), "server.ts", String(port)], dir);
    tdevs.push(t);
    const r = await waitFor(port, (x) => x.status === 500);
    expect(r, t.out()).not.toBeNull();
    expect(r!.body).toContain("msg.ts");
    write(dir, "msg.ts", msg("alive"));
    expect(await waitFor(port, (x) => x.body === "alive"), t.out()).not.toBeNull();
  });

  it("runtime crash: prints the source-mapped stack and waits for a change (no restart loop)", async () => {
    const dir = makeDir({
      "server.ts": `import http from "node:http";
import { body } from "./msg.ts";
type Unused = { a: number };
http.createServer((q, s) => {
  if (q.url === "/crash") setTimeout(() => { throw new Error("kaboom " + body); });
  s.end(body);
}).listen(Number(process.argv[2]), "127.0.0.1");`,
      "msg.ts": msg("c1"),
    });
    dirs.push(dir);
    const port = await freePort();
    const t = startTdev(["server.ts", String(port)], dir);
    tdevs.push(t);
    expect(await waitFor(port, (r) => r.body === "c1"), t.out()).not.toBeNull();
    await get(port, "/crash");
    expect(await t.waitOut(/Error: kaboom c1/)).toBe(true);
    expect(await t.waitOut(/server\.ts:5:\d+/)).toBe(true);
    expect(await t.waitOut(/app crashed \(exit code 1\) — waiting for a file change/)).toBe(true);
    const page = await waitFor(port, (r) => r.status === 500);
    expect(page?.body).toContain("kaboom c1");
    await sleep(500);
    expect((t.out().match(/app crashed/g) ?? []).length).toBe(1);
    write(dir, "msg.ts", msg("c2"));
    expect(await waitFor(port, (r) => r.body === "c2"), t.out()).not.toBeNull();
  });

  it("--exit-on-crash exits with the app's status", async () => {
    const dir = makeDir({ "main.ts": `const n: number = 7; setTimeout(() => process.exit(n), 50);` });
    dirs.push(dir);
    const t = startTdev(["--exit-on-crash", "main.ts"], dir);
    tdevs.push(t);
    const { code } = await t.exit;
    expect(code).toBe(7);
  });

  it("detects a restart loop caused by the app writing a file it loaded, pauses and suggests --ignore", async () => {
    const dir = makeDir({
      "server.ts": `import http from "node:http";
import fs from "node:fs";
import { n } from "./state.ts";
fs.writeFileSync(new URL("./state.ts", import.meta.url), "export const n = " + (n + 1) + ";\\n");
http.createServer((q, s) => s.end(String(n))).listen(Number(process.argv[2]), "127.0.0.1");`,
      "state.ts": "export const n = 0;\n",
    });
    dirs.push(dir);
    const port = await freePort();
    const t = startTdev(["server.ts", String(port)], dir);
    tdevs.push(t);
    expect(await t.waitOut(/restart loop: state\.ts changed right after each/, 30_000), t.out()).toBe(true);
    expect(t.out()).toContain('--ignore "state.ts"');
    const n1 = fs.readFileSync(path.join(dir, "state.ts"), "utf8");
    await sleep(1500);
    expect(fs.readFileSync(path.join(dir, "state.ts"), "utf8")).toBe(n1);
    expect((await get(port, "/")).status).toBe(200);
  });

  it("a child that ignores SIGTERM is killed after --grace; a watched directory removed keeps tdev in control", async () => {
    const dir = makeDir({
      "server.ts": `import http from "node:http";
import { body } from "./lib/msg.ts";
process.on("SIGTERM", () => {});
http.createServer((q, s) => s.end(body)).listen(Number(process.argv[2]), "127.0.0.1");`,
      "lib/msg.ts": msg("g1"),
    });
    dirs.push(dir);
    const port = await freePort();
    const t = startTdev(["--grace", "300", "server.ts", String(port)], dir);
    tdevs.push(t);
    expect(await waitFor(port, (r) => r.body === "g1"), t.out()).not.toBeNull();
    write(dir, "lib/msg.ts", msg("g2"));
    expect(await waitFor(port, (r) => r.body === "g2"), t.out()).not.toBeNull();
    await sleep(800);
    fs.rmSync(path.join(dir, "lib"), { recursive: true });
    const down = await waitFor(port, (r) => r.status === 500);
    expect(down?.body).toMatch(/msg\.ts/);
    expect(t.proc.exitCode).toBeNull();
    write(dir, "lib/msg.ts", msg("g3"));
    expect(await waitFor(port, (r) => r.body === "g3"), t.out()).not.toBeNull();
  });
});
