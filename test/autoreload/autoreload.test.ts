// In-app autoreload: an app started without tdev, with debug: true, supervises and restarts itself.
import { spawn, type ChildProcess } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { Application, RequestHandler, autoreload } from "typhoon";
import { alive, descendants, freePort, get, makeDir, msg, sleep, until, waitFor, write } from "../cli/helpers.js";
import fs from "node:fs";

const procs: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const p of procs.splice(0)) for (const pid of [p.pid!, ...descendants(p.pid!)]) try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const SERVER = `import { Application, RequestHandler } from "typhoon";
import { body } from "./msg.ts";
class Main extends RequestHandler { get() { this.setHeader("Content-Type", "text/plain"); this.write(body); } }
class Info extends RequestHandler { get() { this.write({ pid: process.pid, argv: process.argv.slice(2), execArgv: process.execArgv }); } }
const app = new Application([["/", Main], ["/info", Info]], { debug: true });
await app.listen(Number(process.argv[2]), "127.0.0.1");
`;

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  for (const k of ["VITEST", "VITEST_POOL_ID", "VITEST_WORKER_ID", "JEST_WORKER_ID", "NODE_TEST_CONTEXT", "VITEST_MODE", "TEST"]) delete env[k];
  return env;
}

describe("in-app autoreload (no tdev)", () => {
  it("restarts on a change with the same argv and Node flags, keeping one foreground process and the socket", async () => {
    const dir = makeDir({ "server.ts": SERVER, "msg.ts": msg("a0") });
    dirs.push(dir);
    const port = await freePort();
    let out = "";
    const p = spawn(process.execPath, ["--max-old-space-size=99", "--import", "typhoon/register", "server.ts", String(port), "tail"], { cwd: dir, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] });
    procs.push(p);
    p.stdout!.on("data", (d) => (out += d));
    p.stderr!.on("data", (d) => (out += d));
    expect(await waitFor(port, (r) => r.body === "a0"), out).not.toBeNull();
    const info1 = JSON.parse((await get(port, "/info")).body) as { pid: number; argv: string[]; execArgv: string[] };
    expect(info1.argv).toEqual([String(port), "tail"]);
    expect(info1.execArgv.some((f) => f.includes("max-old-space-size=99"))).toBe(true);
    expect(info1.pid).not.toBe(p.pid); // the app runs in a child; the original process supervises
    let failed = 0;
    let on = true;
    const bg = (async () => { while (on) { if ((await get(port, "/", 15_000)).status !== 200) failed++; await sleep(5); } })();
    write(dir, "msg.ts", msg("a1"));
    expect(await waitFor(port, (r) => r.body === "a1"), out).not.toBeNull();
    on = false;
    await bg;
    expect(failed).toBe(0);
    const info2 = JSON.parse((await get(port, "/info")).body) as { pid: number; execArgv: string[] };
    expect(info2.pid).not.toBe(info1.pid);
    expect(info2.execArgv.some((f) => f.includes("max-old-space-size=99"))).toBe(true);
    expect(p.exitCode).toBeNull();
    // The new version may answer before the supervisor logs its readiness: wait for the line.
    expect(await until(() => /\[autoreload\] .*restarted in \d+ ms/s.test(out)), out).toBe(true);
    // Killing the foreground process leaves nothing behind.
    const kids = descendants(p.pid!);
    p.kill("SIGKILL");
    let left = kids;
    await until(() => !(left = kids.filter(alive)).length);
    expect(left).toEqual([]);
  });

  it("stands down in a test runner: nothing is supervised and pages are not rewritten", async () => {
    class Page extends RequestHandler { get() { this.write("<html><body>x</body></html>"); } }
    const app = new Application([["/", Page]], { debug: true });
    expect(app.settings.autoreload).toBe(true);
    expect(autoreload.isEnabled()).toBe(false);
    const server = await app.listen(0, "127.0.0.1");
    try {
      expect((await get(server.port, "/")).body).toBe("<html><body>x</body></html>");
    } finally {
      await server.stop();
    }
  });
});
