// Standing connections: each server holds N idle long-poll requests (GET /wait), we read its memory
// per connection (RSS delta / N), then one POST /msg wakes them all and we time until every client has
// its answer. Typhoon beside raw node:http and Tornado 6.2, same run.
// `npm run bench -- connections [--connections=10000 --rounds=1 --only=typhoon,node,tornado]`.
//
// This file is also the servers (`node bench/connections.mjs serve <name> <port>`) and the client
// (`node bench/connections.mjs client <port> <n>`), each started with the open-files limit raised.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import readline from "node:readline";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { intFlag } from "./lib/args.mjs";
import { freePort } from "./lib/ports.mjs";
import { pinning } from "./lib/cpus.mjs";
import { startServer, stopAll } from "./lib/proc.mjs";
import { formatInt, formatMs, formatRatio, median, renderTable } from "./lib/table.mjs";
import { assertBuilt, importTyphoon } from "./lib/typhoon.mjs";

export const description = "memory per idle long-poll connection (10 000) and time to wake them all: Typhoon, node:http, Tornado 6.2";

const SELF = fileURLToPath(import.meta.url);
const PYTHON = "/usr/bin/python3";

const TORNADO_APP = `
import asyncio, sys
import tornado.web

waiters = set()

class Wait(tornado.web.RequestHandler):
    async def get(self):
        self.fut = asyncio.get_running_loop().create_future()
        waiters.add(self.fut)
        try:
            message = await self.fut
        except asyncio.CancelledError:
            return
        self.write({"message": message})

    def on_connection_close(self):
        waiters.discard(self.fut)
        self.fut.cancel()

class Msg(tornado.web.RequestHandler):
    def post(self):
        text = self.get_argument("text")
        woken = list(waiters)
        waiters.clear()
        for f in woken:
            if not f.done():
                f.set_result(text)
        self.write({"woke": len(woken)})

class Waiting(tornado.web.RequestHandler):
    def get(self):
        self.write({"waiting": len(waiters)})

class Main(tornado.web.RequestHandler):
    def get(self):
        self.write("ok")

async def main():
    app = tornado.web.Application([(r"/", Main), (r"/wait", Wait), (r"/msg", Msg), (r"/waiting", Waiting), (r"/gc", Main)])
    app.listen(int(sys.argv[1]), "127.0.0.1", backlog=4096)
    await asyncio.Event().wait()

asyncio.run(main())
`;

/** The servers, started in-process by `serve`. Each: GET / → ok, GET /wait waits, POST /msg?text= wakes all, GET /waiting, GET /gc. */
const SERVERS = {
  async typhoon(port) {
    const { Application, RequestHandler, HTTPServer } = await importTyphoon();
    const waiters = new Set();
    class Wait extends RequestHandler {
      wake = null;
      async get() {
        const message = await new Promise((resolve) => {
          this.wake = resolve;
          waiters.add(resolve);
        });
        if (message !== null) this.write({ message });
      }
      onConnectionClose() {
        if (this.wake) {
          waiters.delete(this.wake);
          this.wake(null);
        }
      }
    }
    class Msg extends RequestHandler {
      post() {
        const text = this.getArgument("text");
        const woken = [...waiters];
        waiters.clear();
        for (const w of woken) w(text);
        this.write({ woke: woken.length });
      }
    }
    class Waiting extends RequestHandler {
      get() {
        this.write({ waiting: waiters.size });
      }
    }
    class Gc extends RequestHandler {
      get() {
        globalThis.gc?.();
        this.write("ok");
      }
    }
    class Main extends RequestHandler {
      get() {
        this.write("ok");
      }
    }
    const app = new Application([["/", Main], ["/wait", Wait], ["/msg", Msg], ["/waiting", Waiting], ["/gc", Gc]]);
    const server = new HTTPServer(app, { idleConnectionTimeout: 600_000 });
    server.server.listen({ port, host: "127.0.0.1", backlog: 4096 });
  },
  async node(port) {
    const http = await import("node:http");
    const waiters = new Set();
    const json = (res, obj) => {
      const body = JSON.stringify(obj);
      res.writeHead(200, { "Content-Type": "application/json; charset=UTF-8", "Content-Length": Buffer.byteLength(body) });
      res.end(body);
    };
    const server = http.createServer({ keepAliveTimeout: 600_000 }, (req, res) => {
      const url = new URL(req.url, "http://x");
      if (url.pathname === "/wait") {
        waiters.add(res);
        res.once("close", () => waiters.delete(res));
      } else if (url.pathname === "/msg") {
        const woken = [...waiters];
        waiters.clear();
        for (const w of woken) json(w, { message: url.searchParams.get("text") });
        json(res, { woke: woken.length });
      } else if (url.pathname === "/waiting") json(res, { waiting: waiters.size });
      else {
        if (url.pathname === "/gc") globalThis.gc?.();
        res.end("ok");
      }
    });
    server.listen({ port, host: "127.0.0.1", backlog: 4096 });
  },
};

/** Opens n idle long polls, reports "ready", and on "wake <text>" POSTs it and reports the time until all are answered. */
async function client(port, n) {
  const replies = new Array(n).fill("");
  const sockets = [];
  let token = "";
  let answered = 0;
  let errors = 0;
  const request = "GET /wait HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  for (let i = 0; i < n; i += 250) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + 250); j++) {
      const s = net.connect(port, "127.0.0.1");
      s.on("error", () => errors++);
      s.on("data", (d) => {
        if (replies[j] === null) return;
        replies[j] += d;
        if (token && replies[j].includes(token)) {
          replies[j] = null;
          answered++;
        }
      });
      sockets.push(s);
      batch.push(new Promise((resolve) => {
        s.once("connect", () => {
          s.write(request);
          resolve();
        });
        s.once("error", resolve);
      }));
    }
    await Promise.all(batch);
  }
  const say = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
  say({ ready: true, errors });
  for await (const line of readline.createInterface({ input: process.stdin })) {
    const [cmd, text] = line.split(" ");
    if (cmd !== "wake") continue;
    token = text;
    const t0 = performance.now();
    const allAnswered = new Promise((resolve) => {
      const check = setInterval(() => {
        if (answered === n || performance.now() - t0 > 60_000) {
          clearInterval(check);
          resolve();
        }
      }, 1);
    });
    const res = await fetch(`http://127.0.0.1:${port}/msg?text=${text}`, { method: "POST" });
    const woke = (await res.json()).woke;
    await allAnswered;
    const done = answered;
    const ms = performance.now() - t0;
    for (const s of sockets) s.destroy();
    say({ woke, answered: done, ms, errors });
    process.exit(0);
  }
}

function rssKb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : NaN;
}

async function getJson(port, path) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const withLimit = (cmd, args) => ["bash", ["-c", 'ulimit -n "$(ulimit -Hn)"; exec "$@"', "bash", cmd, ...args]];

const CONTESTANTS = [
  { key: "typhoon", name: "typhoon", start: (port) => (assertBuilt(), withLimit(process.execPath, ["--expose-gc", SELF, "serve", "typhoon", String(port)])) },
  { key: "node", name: "node:http", start: (port) => withLimit(process.execPath, ["--expose-gc", SELF, "serve", "node", String(port)]) },
  {
    key: "tornado",
    name: "tornado 6.2",
    start(port) {
      const probe = spawnSync(PYTHON, ["-c", "import tornado"], { encoding: "utf8" });
      if (probe.status !== 0) throw new Error(`${PYTHON} cannot import tornado (apt-get install python3-tornado)`);
      return withLimit(PYTHON, ["-c", TORNADO_APP, String(port)]);
    },
  },
];

async function measure(contestant, n, log) {
  const port = await freePort();
  const [cmd, args] = contestant.start(port);
  const server = await startServer({ name: contestant.name, cmd, args, port, readyPath: "/", env: { NODE_ENV: "production" } });
  try {
    for (let i = 0; i < 50; i++) await getJson(port, "/");
    await getJson(port, "/gc");
    const before = rssKb(server.pid);
    const [ccmd, cargs] = withLimit(process.execPath, [SELF, "client", String(port), String(n)]);
    const [file, argv] = pinning().load.length ? [pinning().load[0], [...pinning().load.slice(1), ccmd, ...cargs]] : [ccmd, cargs];
    const child = spawn(file, argv, { stdio: ["pipe", "pipe", "inherit"] });
    const lines = readline.createInterface({ input: child.stdout });
    const next = () => new Promise((resolve, reject) => {
      lines.once("line", (l) => resolve(JSON.parse(l)));
      child.once("exit", (code) => reject(new Error(`client exited (${code})`)));
    });
    const ready = await next();
    const deadline = Date.now() + 120_000;
    let waiting = 0;
    while (Date.now() < deadline) {
      waiting = (await getJson(port, "/waiting")).waiting;
      if (waiting >= n) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    // A new request while all wait.
    const t0 = performance.now();
    const probe = await getJson(port, "/");
    const probeMs = performance.now() - t0;
    await getJson(port, "/gc");
    await new Promise((r) => setTimeout(r, 300));
    const after = rssKb(server.pid);
    const text = "wake" + Math.random().toString(36).slice(2, 10);
    child.stdin.write(`wake ${text}\n`);
    const woke = await next();
    const row = {
      name: contestant.name,
      n,
      waiting,
      perConnKb: (after - before) / n,
      rssBeforeMb: before / 1024,
      rssAfterMb: after / 1024,
      probeMs: probe === "ok" ? probeMs : NaN,
      wakeMs: woke.answered === n ? woke.ms : NaN,
      answered: woke.answered,
      errors: ready.errors + woke.errors,
    };
    log(`  ${contestant.name.padEnd(12)} waiting ${waiting}/${n}, RSS ${row.rssBeforeMb.toFixed(1)} → ${row.rssAfterMb.toFixed(1)} MB (${row.perConnKb.toFixed(2)} KB/conn), new request ${formatMs(probeMs)}, woke ${woke.answered} in ${formatMs(woke.ms)}`);
    return row;
  } finally {
    await server.stop();
  }
}

/** Entry point for `bench/run.mjs connections [flags]`. */
export async function main(argv) {
  const { values } = parseArgs({
    args: argv,
    options: { connections: { type: "string", default: "10000" }, rounds: { type: "string", default: "1" }, only: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    process.stdout.write(`Usage: npm run bench -- connections [--connections=10000] [--rounds=1] [--only=typhoon,node,tornado]\n\n${description}\n`);
    return;
  }
  const n = intFlag(values, "connections", 1, 100000);
  const rounds = intFlag(values, "rounds", 1, 20);
  const only = values.only ? new Set(values.only.split(",")) : null;
  const log = (line) => process.stderr.write(line + "\n");
  log(`connections: ${n} idle long polls per server, ${rounds} round(s); ${pinning().note}; fd limit raised to the hard limit (${spawnSync("bash", ["-c", "ulimit -Hn"], { encoding: "utf8" }).stdout.trim()})`);
  const results = new Map();
  const skipped = [];
  try {
    for (let r = 0; r < rounds; r++) {
      for (const c of CONTESTANTS) {
        if (only && !only.has(c.key)) continue;
        try {
          const row = await measure(c, n, log);
          if (!results.has(c.name)) results.set(c.name, []);
          results.get(c.name).push(row);
        } catch (err) {
          skipped.push(`${c.name}: ${err.message.split("\n")[0]}`);
        }
      }
    }
  } finally {
    await stopAll();
  }
  const rows = [...results].map(([name, runs]) => ({
    name,
    waiting: Math.min(...runs.map((x) => x.waiting)),
    perConnKb: median(runs.map((x) => x.perConnKb)),
    rss: median(runs.map((x) => x.rssAfterMb)),
    probeMs: median(runs.map((x) => x.probeMs)),
    wakeMs: median(runs.map((x) => x.wakeMs)),
    errors: runs.reduce((a, x) => a + x.errors, 0),
  }));
  const base = rows.find((x) => x.name === "node:http")?.perConnKb;
  const table = renderTable(
    [
      { title: "server", get: (x) => x.name },
      { title: "held", get: (x) => formatInt(x.waiting) },
      { title: "KB / connection", get: (x) => x.perConnKb.toFixed(2) },
      { title: "vs node:http", get: (x) => (base ? formatRatio(x.perConnKb / base) : "-") },
      { title: "RSS held (MB)", get: (x) => x.rss.toFixed(1) },
      { title: "new request", get: (x) => formatMs(x.probeMs) },
      { title: "wake all", get: (x) => formatMs(x.wakeMs) },
      { title: "errors", get: (x) => String(x.errors) },
    ],
    rows,
  );
  process.stdout.write(`\n${n} idle long-poll connections per server (RSS delta / n after GC; wake = POST to last answer)\n\n${table}\n`);
  for (const s of skipped) process.stdout.write(`skipped ${s}\n`);
}

if (process.argv[1] === SELF && process.argv[2] === "serve") {
  const [name, port] = process.argv.slice(3);
  await SERVERS[name](Number(port));
} else if (process.argv[1] === SELF && process.argv[2] === "client") {
  await client(Number(process.argv[3]), Number(process.argv[4]));
}
