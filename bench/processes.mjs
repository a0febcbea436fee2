// Multi-process throughput and rolling restarts: Typhoon start(1), start(0) under both node:cluster
// scheduling policies, Tornado 6.2's bind + start(0); then failed requests while SIGHUP replaces the
// workers of a start(0) group under load. `npm run bench -- processes [--rounds=3 --duration=5 ...]`.
//
// This file is also the servers: `node bench/processes.mjs serve <name> <port>` (cluster workers run it
// again, and start() makes them listen). Servers are NOT pinned to one core here (a process group on
// one core would measure nothing); wrk stays pinned to its core, so on a 2-core machine the workers
// share the cores with the load generator: read the ratios, not the absolute figures.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { assertBuilt, importTyphoon } from "./lib/typhoon.mjs";
// The bench helpers are loaded in main() only: lib/proc.mjs installs SIGHUP/SIGTERM handlers at import,
// which must not exist in the servers (this file), whose primary takes SIGHUP as "rolling restart".
let lib;
async function loadLib() {
  lib ??= {
    ...(await import("./lib/args.mjs")),
    ...(await import("./lib/compare.mjs")),
    ...(await import("./lib/ports.mjs")),
    ...(await import("./lib/proc.mjs")),
    ...(await import("./lib/table.mjs")),
    ...(await import("./lib/wrk.mjs")),
  };
  return lib;
}

export const description = "multi-process req/s: start(1), start(0) RR vs NONE, Tornado start(0); failures during a rolling restart";

const BODY = "Hello, world";
const PYTHON = "/usr/bin/python3";
const SELF = fileURLToPath(import.meta.url);
const CPUS = os.availableParallelism?.() ?? os.cpus().length;

const TORNADO_APP = `
import sys, tornado.web, tornado.httpserver, tornado.ioloop
class MainHandler(tornado.web.RequestHandler):
    def get(self):
        self.write("${BODY}")
server = tornado.httpserver.HTTPServer(tornado.web.Application([(r"/", MainHandler)]))
server.bind(int(sys.argv[1]), "127.0.0.1")
server.start(0)
tornado.ioloop.IOLoop.current().start()
`;

async function serveTyphoon(port, processes, policy) {
  const { Application, RequestHandler, HTTPServer } = await importTyphoon();
  class MainHandler extends RequestHandler {
    get() {
      this.write(BODY);
    }
  }
  // Access logs off: the primary and workers share the log file here, which would measure the disk.
  const app = new Application([["/", MainHandler]], { logFunction: () => undefined });
  const server = new HTTPServer(app);
  server.bind(port, "127.0.0.1");
  await server.start(processes, { schedulingPolicy: policy });
}

const typhoon = (name, key, processes, policy) => ({
  name,
  key,
  start: (port) => (assertBuilt(), { cmd: process.execPath, args: [SELF, "serve", String(port), String(processes), policy], env: { NODE_ENV: "production" }, pin: false }),
  check: (res, body) => (res.status !== 200 || body !== BODY ? `status ${res.status}, body ${JSON.stringify(body.slice(0, 80))}` : undefined),
});

const CONTESTANTS = [
  typhoon("typhoon start(1)", "one", 1, "rr"),
  typhoon(`typhoon start(0) RR (${CPUS})`, "rr", 0, "rr"),
  typhoon(`typhoon start(0) NONE (${CPUS})`, "none", 0, "none"),
  {
    name: `tornado 6.2 start(0) (${CPUS})`,
    key: "tornado",
    start(port) {
      const probe = spawnSync(PYTHON, ["-c", "import tornado"], { encoding: "utf8" });
      if (probe.status !== 0) throw new Error(`${PYTHON} cannot import tornado (apt-get install python3-tornado)`);
      return { cmd: PYTHON, args: ["-W", "ignore::DeprecationWarning", "-c", TORNADO_APP, String(port)], pin: false };
    },
    check: (res, body) => (res.status !== 200 || body !== BODY ? `status ${res.status}` : undefined),
  },
];

function get(port) {
  return new Promise((resolve) => {
    const req = http.get({ host: "127.0.0.1", port, path: "/", agent: false }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve(res.statusCode === 200 && body === BODY ? "ok" : `status ${res.statusCode}`));
      res.on("error", (e) => resolve(e.code ?? e.message));
    });
    req.on("error", (e) => resolve(e.code ?? e.message));
    req.setTimeout(10_000, () => req.destroy(new Error("timeout")));
  });
}

/** SIGHUP under load: wrk (keep-alive) plus 4 loops of fresh connections; counts every failure. */
async function rolling(policy, durationSec, log) {
  const { freePort, startServer, runWrk } = lib;
  const port = await freePort();
  const server = await startServer({ name: `rolling-${policy}`, port, cmd: process.execPath, args: [SELF, "serve", String(port), "0", policy], pin: false });
  try {
    let stop = false;
    let fresh = 0;
    const failures = new Map();
    const loops = Array.from({ length: 4 }, async () => {
      while (!stop) {
        const r = await get(port);
        fresh++;
        if (r !== "ok") failures.set(r, (failures.get(r) ?? 0) + 1);
      }
    });
    const wrk = runWrk({ url: `http://127.0.0.1:${port}/`, durationSec, connections: 32 });
    await new Promise((r) => setTimeout(r, 1000));
    process.kill(server.pid, "SIGHUP");
    const t0 = Date.now();
    while (!/rolling restart done/.test(server.output()) && Date.now() - t0 < (durationSec - 1) * 1000) await new Promise((r) => setTimeout(r, 100));
    const done = /rolling restart done/.test(server.output());
    const took = Date.now() - t0;
    const w = await wrk;
    stop = true;
    await Promise.all(loops);
    const failedFresh = [...failures.values()].reduce((a, b) => a + b, 0);
    log(`  rolling restart (${policy}): ${done ? `done in ${took} ms` : "NOT finished"}; wrk ${w.requests} requests, ${w.non2xx} non-2xx, ${w.socketErrors} socket errors; fresh connections ${fresh}, failed ${failedFresh} ${[...failures.keys()].join(",")}`);
    return { policy, done, took, wrkRequests: w.requests, wrkFailed: w.non2xx + w.socketErrors, fresh, failedFresh };
  } finally {
    await server.stop(15_000);
  }
}

/** Entry point for `bench/run.mjs processes [flags]`. */
export async function main(argv) {
  const { benchArgs, COMMON_USAGE, PROCESS_USAGE, UsageError, haveWrk, compareServers, stopAll, renderTable, formatInt } = await loadLib();
  const opts = benchArgs(argv, { "rolling-duration": { type: "string", default: "12" } });
  if (opts.help) {
    process.stdout.write(`Usage: npm run bench -- processes [flags]\n\n${description}\n\n${COMMON_USAGE}\n${PROCESS_USAGE}\n  --rolling-duration=S  seconds of load around each rolling restart (default 12)\n  (servers: ${CONTESTANTS.map((c) => c.key).join(", ")}, rolling)\n`);
    return;
  }
  if (!haveWrk()) throw new UsageError("wrk is not installed (apt-get install wrk)");
  const wanted = (k) => !opts.only || opts.only.has(k);
  const contestants = CONTESTANTS.filter((c) => wanted(c.key));
  const log = (line) => process.stderr.write(line + "\n");
  let out = "";
  if (contestants.length) {
    const { table, skipped } = await compareServers(contestants, { ...opts, path: "/", baseline: "typhoon start(1)", title: "processes" });
    out += `\nGET / → "${BODY}" on ${CPUS} CPUs; servers unpinned, wrk -t1 -c${opts.connections} pinned; ${opts.rounds} rounds x ${opts.durationSec}s, medians\n\n${table}\n`;
    for (const s of skipped) out += `skipped ${s}\n`;
  }
  if (wanted("rolling")) {
    const rows = [];
    try {
      for (const policy of ["rr", "none"]) rows.push(await rolling(policy, Number(opts.values["rolling-duration"]), log));
    } finally {
      await stopAll();
    }
    out += `\nRolling restart (SIGHUP) of start(0) under load: wrk keep-alive -c32 plus 4 loops of new connections\n\n`;
    out += renderTable(
      [
        { title: "policy", get: (r) => r.policy },
        { title: "restart took", get: (r) => (r.done ? `${formatInt(r.took)} ms` : "unfinished") },
        { title: "wrk requests", get: (r) => formatInt(r.wrkRequests) },
        { title: "wrk failed", get: (r) => String(r.wrkFailed) },
        { title: "new-connection requests", get: (r) => formatInt(r.fresh) },
        { title: "failed", get: (r) => String(r.failedFresh) },
      ],
      rows,
    ) + "\n";
  }
  process.stdout.write(out);
}

if (process.argv[1] === SELF && process.argv[2] === "serve") {
  const [port, processes, policy] = process.argv.slice(3);
  await serveTyphoon(Number(port), Number(processes), policy === "none" ? "none" : "rr");
}
