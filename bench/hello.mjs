// Hello-world throughput: Typhoon beside raw node:http, Fastify, Express and Tornado 6.2, each
// answering GET / with "Hello, world". `npm run bench -- hello [--rounds=3 --duration=5 ...]`.
//
// This file is also the servers: `node bench/hello.mjs serve <name> <port>` runs one contestant, so
// all of them live in one place and Typhoon runs from compiled JS under plain node (no loader).
import { spawnSync } from "node:child_process";
import { hash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { benchArgs, COMMON_USAGE, PROCESS_USAGE, UsageError } from "./lib/args.mjs";
import { compareServers } from "./lib/compare.mjs";
import { haveWrk } from "./lib/wrk.mjs";
import { assertBuilt, importTyphoon } from "./lib/typhoon.mjs";

export const description = "hello-world req/s and p99: Typhoon, node:http, Fastify, Express, Tornado 6.2 (wrk)";

export const BODY = "Hello, world";
const PYTHON = "/usr/bin/python3";
const SELF = fileURLToPath(import.meta.url);

const TORNADO_APP = `
import asyncio, sys
import tornado.web

class MainHandler(tornado.web.RequestHandler):
    def get(self):
        self.write("${BODY}")

async def main():
    app = tornado.web.Application([(r"/", MainHandler)])
    app.listen(int(sys.argv[1]), "127.0.0.1")
    await asyncio.Event().wait()

asyncio.run(main())
`;

/** Typhoon's response headers for BODY, as a flat list for `writeHead`: its defaults, the SHA-1 Etag, the length. */
function tornadoHeaders() {
  return ["Server", "TyphoonServer/0.1", "Content-Type", "text/html; charset=UTF-8", "Etag", `"${hash("sha1", BODY, "hex")}"`, "Content-Length", Buffer.byteLength(BODY)];
}

/** The servers, started in-process by `serve`. */
async function typhoonServer(port, settings, { tornadoHeaders = true } = {}) {
  const { Application, RequestHandler } = await importTyphoon();
  class MainHandler extends RequestHandler {
    get() {
      this.write(BODY);
    }
  }
  // Without Tornado's Server header and Etag, a response carries what Fastify's does.
  class BareHandler extends MainHandler {
    setDefaultHeaders() {
      this.clearHeader("Server");
    }
    computeEtag() {
      return null;
    }
  }
  const app = new Application([["/", tornadoHeaders ? MainHandler : BareHandler]], settings);
  await app.listen(port, "127.0.0.1");
}

const SERVERS = {
  typhoon: (port) => typhoonServer(port, {}),
  // Tornado's hello world configures no logging, so it writes no access log; this variant matches it.
  "typhoon-nolog": (port) => typhoonServer(port, { logFunction: () => {} }),
  // The same without the Server header and the Etag: the framework's own cost, like for like with Fastify.
  "typhoon-bare": (port) => typhoonServer(port, { logFunction: () => {} }, { tornadoHeaders: false }),
  // The per-request work Tornado's semantics ask of Typhoon, done by hand on raw node:http: the Server
  // and Content-Type headers and a SHA-1 Etag of the body. The gap between this row and node:http is
  // what those semantics cost; the gap between it and typhoon-nolog is the framework's own.
  async "node-tornado-work"(port) {
    const http = await import("node:http");
    const server = http.createServer((req, res) => {
      res.writeHead(200, tornadoHeaders());
      res.end(BODY);
    });
    await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  },
  // The least any server sending Tornado's response can do through node:http's public API: the same
  // headers, built once, with the Etag computed once (Typhoon caches a repeated short body's Etag).
  // No framework, no log: what is left of the gap to node:http is Node's own header work.
  async "node-tornado-floor"(port) {
    const http = await import("node:http");
    const headers = tornadoHeaders();
    const server = http.createServer((req, res) => {
      res.writeHead(200, headers);
      res.end(BODY);
    });
    await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  },
  async node(port) {
    const http = await import("node:http");
    const server = http.createServer((req, res) => {
      res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": BODY.length });
      res.end(BODY);
    });
    await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  },
  async fastify(port) {
    const { default: Fastify } = await import("fastify");
    const app = Fastify({ logger: false });
    app.get("/", async () => BODY);
    await app.listen({ port, host: "127.0.0.1" });
  },
  async express(port) {
    const { default: express } = await import("express");
    const app = express();
    app.get("/", (req, res) => {
      res.send(BODY);
    });
    await new Promise((resolve) => app.listen(port, "127.0.0.1", resolve));
  },
};

const DISPLAY_NAMES = {
  node: "node:http",
  "typhoon-nolog": "typhoon, no access log",
  "node-tornado-work": "node:http + Tornado's headers, Etag",
  "node-tornado-floor": "node:http + Tornado's headers, fixed",
  "typhoon-bare": "typhoon, no access log, no Server/Etag",
};

const nodeServer = (name) => ({
  name: DISPLAY_NAMES[name] ?? name,
  key: name,
  start: (port) => ({ cmd: process.execPath, args: [SELF, "serve", name, String(port)], env: { NODE_ENV: "production" } }),
  check: (res, body) => (res.status !== 200 || body !== BODY ? `status ${res.status}, body ${JSON.stringify(body.slice(0, 80))}` : undefined),
});

/** A Typhoon variant: as `nodeServer`, after checking that `npm run build` has made dist/. */
function typhoonServerEntry(name) {
  const server = nodeServer(name);
  return { ...server, start: (port) => (assertBuilt(), server.start(port)) };
}

/** The hello-world servers, as `compareServers` takes them (also used by bench/instructions.mjs). */
export const CONTESTANTS = [
  typhoonServerEntry("typhoon"),
  typhoonServerEntry("typhoon-nolog"),
  { ...typhoonServerEntry("typhoon-bare"), optional: true },
  nodeServer("node-tornado-work"),
  { ...nodeServer("node-tornado-floor"), optional: true },
  nodeServer("node"),
  nodeServer("fastify"),
  nodeServer("express"),
  {
    name: "tornado 6.2",
    key: "tornado",
    start(port) {
      const probe = spawnSync(PYTHON, ["-c", "import tornado; print(tornado.version)"], { encoding: "utf8" });
      if (probe.status !== 0) throw new Error(`${PYTHON} cannot import tornado (apt-get install python3-tornado)`);
      return { cmd: PYTHON, args: ["-c", TORNADO_APP, String(port)] };
    },
    check: (res, body) => (res.status !== 200 || body !== BODY ? `status ${res.status}` : undefined),
  },
];

/** Entry point for `bench/run.mjs hello [flags]`. */
export async function main(argv) {
  const opts = benchArgs(argv);
  if (opts.help) {
    process.stdout.write(`Usage: npm run bench -- hello [flags]\n\n${description}\n\n${COMMON_USAGE}\n${PROCESS_USAGE}\n  (servers: ${CONTESTANTS.map((c) => c.key + (c.optional ? " (only with --only)" : "")).join(", ")})\n`);
    return;
  }
  if (!haveWrk()) throw new UsageError("wrk is not installed (apt-get install wrk)");
  const contestants = CONTESTANTS.filter((c) => (opts.only ? opts.only.has(c.key) || opts.only.has(c.name) : !c.optional));
  if (contestants.length === 0) throw new UsageError(`--only matches no server (have ${CONTESTANTS.map((c) => c.key).join(", ")})`);
  const { table, skipped, load } = await compareServers(contestants, { ...opts, path: "/", baseline: "node:http", title: "hello" });
  process.stdout.write(`\nGET / → "${BODY}"; ${opts.rounds} rounds x ${opts.durationSec}s per server, medians; ${load}\n\n${table}\n`);
  for (const s of skipped) process.stdout.write(`skipped ${s}\n`);
}

if (process.argv[1] === SELF && process.argv[2] === "serve") {
  const [name, port] = process.argv.slice(3);
  const serve = SERVERS[name];
  if (!serve) {
    process.stderr.write(`unknown server ${name}\n`);
    process.exit(2);
  }
  await serve(Number(port));
}
