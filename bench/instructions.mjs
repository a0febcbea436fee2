// Hello-world CPU instructions per request, counted by valgrind's callgrind: user-space instructions
// of the server's main thread. Requests per second on a shared VM move by 5-20% between runs; this is
// the figure to decide small changes by.
// `npm run bench -- instructions [--requests=10000 --warm=50000 --batch=32 --only=typhoon,node]`.
//
// Each server runs under callgrind. After `--warm` requests (so the JIT has settled), the counters are
// zeroed and `--requests` more are sent in batches of `--batch`, one per kept-alive connection, each
// batch sent while the server is stopped (SIGSTOP) and then let go (SIGCONT). The server then finds
// the whole batch ready in one turn of its event loop, every time: with free-running clients the number
// of requests per turn depended on timing, and with it the share of each turn's fixed cost (the poll,
// the log flush) a request carried, which moved the figures by 2-3% from run to run.
// The kernel's share (the TCP stack) is not counted: it is about the same for every Node server here.
// Nor are V8's helper threads: under valgrind its optimizing compiler is still at work long after it
// would have finished in a normal run (Fastify's shows as a third more), which would count warm-up.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { BODY, CONTESTANTS } from "./hello.mjs";
import { intFlag, UsageError } from "./lib/args.mjs";
import { freePort } from "./lib/ports.mjs";
import { startServer, stopAll } from "./lib/proc.mjs";
import { formatInt, formatRatio, renderTable } from "./lib/table.mjs";

export const description = "hello-world instructions per request under callgrind: Typhoon, node:http, Fastify";

const DEFAULT_SERVERS = ["typhoon", "typhoon-nolog", "typhoon-bare", "node-tornado-work", "node-tornado-floor", "node", "fastify"];
const CONNECTIONS = 16;
const DEFAULT_BATCH = 32;

const USAGE = `Usage: npm run bench -- instructions [flags]

${description}

  --requests=N   measured requests per server (default 10000)
  --warm=N       requests before counting, for the JIT to settle (default 50000)
  --batch=N      counted requests per turn of the server's event loop (default ${DEFAULT_BATCH}; wrk's 64
                 connections give about 60 on this machine's bench)
  --only=a,b     these servers (default ${DEFAULT_SERVERS.join(",")}; also: ${CONTESTANTS.map((c) => c.key).filter((k) => !DEFAULT_SERVERS.includes(k)).join(", ")})
Needs valgrind (apt-get install valgrind). Takes about a minute per server.
`;

/**
 * One GET / on `agent`; resolves once the request is on the wire, with `{ answer }`, a promise of the
 * checked response (wrapped: resolving with a promise would wait for it).
 */
function sendOne(port, agent) {
  return new Promise((sent, fail) => {
    let answered;
    const response = new Promise((resolve, reject) => (answered = { resolve, reject }));
    response.catch(() => {});
    const req = http.get({ host: "127.0.0.1", port, path: "/", agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => (res.statusCode === 200 && body === BODY ? answered.resolve() : answered.reject(new Error(`status ${res.statusCode}, body ${JSON.stringify(body.slice(0, 80))}`))));
    });
    req.setTimeout(60_000, () => req.destroy(new Error("no answer within 60 s")));
    req.on("error", (err) => (answered.reject(err), fail(err)));
    req.on("finish", () => sent({ answer: response }));
  });
}

/** Sends `total` GET / requests over `CONNECTIONS` kept-alive sockets, as fast as they are answered. */
async function load(port, total) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  let sent = 0;
  const worker = async () => {
    while (sent < total) {
      sent++;
      await (await sendOne(port, agent)).answer;
    }
  };
  try {
    await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  } finally {
    agent.destroy();
  }
}

/**
 * Sends `total` GET / requests in batches of `batch`, each batch written while the server (`pid`) is
 * stopped, so that it reads the whole batch in one turn of its event loop.
 */
async function loadInBatches(port, total, batch, pid) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: batch });
  try {
    for (let done = 0; done < total; done += batch) {
      const n = Math.min(batch, total - done);
      process.kill(pid, "SIGSTOP");
      let sent;
      try {
        sent = await Promise.all(Array.from({ length: n }, () => sendOne(port, agent)));
        // On the wire is in the server's socket buffers on loopback; a moment more for the last packets.
        await sleep(2);
      } finally {
        process.kill(pid, "SIGCONT");
      }
      await Promise.all(sent.map((s) => s.answer));
    }
  } finally {
    agent.destroy();
  }
}

/** Runs `callgrind_control <flag> <pid>`, throwing with its output when it fails. */
function callgrindControl(flag, pid) {
  const r = spawnSync("callgrind_control", [flag, String(pid)], { encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) throw new Error(`callgrind_control ${flag} ${pid} failed: ${r.stderr || r.stdout}`);
}

/** The main thread's `totals:` from the first dump (`cg.out.1-01`); waits for it to be written. */
async function readMainThreadTotal(dir) {
  const file = path.join(dir, "cg.out.1-01");
  for (let i = 0; i < 100; i++) {
    const total = fs.existsSync(file) ? /^totals:\s+(\d+)/m.exec(fs.readFileSync(file, "utf8"))?.[1] : undefined;
    if (total) return Number(total);
    await sleep(200);
  }
  throw new Error(`callgrind wrote no complete dump to ${file}`);
}

/** Measures one contestant: `{ name, key, main }`, main-thread instructions per request. */
async function measure(contestant, { requests, warm, batch }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "typhoon-callgrind-"));
  try {
    const port = await freePort();
    const { cmd, args, env } = contestant.start(port);
    const server = await startServer({
      name: contestant.name,
      cmd: "valgrind",
      args: ["--tool=callgrind", "--separate-threads=yes", `--callgrind-out-file=${path.join(dir, "cg.out")}`, cmd, ...args],
      env,
      port,
      timeoutMs: 120_000,
    });
    try {
      await load(port, warm);
      // Two batches first, so that the counted ones find their connections open and accepted.
      await loadInBatches(port, 2 * batch, batch, server.pid);
      callgrindControl("-z", server.pid);
      await loadInBatches(port, requests, batch, server.pid);
      callgrindControl("-d", server.pid);
      return { name: contestant.name, key: contestant.key, main: (await readMainThreadTotal(dir)) / requests };
    } finally {
      await server.stop(10_000);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Entry point for `bench/run.mjs instructions [flags]`. */
export async function main(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      requests: { type: "string", default: "10000" },
      warm: { type: "string", default: "50000" },
      batch: { type: "string", default: String(DEFAULT_BATCH) },
      only: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return void process.stdout.write(USAGE);
  const requests = intFlag(values, "requests", 100, 1_000_000);
  const warm = intFlag(values, "warm", 0, 1_000_000);
  const batch = intFlag(values, "batch", 1, 256);
  if (spawnSync("valgrind", ["--version"], { stdio: "ignore" }).status !== 0) throw new UsageError("valgrind is not installed (apt-get install valgrind)");
  const keys = values.only ? values.only.split(",").map((s) => s.trim()) : DEFAULT_SERVERS;
  const contestants = keys.map((k) => {
    const c = CONTESTANTS.find((x) => x.key === k);
    if (!c) throw new UsageError(`unknown server ${k} (have ${CONTESTANTS.map((x) => x.key).join(", ")})`);
    return c;
  });

  const rows = [];
  try {
    for (const c of contestants) {
      process.stderr.write(`  ${c.name}: ${warm} requests to warm up, then ${requests} counted...\n`);
      const row = await measure(c, { requests, warm, batch });
      process.stderr.write(`  ${c.name}: ${formatInt(row.main)} instructions/request\n`);
      rows.push(row);
    }
  } finally {
    await stopAll();
  }
  const base = rows.find((r) => r.key === "node");
  const table = renderTable(
    [
      { title: "server", get: (r) => r.name },
      { title: "instructions/request", get: (r) => formatInt(r.main) },
      { title: "node:http's as % of it", get: (r) => (base ? formatRatio(base.main / r.main) : "-") },
    ],
    rows,
  );
  process.stdout.write(`\nGET / → "${BODY}" under callgrind; ${requests} requests counted after ${warm} to warm up, in batches of ${batch} per event-loop turn; the server's main thread, user space\n\n${table}\n`);
}
