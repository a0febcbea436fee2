// `typhoon config supervisord` run for real with Debian's supervisor; `typhoon config systemd`
// checked with systemd-analyze and its ExecStart run as systemd would.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { childPids, freePort, projectRoot, spawnProcess, until, type Spawned } from "../helpers/http.js";

const BIN = path.join(projectRoot, "bin/typhoon.js");
const SITE = "test/fixtures/deploy/site.ts";
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function get(port: number, p: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = http.get({ host: "127.0.0.1", port, path: p, agent: false }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
    });
    req.on("error", (e) => resolve({ status: 0, body: String(e) }));
    req.setTimeout(5000, () => req.destroy());
  });
}

function typhoon(args: string[]) {
  return spawnSync(BIN, args, { cwd: projectRoot, encoding: "utf8", timeout: 30_000 });
}

function tmp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "typhoon-pm-"));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe("typhoon config supervisord", () => {
  it("runs one process per port under Debian's supervisord, socket, pid and logs next to the config", async () => {
    const ports = [await freePort(), await freePort()];
    const args = ["config", "supervisord", SITE, "--ports", ports.join(","), "--name", "site"];
    // Above the hard limit only a process with CAP_SYS_RESOURCE may raise minfds (supervisord refuses
    // to start otherwise): containers often lack it even as root.
    const hard = Number(spawnSync("sh", ["-c", "ulimit -Hn"], { encoding: "utf8" }).stdout.trim());
    if (Number.isFinite(hard) && hard < 65536) args.push("--minfds", String(hard));
    const gen = typhoon(args);
    expect(gen.status, gen.stderr).toBe(0);
    expect(gen.stdout).toMatch(/^minfds=\d+$/m);
    expect(gen.stdout).toContain(`[program:site-${ports[0]}]`);
    expect(gen.stdout).toContain(`--port=${ports[1]}`);
    const dir = tmp();
    const conf = path.join(dir, "supervisord.conf");
    fs.writeFileSync(conf, gen.stdout);
    const sup: Spawned = spawnProcess("/usr/bin/supervisord", ["-n", "-c", conf]);
    cleanups.push(() => {
      // supervisord's programs first (by pid), then supervisord.
      for (const pid of childPids(sup.child.pid!)) try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
      sup.kill("SIGKILL");
    });
    for (const p of ports) {
      const ok = await until(async () => (await get(p, "/who")).status === 200, 30_000);
      expect(ok, sup.output() + (fs.existsSync(path.join(dir, `site-${p}.log`)) ? fs.readFileSync(path.join(dir, `site-${p}.log`), "utf8") : "")).toBe(true);
      expect((await get(p, "/who")).body).toBe(`${p} 127.0.0.1 http`);
    }
    expect(fs.existsSync(path.join(dir, "supervisor.sock"))).toBe(true);
    expect(fs.existsSync(path.join(dir, "supervisord.pid"))).toBe(true);
    // startsecs=2: a program is STARTING for two seconds after it launched, then RUNNING.
    const status = () => spawnSync("/usr/bin/supervisorctl", ["-c", conf, "status"], { encoding: "utf8" }).stdout;
    const running = await until(() => ports.every((p) => new RegExp(`site:site-${p}\\s+RUNNING`).test(status())), 10_000);
    expect(running, status()).toBe(true);
    sup.kill("SIGTERM");
    expect(await Promise.race([sup.exited, new Promise((r) => setTimeout(() => r("timeout"), 20_000))])).toBe(0);
    for (const p of ports) expect((await get(p, "/who")).status).toBe(0);
  }, 60_000);

  it("takes the port from the app when no --ports is given; bad flags exit 2", () => {
    const gen = typhoon(["config", "supervisord", "test/fixtures/deploy/bare.ts"]);
    expect(gen.status, gen.stderr).toBe(0);
    expect(gen.stdout).toMatch(/--port=8123$/m);
    const bad = typhoon(["config", "supervisord", SITE, "--ports", "9-x"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/bad --ports/);
    const noEntry = typhoon(["config", "supervisord", "--ports", "8000"]);
    expect(noEntry.status).toBe(2);
    expect(noEntry.stderr).toMatch(/needs the app's ENTRY/);
  }, 30_000);
});

describe("typhoon config systemd", () => {
  it("a template unit systemd-analyze accepts, whose ExecStart serves the instance's port", async () => {
    const gen = typhoon(["config", "systemd", SITE, "--ports", "8000-8003", "--name", "site", "--env", "SITE_STATIC=/srv/static"]);
    expect(gen.status, gen.stderr).toBe(0);
    const unit = gen.stdout;
    expect(unit).toMatch(/^LimitNOFILE=65536$/m);
    expect(unit).toContain("systemctl enable --now site@8000 site@8001 site@8002 site@8003");
    expect(unit).toMatch(/^Environment=SITE_STATIC=\/srv\/static$/m);
    const dir = tmp();
    fs.writeFileSync(path.join(dir, "site@.service"), unit);
    fs.symlinkSync("site@.service", path.join(dir, "site@8000.service"));
    const verify = spawnSync("systemd-analyze", ["verify", path.join(dir, "site@8000.service")], { encoding: "utf8" });
    expect(verify.status, verify.stderr).toBe(0);

    const port = await freePort();
    const exec = /^ExecStart=(.*)$/m.exec(unit)![1]!.replace(/%i/g, String(port)).split(" ");
    const cwd = /^WorkingDirectory=(.*)$/m.exec(unit)![1]!;
    expect(cwd).toBe(projectRoot);
    const proc = spawnProcess(exec[0]!, exec.slice(1));
    cleanups.push(() => proc.kill("SIGKILL"));
    expect(await until(async () => (await get(port, "/who")).status === 200, 20_000), proc.output()).toBe(true);
    expect((await get(port, "/who")).body).toBe(`${port} 127.0.0.1 http`);
    proc.kill("SIGTERM"); // KillSignal=SIGTERM: Typhoon stops gracefully and exits 0
    expect(await proc.exited).toBe(0);
  }, 40_000);
});
