// `typhoon config nginx` run for real: Debian's nginx (nginx-light) in front of real Typhoon backends.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, projectRoot, spawnProcess, spawnTs, until, type Spawned } from "../helpers/http.js";

const NGINX = "/usr/sbin/nginx";
const BIN = path.join(projectRoot, "bin/typhoon.js");
const SITE = "test/fixtures/deploy/site.ts";
const isRoot = process.getuid?.() === 0;

interface Reply { status: number; body: string; headers: http.IncomingHttpHeaders }

function get(port: number, p: string, opts: { tls?: boolean; localAddress?: string } = {}): Promise<Reply> {
  return new Promise((resolve) => {
    const mod = opts.tls ? https : http;
    const req = mod.request({ host: "127.0.0.1", port, path: p, agent: false, localAddress: opts.localAddress, rejectUnauthorized: false }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on("error", (e) => resolve({ status: 0, body: String(e), headers: {} }));
    req.setTimeout(5000, () => req.destroy());
    req.end();
  });
}

function typhoon(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(BIN, args, { cwd: projectRoot, encoding: "utf8", timeout: 30_000, env: { ...process.env, ...env } });
}

/** A world-readable temp prefix (nginx's workers may run as nobody). */
function prefixDir(owner?: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "typhoon-nginx-"));
  fs.chmodSync(dir, 0o755);
  if (owner !== undefined) fs.chownSync(dir, owner, owner);
  return dir;
}

const cleanups: Array<() => void> = [];
const backends: Spawned[] = [];
let staticDir = "";
let ports: number[] = [];

beforeAll(async () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "typhoon-static-"));
  fs.chmodSync(base, 0o755);
  staticDir = path.join(base, "static");
  fs.mkdirSync(staticDir, { mode: 0o755 });
  fs.writeFileSync(path.join(staticDir, "app.css"), "body{color:green}\n", { mode: 0o644 });
  fs.writeFileSync(path.join(staticDir, "robots.txt"), "User-agent: *\n", { mode: 0o644 });
  cleanups.push(() => fs.rmSync(base, { recursive: true, force: true }));
  ports = [await freePort(), await freePort()];
  for (const p of ports) backends.push(spawnTs(SITE, [`--port=${p}`], { SITE_STATIC: staticDir }));
  for (const p of ports) expect(await until(async () => (await get(p, "/who")).status === 200, 20_000)).toBe(true);
}, 40_000);

afterAll(() => {
  for (const b of backends) b.kill("SIGKILL");
  for (const c of cleanups.splice(0)) c();
});

function runNginx(conf: string, prefix: string, asNobody: boolean): Spawned {
  const args = ["-p", prefix, "-c", conf, "-g", "daemon off;"];
  const p = asNobody ? spawnProcess("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", NGINX, ...args]) : spawnProcess(NGINX, args);
  cleanups.push(() => p.kill("SIGKILL"));
  return p;
}

function nginxTest(conf: string, prefix: string, asNobody = false): void {
  const args = ["-t", "-p", prefix, "-c", conf, "-g", "daemon off;"];
  const t = asNobody ? spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", NGINX, ...args], { encoding: "utf8" }) : spawnSync(NGINX, args, { encoding: "utf8" });
  expect(t.status, t.stderr).toBe(0);
}

describe("typhoon config nginx + real nginx", () => {
  const modes = isRoot ? [{ name: "as root", nobody: false }, { name: "as an unprivileged user", nobody: true }] : [{ name: "as this (unprivileged) user", nobody: false }];
  for (const mode of modes) {
    it(`proxies to every backend, passes the client's address and scheme, serves static files with the long cache (${mode.name})`, async () => {
      const [front, tlsFront] = [await freePort(), await freePort()];
      const prefix = prefixDir(mode.nobody ? 65534 : undefined);
      cleanups.push(() => fs.rmSync(prefix, { recursive: true, force: true }));
      const key = path.join(prefix, "key.pem");
      const cert = path.join(prefix, "cert.pem");
      const ssl = spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost"], { encoding: "utf8" });
      expect(ssl.status, ssl.stderr).toBe(0);
      fs.chmodSync(key, 0o644);
      const gen = typhoon(["config", "nginx", SITE, "--ports", ports.join(","), "--listen", `127.0.0.1:${front}`, "--tls-cert", cert, "--tls-key", key, "--tls-listen", `127.0.0.1:${tlsFront}`], { SITE_STATIC: staticDir });
      expect(gen.status, gen.stderr).toBe(0);
      const text = gen.stdout;
      for (const p of ports) expect(text).toContain(`server 127.0.0.1:${p};`);
      expect(text).toContain(`alias "${staticDir}/";`);
      expect(text).toMatch(/include \/etc\/nginx\/mime\.types;/);
      expect(text).not.toMatch(/^user /m);
      const conf = path.join(prefix, "nginx.conf");
      fs.writeFileSync(conf, text, { mode: 0o644 });
      if (mode.nobody) for (const f of [conf, key, cert]) fs.chownSync(f, 65534, 65534);
      nginxTest(conf, prefix, mode.nobody);
      const ng = runNginx(conf, prefix, mode.nobody);
      expect(await until(async () => (await get(front, "/who")).status === 200, 10_000), ng.output()).toBe(true);

      const seen = new Set<string>();
      for (let i = 0; i < 20 && seen.size < 2; i++) {
        const r = await get(front, "/who", { localAddress: "127.0.0.3" });
        expect(r.status).toBe(200);
        const [port, ip, scheme] = r.body.split(" ");
        seen.add(port!);
        expect([ip, scheme]).toEqual(["127.0.0.3", "http"]);
      }
      expect([...seen].sort()).toEqual(ports.map(String).sort());
      const viaTls = await get(tlsFront, "/who", { tls: true, localAddress: "127.0.0.4" });
      expect(viaTls.body).toMatch(/^\d+ 127\.0\.0\.4 https$/);

      const versioned = await get(front, "/static/app.css?v=abc123");
      expect(versioned.body).toBe("body{color:green}\n");
      expect(versioned.headers["cache-control"]).toMatch(/max-age=\d{8,}/);
      expect(versioned.headers["content-type"]).toMatch(/text\/css/);
      const plain = await get(front, "/static/app.css");
      expect(plain.status).toBe(200);
      expect(plain.headers["cache-control"]).toBeUndefined();
      const robots = await get(front, "/robots.txt?v=1");
      expect([robots.status, robots.body]).toEqual([200, "User-agent: *\n"]);
      expect((await get(front, "/static/missing.css")).status).toBe(404);
      expect(fs.existsSync(path.join(prefix, "nginx.pid"))).toBe(true);
      ng.kill("SIGQUIT");
      await ng.exited;
    }, 60_000);
  }

  it("routes around a backend that goes down (and serves static files with every backend down)", async () => {
    const [b1, b2, front] = [await freePort(), await freePort(), await freePort()];
    const own = [b1, b2].map((p) => spawnTs(SITE, [`--port=${p}`], { SITE_STATIC: staticDir }));
    cleanups.push(() => own.forEach((b) => b.kill("SIGKILL")));
    for (const p of [b1, b2]) expect(await until(async () => (await get(p, "/who")).status === 200, 20_000)).toBe(true);
    const prefix = prefixDir();
    cleanups.push(() => fs.rmSync(prefix, { recursive: true, force: true }));
    const gen = typhoon(["config", "nginx", SITE, "--upstream", `127.0.0.1:${b1}`, "--upstream", `localhost:${b2}`, "--listen", `127.0.0.1:${front}`], { SITE_STATIC: staticDir });
    expect(gen.status, gen.stderr).toBe(0);
    expect(gen.stdout).toContain(`server localhost:${b2};`);
    const conf = path.join(prefix, "nginx.conf");
    fs.writeFileSync(conf, gen.stdout);
    const ng = runNginx(conf, prefix, false);
    expect(await until(async () => (await get(front, "/who")).status === 200, 10_000), ng.output()).toBe(true);
    own[0]!.kill("SIGKILL");
    await own[0]!.exited;
    for (let i = 0; i < 8; i++) {
      const r = await get(front, "/who");
      expect(r.status).toBe(200);
      expect(r.body.split(" ")[0]).toBe(String(b2));
    }
    own[1]!.kill("SIGKILL");
    await own[1]!.exited;
    const s = await get(front, "/static/app.css?v=1");
    expect(s.body).toBe("body{color:green}\n");
    expect((await get(front, "/who")).status).toBe(502);
    ng.kill("SIGQUIT");
    await ng.exited;
  }, 60_000);

  it("an app without staticPath: no static locations, a comment saying why; nginx accepts it", () => {
    const gen = typhoon(["config", "nginx", "test/fixtures/deploy/bare.ts"]);
    expect(gen.status, gen.stderr).toBe(0);
    expect(gen.stdout).toContain("server 127.0.0.1:8123;");
    expect(gen.stdout).not.toContain("location ^~ /static/");
    expect(gen.stdout).toMatch(/# No static locations: the app has no staticPath/);
    expect(gen.stdout).toMatch(/does not set xheaders: true/);
    const prefix = prefixDir();
    cleanups.push(() => fs.rmSync(prefix, { recursive: true, force: true }));
    fs.writeFileSync(path.join(prefix, "nginx.conf"), gen.stdout);
    nginxTest(path.join(prefix, "nginx.conf"), prefix);
  }, 30_000);

  it("bad --ports, --upstream and missing backends: a clear error and exit status 2", () => {
    for (const [args, msg] of [
      [["--ports", "8003-8000"], /runs backwards/],
      [["--ports", "abc"], /"abc" is not a port number/],
      [["--ports", "0"], /not a port from 1 to 65535/],
      [["--ports", "8000,8000"], /listed twice/],
      [["--upstream", "nohost"], /expected host:port/],
      [["--ports", "8000", "--upstream", "a:1"], /either --ports or --upstream/],
      [["--tls-cert", "x"], /go together/],
    ] as const) {
      const r = typhoon(["config", "nginx", ...args]);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stdout).toBe("");
    }
    const none = typhoon(["config", "nginx"]);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/give an ENTRY, --ports or --upstream/);
  }, 30_000);
});
