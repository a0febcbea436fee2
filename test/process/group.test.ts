// Multi-process serving, black-box: real process groups spawned with `node --import typhoon/register`.
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { childPids, freePort, spawnTs, until, type Spawned } from "../helpers/http.js";

const GROUP = "test/fixtures/process/group.ts";
const FORKED = "test/fixtures/process/forked.ts";
const running: Spawned[] = [];

function start(file: string, env: Record<string, string>): Spawned {
  const p = spawnTs(file, [], env);
  running.push(p);
  return p;
}

afterEach(() => {
  for (const p of running.splice(0)) {
    // The group and anything it left: the primary first, then its workers by pid.
    const pids = childPids(p.child.pid!);
    p.kill("SIGKILL");
    for (const pid of pids) try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
  }
});

function alive(pid: number): boolean {
  try {
    const st = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return st.slice(st.lastIndexOf(")") + 2, st.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

interface Reply { status: number; body: string; error?: string; headers: http.IncomingHttpHeaders }

function get(port: number, p = "/", agent: http.Agent | false = false, timeout = 10_000): Promise<Reply> {
  return new Promise((resolve) => {
    const req = http.request({ host: "127.0.0.1", port, path: p, agent }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode!, body, headers: res.headers }));
      res.on("error", (e) => resolve({ status: 0, body: "", error: e.message, headers: {} }));
    });
    req.on("error", (e: NodeJS.ErrnoException) => resolve({ status: 0, body: "", error: e.code ?? e.message, headers: {} }));
    req.setTimeout(timeout, () => req.destroy(new Error("timeout")));
    req.end();
  });
}

/** Task id → pid, sampled over several requests until `pred` holds (bounded). */
async function workers(port: number, pred: (m: Map<string, string>) => boolean, ms = 20_000): Promise<Map<string, string>> {
  const seen = new Map<string, string>();
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    const r = await get(port);
    if (r.status === 200) {
      const [task, pid] = r.body.split(" ");
      seen.set(task!, pid!);
      if (pred(seen)) break;
    } else await new Promise((r) => setTimeout(r, 50));
  }
  return seen;
}

describe("HTTPServer.bind + start(n)", () => {
  it("serves one port from n workers with task ids 0…n-1, restarts a killed worker with its task id, stops on SIGTERM", async () => {
    const port = await freePort();
    const g = start(GROUP, { PORT: String(port), PROCS: "2" });
    const m = await workers(port, (s) => s.size === 2);
    expect([...m.keys()].sort()).toEqual(["0", "1"]);
    expect(new Set(m.values()).size).toBe(2);
    expect(g.output()).toMatch(/Starting 2 processes/);

    const victim = Number(m.get("0"));
    process.kill(victim, "SIGKILL");
    await g.waitFor(/child 0 \(pid \d+\) killed by signal SIGKILL, restarting/);
    const after = await workers(port, (s) => s.has("0") && s.get("0") !== String(victim));
    expect(after.get("0")).not.toBe(String(victim));

    g.kill("SIGTERM");
    expect(await Promise.race([g.exited, new Promise((r) => setTimeout(() => r("timeout"), 10_000))])).toBe(0);
    expect((await get(port)).status).toBe(0);
  }, 60_000);

  it("reports the workers: SIGUSR2 prints a table, the status socket and ProcessStatusHandler answer JSON", async () => {
    const port = await freePort();
    const sock = path.join(os.tmpdir(), `typhoon-status-${process.pid}-${port}.sock`);
    const g = start(GROUP, { PORT: String(port), PROCS: "2", STATUS_SOCKET: sock });
    const m = await workers(port, (s) => s.size === 2);
    for (let i = 0; i < 6; i++) await get(port);
    g.kill("SIGUSR2");
    const table = await g.waitFor(/task\s+pid\s+state\s+uptime\s+restarts\s+requests[^\n]*\n(.*\n){2}/);
    for (const pid of m.values()) expect(table[0]).toContain(pid);
    expect(table[0]).toMatch(/serving/);

    const viaSocket = await new Promise<string>((resolve, reject) => {
      http.get({ socketPath: sock, path: "/" }, (res) => {
        let b = "";
        res.on("data", (d) => (b += d));
        res.on("end", () => resolve(b));
      }).on("error", reject);
    });
    const status = JSON.parse(viaSocket);
    expect(status.processes).toBe(2);
    expect(status.primaryPid).toBe(g.child.pid);
    expect(status.workers.map((w: { taskId: number }) => w.taskId).sort()).toEqual([0, 1]);
    const served = status.workers.reduce((a: number, w: { requests: number }) => a + w.requests, 0);
    expect(served).toBeGreaterThanOrEqual(8);
    for (const w of status.workers) expect(w.rss).toBeGreaterThan(1_000_000);

    const route = await get(port, "/_status");
    expect(route.status).toBe(200);
    expect(JSON.parse(route.body).workers).toHaveLength(2);
    g.kill("SIGTERM");
    await g.exited;
    expect(fs.existsSync(sock)).toBe(false);
  }, 60_000);

  it("SIGHUP replaces the workers one at a time with zero failed requests (new and keep-alive connections)", async () => {
    const port = await freePort();
    const g = start(GROUP, { PORT: String(port), PROCS: "2" });
    const before = await workers(port, (s) => s.size === 2);
    let stop = false;
    let total = 0;
    const failures: string[] = [];
    const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 2 });
    const loop = async (agent: http.Agent | false, slow: boolean) => {
      while (!stop && total < 50_000) {
        const r = await get(port, slow ? "/?slow=30" : "/", agent);
        total++;
        if (r.status !== 200) failures.push(r.error ?? String(r.status));
      }
    };
    const loops = [loop(false, false), loop(false, true), loop(keepAlive, false), loop(keepAlive, true)];
    await new Promise((r) => setTimeout(r, 300));
    g.kill("SIGHUP");
    await g.waitFor(/rolling restart done/, 60_000);
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await Promise.all(loops);
    keepAlive.destroy();
    expect(failures).toEqual([]);
    expect(total).toBeGreaterThan(50);
    const out = g.output();
    // One at a time: task 0 is replaced (old one drained) before task 1's successor is forked.
    expect(out.indexOf("task 0: pid")).toBeGreaterThan(-1);
    expect(out.indexOf("task 0: pid")).toBeLessThan(out.indexOf("task 1: pid"));
    const now = await workers(port, (s) => s.size === 2 && [...s.values()].every((p) => ![...before.values()].includes(p)));
    expect([...now.keys()].sort()).toEqual(["0", "1"]);
    for (const pid of before.values()) expect(alive(Number(pid))).toBe(false);
  }, 90_000);

  it("gives up after the restart budget with the last error, exit status 1", async () => {
    const port = await freePort();
    const g = start(GROUP, { PORT: String(port), PROCS: "2", MAX_RESTARTS: "2" });
    await workers(port, (s) => s.size >= 1);
    for (let i = 0; i < 3; i++) {
      await until(async () => (await get(port)).status === 200, 15_000);
      await get(port, "/?exit=3");
      await g.waitFor(new RegExp(`(exited with status 3[^\\n]*\\n[\\s\\S]*){${i + 1}}`), 15_000);
    }
    expect(await Promise.race([g.exited, new Promise((r) => setTimeout(() => r("timeout"), 15_000))])).toBe(1);
    expect(g.output()).toMatch(/Too many child restarts \(budget 2\), giving up\. Last error: child \d \(pid \d+\) exited with status 3/);
  }, 60_000);

  it("a worker that dies at start-up in a loop: the primary gives up quickly with the error, no fork loop", async () => {
    const port = await freePort();
    const t0 = Date.now();
    const g = start(GROUP, { PORT: String(port), PROCS: "2", MODE: "crash-at-start" });
    expect(await Promise.race([g.exited, new Promise((r) => setTimeout(() => r("timeout"), 30_000))])).toBe(1);
    const out = g.output();
    expect(out).toMatch(/giving up\. Last error: child \d \(pid \d+\) exited with status 1: Error: boom at start-up in task \d/);
    expect((out.match(/restarting/g) ?? []).length).toBeLessThanOrEqual(5);
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect((await get(port)).status).toBe(0);
  }, 40_000);

  it("refuses start(2) with autoreload on, naming both", async () => {
    const port = await freePort();
    const g = start(GROUP, { PORT: String(port), PROCS: "2", MODE: "autoreload" });
    await g.waitFor(/autoreload/, 20_000);
    expect(g.output()).toMatch(/start\(2\)[^\n]*autoreload/);
    expect(g.output()).toMatch(/cannot be combined/);
    expect((await get(port)).status).toBe(0);
  }, 30_000);

  it("a port in use fails at start with a message naming the port", async () => {
    const blocker = http.createServer(() => undefined);
    const port = await new Promise<number>((r) => blocker.listen(0, "127.0.0.1", () => r((blocker.address() as { port: number }).port)));
    try {
      const g = start(GROUP, { PORT: String(port), PROCS: "2" });
      expect(await Promise.race([g.exited, new Promise((r) => setTimeout(() => r("timeout"), 20_000))])).not.toBe(0);
      expect(g.output()).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(g.output()).not.toMatch(/Starting 2 processes/);
    } finally {
      blocker.close();
    }
  }, 30_000);

  it("SIGKILL of the primary: workers exit within a second and the port is free", async () => {
    const port = await freePort();
    const g = start(GROUP, { PORT: String(port), PROCS: "2" });
    const m = await workers(port, (s) => s.size === 2);
    g.kill("SIGKILL");
    await g.exited;
    const t0 = Date.now();
    const gone = await until(() => [...m.values()].every((p) => !alive(Number(p))), 3000);
    expect(gone).toBe(true);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect((await get(port)).status).toBe(0);
  }, 30_000);

  it("start(1) serves in this very process, taskId() null", async () => {
    const port = await freePort();
    const g = start(GROUP, { PORT: String(port), PROCS: "1" });
    await until(async () => (await get(port)).status === 200, 15_000);
    const r = await get(port);
    expect(r.body).toBe(`null ${g.child.pid}`);
    g.kill("SIGTERM");
    expect(await g.exited).toBe(0);
  }, 30_000);

  it("server.stop() in a worker: it drains and exits 0, and is not restarted (as Tornado's exit 0)", async () => {
    const port = await freePort();
    const g = start(GROUP, { PORT: String(port), PROCS: "2" });
    await workers(port, (s) => s.size === 2);
    await get(port, "/stop");
    await g.waitFor(/child \d \(pid \d+\) exited normally/, 15_000);
    await get(port, "/stop");
    expect(await Promise.race([g.exited, new Promise((r) => setTimeout(() => r("timeout"), 15_000))])).toBe(0);
    expect(g.output()).not.toMatch(/restarting/);
  }, 40_000);
});

describe("startProcesses(n)", () => {
  it("forks n workers that listen on a shared port; all exiting 0 ends the group with 0", async () => {
    const port = await freePort();
    const g = start(FORKED, { PORT: String(port), PROCS: "2" });
    const m = await workers(port, (s) => s.size === 2);
    expect([...m.keys()].sort()).toEqual(["0", "1"]);
    const r = await get(port);
    const [task, , returned] = r.body.split(" ");
    expect(returned).toBe(task);
    for (let i = 0; i < 2; i++) {
      await until(async () => (await get(port)).status === 200, 5000);
      await get(port, "/?exit=0");
      await g.waitFor(new RegExp(`(exited normally[\\s\\S]*){${i + 1}}`), 10_000);
    }
    expect(await Promise.race([g.exited, new Promise((r) => setTimeout(() => r("timeout"), 10_000))])).toBe(0);
  }, 40_000);
});
