// WebSocket echo throughput: 100 connections, each keeping a window of messages in flight, against
// Typhoon's WebSocketHandler and a raw `ws` WebSocketServer (the library Typhoon builds on).
// `npm run bench -- websocket [--connections=100 --duration=5 --rounds=3 --window=8 --size=64]`.
//
// This file is also the servers (`node bench/websocket.mjs serve <name> <port>`) and the load
// generator (`node bench/websocket.mjs client <port> ...`), pinned to separate cores.
import { spawn } from "node:child_process";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { intFlag } from "./lib/args.mjs";
import { freePort } from "./lib/ports.mjs";
import { pinning } from "./lib/cpus.mjs";
import { startServer, stopAll } from "./lib/proc.mjs";
import { formatInt, formatRatio, median, renderTable } from "./lib/table.mjs";
import { assertBuilt, importTyphoon } from "./lib/typhoon.mjs";

export const description = "WebSocket echo messages/s over 100 connections: Typhoon WebSocketHandler vs raw ws";

const SELF = fileURLToPath(import.meta.url);

const SERVERS = {
  async typhoon(port) {
    const { Application, RequestHandler, WebSocketHandler } = await importTyphoon();
    class Echo extends WebSocketHandler {
      onMessage(message) {
        this.writeMessage(message);
      }
    }
    class Main extends RequestHandler {
      get() {
        this.write("ok");
      }
    }
    const app = new Application([["/", Main], ["/ws", Echo]]);
    await app.listen(port, "127.0.0.1");
  },
  async ws(port) {
    const http = await import("node:http");
    const { WebSocketServer } = await import("ws");
    const server = http.createServer((req, res) => res.end("ok"));
    const wss = new WebSocketServer({ server, path: "/ws", perMessageDeflate: false, maxPayload: 10 * 1024 * 1024 });
    wss.on("connection", (ws) => {
      ws.on("message", (data, isBinary) => ws.send(isBinary ? data : data.toString(), { binary: isBinary }));
    });
    await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  },
};

/** Opens `conns` connections, keeps `window` text messages of `size` bytes in flight on each, counts echoes. */
async function client(port, conns, durationSec, window, size) {
  const { WebSocket } = await import("ws");
  const payload = "m".repeat(size);
  const sockets = await Promise.all(
    Array.from({ length: conns }, () => new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { perMessageDeflate: false });
      ws.on("open", () => resolve(ws));
      ws.on("error", reject);
    })),
  );
  let count = 0;
  let bad = 0;
  let running = true;
  for (const ws of sockets) {
    ws.on("message", (data) => {
      if (data.length !== size) bad++;
      count++;
      if (running) ws.send(payload);
    });
  }
  for (const ws of sockets) for (let i = 0; i < window; i++) ws.send(payload);
  await new Promise((r) => setTimeout(r, 1000)); // warm-up
  const start = count;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, durationSec * 1000));
  const rate = ((count - start) * 1000) / (performance.now() - t0);
  running = false;
  for (const ws of sockets) ws.terminate();
  process.stdout.write(JSON.stringify({ rate, bad }) + "\n");
  process.exit(0);
}

function runClient(port, opts) {
  const args = [SELF, "client", String(port), String(opts.connections), String(opts.duration), String(opts.window), String(opts.size)];
  const load = pinning().load;
  const [file, argv] = load.length ? [load[0], [...load.slice(1), process.execPath, ...args]] : [process.execPath, args];
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), (opts.duration + 30) * 1000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out));
      } catch {
        reject(new Error(`client failed (${code}): ${out}`));
      }
    });
  });
}

const CONTESTANTS = [
  { key: "typhoon", name: "typhoon", start: (port) => (assertBuilt(), [process.execPath, [SELF, "serve", "typhoon", String(port)]]) },
  { key: "ws", name: "ws", start: (port) => [process.execPath, [SELF, "serve", "ws", String(port)]] },
];

/** Entry point for `bench/run.mjs websocket [flags]`. */
export async function main(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      connections: { type: "string", default: "100" },
      duration: { type: "string", default: "5" },
      rounds: { type: "string", default: "3" },
      window: { type: "string", default: "8" },
      size: { type: "string", default: "64" },
      only: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(`Usage: npm run bench -- websocket [--connections=100 --duration=5 --rounds=3 --window=8 --size=64 --only=typhoon,ws]\n\n${description}\n`);
    return;
  }
  const opts = {
    connections: intFlag(values, "connections", 1, 10000),
    duration: intFlag(values, "duration", 1, 120),
    rounds: intFlag(values, "rounds", 1, 20),
    window: intFlag(values, "window", 1, 1000),
    size: intFlag(values, "size", 1, 16 * 1024 * 1024),
  };
  const only = values.only ? new Set(values.only.split(",")) : null;
  const log = (line) => process.stderr.write(line + "\n");
  log(`websocket: ${opts.connections} connections x ${opts.window} in flight, ${opts.size}-byte text messages, ${opts.rounds} rounds x ${opts.duration}s; ${pinning().note}`);
  const servers = [];
  const results = new Map();
  try {
    for (const c of CONTESTANTS) {
      if (only && !only.has(c.key)) continue;
      const port = await freePort();
      const [cmd, args] = c.start(port);
      servers.push({ c, port, server: await startServer({ name: c.name, cmd, args, port, env: { NODE_ENV: "production" } }) });
      results.set(c.name, []);
    }
    for (let round = 0; round < opts.rounds; round++) {
      const order = servers.map((_, i) => servers[(i + round) % servers.length]);
      for (const s of order) {
        const r = await runClient(s.port, opts);
        if (r.bad) throw new Error(`${s.c.name} echoed ${r.bad} wrong messages`);
        results.get(s.c.name).push(r.rate);
        log(`  round ${round + 1}/${opts.rounds} ${s.c.name.padEnd(8)} ${formatInt(r.rate).padStart(9)} msg/s`);
      }
    }
  } finally {
    await Promise.all(servers.map((s) => s.server.stop()));
    await stopAll();
  }
  const rows = [...results].map(([name, rates]) => ({ name, rate: median(rates), min: Math.min(...rates), max: Math.max(...rates) }));
  const base = rows.find((r) => r.name === "ws")?.rate;
  const table = renderTable(
    [
      { title: "server", get: (r) => r.name },
      { title: "echo msg/s (median)", get: (r) => formatInt(r.rate) },
      { title: "min – max", get: (r) => `${formatInt(r.min)} – ${formatInt(r.max)}` },
      { title: "vs ws", get: (r) => (base ? formatRatio(r.rate / base) : "-") },
    ],
    rows,
  );
  process.stdout.write(`\nWebSocket echo, ${opts.connections} connections, ${opts.window} messages in flight each, ${opts.size} B; medians\n\n${table}\n`);
}

if (process.argv[1] === SELF && process.argv[2] === "serve") {
  await SERVERS[process.argv[3]](Number(process.argv[4]));
} else if (process.argv[1] === SELF && process.argv[2] === "client") {
  const [port, conns, duration, window, size] = process.argv.slice(3).map(Number);
  await client(port, conns, duration, window, size);
}
