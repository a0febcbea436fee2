// Static files: Typhoon's StaticFileHandler beside nginx (Debian's, one worker), express.static and
// @fastify/static, in the same run: req/s for a 1 KB file, a 200 KB file and a conditional request
// answered 304; then Typhoon's peak memory (RSS) while it serves a 1 GB file.
// `npm run bench -- static [--rounds=3 --duration=5 --only=typhoon,nginx ...]`.
//
// This file is also the Node servers: `node bench/static.mjs serve <name> <port> <dir>`.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { benchArgs, COMMON_USAGE, UsageError } from "./lib/args.mjs";
import { pinned, pinning } from "./lib/cpus.mjs";
import { freePort } from "./lib/ports.mjs";
import { startServer, stopAll } from "./lib/proc.mjs";
import { formatInt, formatMs, median, renderTable } from "./lib/table.mjs";
import { assertBuilt, importTyphoon } from "./lib/typhoon.mjs";
import { haveWrk, parseWrk } from "./lib/wrk.mjs";

export const description = "static files req/s (1 KB, 200 KB, 304): Typhoon, nginx, express.static, @fastify/static; RSS serving 1 GB";

const SELF = fileURLToPath(import.meta.url);
const NGINX = "/usr/sbin/nginx";
const FILES = { small: "f1k.txt", medium: "f200k.bin", huge: "f1g.bin" };

/** The Node contestants, started in-process by `serve`. */
const SERVERS = {
  async typhoon(port, dir) {
    const { Application } = await importTyphoon();
    const app = new Application([], { staticPath: dir });
    await app.listen(port, "127.0.0.1");
  },
  async express(port, dir) {
    const { default: express } = await import("express");
    const app = express();
    app.use("/static", express.static(dir));
    await new Promise((resolve) => app.listen(port, "127.0.0.1", resolve));
  },
  async fastify(port, dir) {
    const { default: Fastify } = await import("fastify");
    const { default: fastifyStatic } = await import("@fastify/static");
    const app = Fastify({ logger: false });
    await app.register(fastifyStatic, { root: dir, prefix: "/static/" });
    await app.listen({ port, host: "127.0.0.1" });
  },
};

function nginxConfig(prefix, port, dir) {
  const t = (name) => path.join(prefix, name);
  return `worker_processes 1;
error_log ${t("error.log")} warn;
pid ${t("nginx.pid")};
events { worker_connections 4096; }
http {
  access_log ${t("access.log")};
  client_body_temp_path ${t("body")};
  proxy_temp_path ${t("proxy")};
  fastcgi_temp_path ${t("fastcgi")};
  uwsgi_temp_path ${t("uwsgi")};
  scgi_temp_path ${t("scgi")};
  types { text/plain txt; application/octet-stream bin; }
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:${port};
    location /static/ { alias ${dir}/; }
  }
}
`;
}

const CONTESTANTS = [
  { key: "typhoon", name: "typhoon", start: (port, dir) => (assertBuilt(), nodeSpec("typhoon", port, dir)) },
  {
    key: "nginx",
    name: "nginx",
    start(port, dir) {
      if (spawnSync(NGINX, ["-v"], { stdio: "ignore" }).status !== 0) throw new Error(`${NGINX} not found (apt-get install nginx-light)`);
      const prefix = fs.mkdtempSync(path.join(os.tmpdir(), "typhoon-bench-nginx-"));
      fs.writeFileSync(path.join(prefix, "nginx.conf"), nginxConfig(prefix, port, dir));
      return { cmd: NGINX, args: ["-p", prefix, "-c", path.join(prefix, "nginx.conf"), "-g", "daemon off;"], cleanup: () => fs.rmSync(prefix, { recursive: true, force: true }) };
    },
  },
  { key: "express", name: "express.static", start: (port, dir) => nodeSpec("express", port, dir) },
  { key: "fastify", name: "@fastify/static", start: (port, dir) => nodeSpec("fastify", port, dir) },
];

function nodeSpec(name, port, dir) {
  return { cmd: process.execPath, args: [SELF, "serve", name, String(port), dir], env: { NODE_ENV: "production" } };
}

/** wrk with extra request headers (the shared runWrk sends none), pinned to the load core. */
function wrk({ url, durationSec, connections, headers = {} }) {
  const args = ["-t1", `-c${connections}`, `-d${durationSec}s`, "--timeout", "4s", "--latency"];
  for (const [k, v] of Object.entries(headers)) args.push("-H", `${k}: ${v}`);
  args.push(url);
  const [file, argv] = pinned(pinning().load, "wrk", args);
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (err += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), (durationSec + 15) * 1000);
    child.on("error", (e) => (clearTimeout(timer), reject(e)));
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`wrk failed (${code ?? signal}): ${err || out}`));
      resolve(parseWrk(out));
    });
  });
}

function makeFiles(dir) {
  const text = "Typhoon static bench, one kilobyte of text. ".repeat(30).slice(0, 1024);
  fs.writeFileSync(path.join(dir, FILES.small), text);
  const medium = Buffer.alloc(200 * 1024);
  for (let i = 0; i < medium.length; i++) medium[i] = (i * 31) & 0xff;
  fs.writeFileSync(path.join(dir, FILES.medium), medium);
  return { small: Buffer.from(text), medium };
}

/** Checks a contestant's answers before measuring it, and finds its validator for the 304 row. */
async function probe(port, bytes) {
  const base = `http://127.0.0.1:${port}/static/`;
  for (const [name, expected] of [[FILES.small, bytes.small], [FILES.medium, bytes.medium]]) {
    const res = await fetch(base + name);
    const body = Buffer.from(await res.arrayBuffer());
    if (res.status !== 200 || !body.equals(expected)) throw new Error(`GET /static/${name} → ${res.status}, ${body.length} bytes`);
  }
  const res = await fetch(base + FILES.small);
  await res.arrayBuffer();
  const etag = res.headers.get("etag");
  if (!etag) throw new Error("no Etag");
  // node:http, not fetch: fetch adds `Cache-Control: no-cache` to conditional requests, which makes
  // express/fastify (rightly) answer 200. wrk sends only the headers it is given.
  const status = await new Promise((resolve, reject) => {
    http.get({ host: "127.0.0.1", port, path: `/static/${FILES.small}`, headers: { "If-None-Match": etag } }, (res) => {
      res.resume();
      resolve(res.statusCode);
    }).on("error", reject);
  });
  if (status !== 304) throw new Error(`If-None-Match → ${status}, not 304`);
  return etag;
}

/** Peak RSS of Typhoon while a client downloads a 1 GB (sparse) file, and the transfer rate. */
async function memoryRun(dir) {
  const file = path.join(dir, FILES.huge);
  const size = 1024 * 1024 * 1024;
  const fd = fs.openSync(file, "w");
  fs.ftruncateSync(fd, size);
  fs.closeSync(fd);
  const port = await freePort();
  const server = await startServer({ name: "typhoon-1g", port, readyPath: `/static/${FILES.small}`, ...nodeSpec("typhoon", port, dir) });
  const rss = (field) => Number(/(\d+) kB/.exec(fs.readFileSync(`/proc/${server.pid}/status`, "utf8").split("\n").find((l) => l.startsWith(field)) ?? "")?.[1] ?? NaN) / 1024;
  try {
    const idle = rss("VmRSS:");
    const download = async () => {
      const t0 = performance.now();
      const res = await fetch(`http://127.0.0.1:${port}/static/${FILES.huge}`);
      let got = 0;
      for await (const chunk of res.body) got += chunk.length;
      if (got !== size) throw new Error(`1 GB download got ${got} bytes`);
      return (performance.now() - t0) / 1000;
    };
    const first = await download(); // includes hashing the file once for its Etag
    const second = await download();
    return { idle, peak: rss("VmHWM:"), first, second, mbps: size / 1024 / 1024 / second };
  } finally {
    await server.stop();
    fs.rmSync(file, { force: true });
  }
}

/** Entry point for `bench/run.mjs static [flags]`. */
export async function main(argv) {
  const opts = benchArgs(argv, { "skip-memory": { type: "boolean" } });
  if (opts.help) {
    process.stdout.write(`Usage: npm run bench -- static [flags]\n\n${description}\n\n${COMMON_USAGE}\n  --skip-memory     skip the 1 GB RSS measurement\n  (servers: ${CONTESTANTS.map((c) => c.key).join(", ")})\n`);
    return;
  }
  if (!haveWrk()) throw new UsageError("wrk is not installed (apt-get install wrk)");
  const chosen = CONTESTANTS.filter((c) => !opts.only || opts.only.has(c.key) || opts.only.has(c.name));
  if (!chosen.length) throw new UsageError(`--only matches no server (have ${CONTESTANTS.map((c) => c.key).join(", ")})`);
  const log = (line) => process.stderr.write(line + "\n");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "typhoon-bench-static-"));
  const cleanups = [];
  try {
    fs.chmodSync(dir, 0o755); // nginx's worker may run as another user (root starts it as nobody/www-data)
    const bytes = makeFiles(dir);
    log(`static: ${chosen.length} servers, ${opts.rounds} rounds x ${opts.durationSec}s per test, wrk -t1 -c${opts.connections}; ${pinning().note}`);
    const live = [];
    const skipped = [];
    for (const c of chosen) {
      const port = await freePort();
      let spec;
      try {
        spec = c.start(port, dir);
      } catch (err) {
        skipped.push(`${c.name}: ${err.message}`);
        continue;
      }
      if (spec.cleanup) cleanups.push(spec.cleanup);
      const server = await startServer({ name: c.name, port, readyPath: `/static/${FILES.small}`, ...spec });
      const etag = await probe(port, bytes);
      live.push({ c, port, server, etag });
      log(`  started ${c.name} (pid ${server.pid}, port ${port})`);
    }
    const tests = [
      { key: "1k", title: "GET 1 KB file", path: FILES.small, headers: () => ({}) },
      { key: "200k", title: "GET 200 KB file", path: FILES.medium, headers: () => ({}) },
      { key: "304", title: "If-None-Match → 304", path: FILES.small, headers: (s) => ({ "If-None-Match": s.etag }) },
    ];
    const results = new Map();
    try {
      for (const t of tests) {
        for (const s of live) {
          if (opts.warmupSec > 0) await wrk({ url: `http://127.0.0.1:${s.port}/static/${t.path}`, durationSec: opts.warmupSec, connections: opts.connections, headers: t.headers(s) });
        }
        for (let round = 0; round < opts.rounds; round++) {
          const order = live.map((_, i) => live[(i + round) % live.length]);
          for (const s of order) {
            const r = await wrk({ url: `http://127.0.0.1:${s.port}/static/${t.path}`, durationSec: opts.durationSec, connections: opts.connections, headers: t.headers(s) });
            const key = `${t.key}/${s.c.key}`;
            results.set(key, [...(results.get(key) ?? []), r]);
            const bad = r.non2xx && t.key !== "304" ? `  (${r.non2xx} non-2xx)` : "";
            log(`  ${t.title.padEnd(20)} round ${round + 1}/${opts.rounds} ${s.c.name.padEnd(16)} ${formatInt(r.rps).padStart(8)} req/s  p99 ${formatMs(r.p99)}${bad}${r.socketErrors ? `  (${r.socketErrors} socket errors)` : ""}`);
          }
        }
      }
    } finally {
      await Promise.all(live.map((s) => s.server.stop()));
      await stopAll();
    }
    const rps = (t, key) => median((results.get(`${t.key}/${key}`) ?? []).map((r) => r.rps));
    const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}x` : "-");
    const names = live.map((s) => s.c);
    const columns = [
      { title: "test", get: (t) => t.title },
      ...names.map((c) => ({ title: c.name, get: (t) => formatInt(rps(t, c.key)) })),
      { title: "vs nginx", get: (t) => ratio(rps(t, "typhoon"), rps(t, "nginx")) },
      { title: "vs express", get: (t) => ratio(rps(t, "typhoon"), rps(t, "express")) },
      { title: "vs fastify", get: (t) => ratio(rps(t, "typhoon"), rps(t, "fastify")) },
    ];
    let out = `\nStatic files, req/s (median of ${opts.rounds} x ${opts.durationSec}s, wrk -c${opts.connections}); "vs" = Typhoon / peer\n\n${renderTable(columns, tests)}\n`;
    const verdicts = [];
    const t1k = tests[0];
    if (Number.isFinite(rps(t1k, "fastify")) && Number.isFinite(rps(t1k, "typhoon"))) {
      verdicts.push(`1 KB ≥ 3x @fastify/static: ${rps(t1k, "typhoon") >= 3 * rps(t1k, "fastify") ? "yes" : "NO"}`);
    }
    if (Number.isFinite(rps(t1k, "express"))) {
      verdicts.push(`every row ≥ 2x express.static: ${tests.every((t) => rps(t, "typhoon") >= 2 * rps(t, "express")) ? "yes" : "NO"}`);
    }
    if (verdicts.length) out += `\nTargets: ${verdicts.join("; ")}\n`;
    for (const s of skipped) out += `skipped ${s}\n`;
    process.stdout.write(out);

    if (!values(opts)["skip-memory"] && (!opts.only || opts.only.has("typhoon"))) {
      log("  memory: Typhoon serving a 1 GB sparse file twice ...");
      const m = await memoryRun(dir);
      process.stdout.write(
        `\nTyphoon serving a 1 GB file: RSS idle ${m.idle.toFixed(0)} MB, peak ${m.peak.toFixed(0)} MB (VmHWM); ` +
          `first download ${m.first.toFixed(1)} s (includes hashing it once for the Etag), second ${m.second.toFixed(1)} s (${m.mbps.toFixed(0)} MB/s)\n`,
      );
    }
  } finally {
    for (const c of cleanups) c();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function values(opts) {
  return opts.values ?? {};
}

if (process.argv[1] === SELF && process.argv[2] === "serve") {
  const [name, port, dir] = process.argv.slice(3);
  const serve = SERVERS[name];
  if (!serve) {
    process.stderr.write(`unknown server ${name}\n`);
    process.exit(2);
  }
  await serve(Number(port), dir);
}
