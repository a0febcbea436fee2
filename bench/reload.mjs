// Reload latency: the same small TypeScript node:http hello server under tdev, tsx watch, nodemon
// (running tsx) and node --watch (on the JS equivalent), plus a Typhoon hello app under tdev.
// For each: 20 edits of an imported module; from the write to the first response carrying the new
// body: median and max; failed requests while a client polls every few ms; CPU used while idle.
// `npm run bench -- reload [--edits=20] [--gap=400] [--only=tdev,tsx]`
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { intFlag } from "./lib/args.mjs";
import { freePort } from "./lib/ports.mjs";
import { cpuSeconds, processTree } from "./lib/proc.mjs";

export const description = "reload latency (write → new body) and failed requests: tdev vs tsx watch, nodemon, node --watch";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const bin = (n) => path.join(here, "node_modules", ".bin", n);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const HTTP_TS = `import http from "node:http";
import { body } from "./msg.ts";
const port: number = Number(process.argv[2]);
http.createServer((req, res) => { res.setHeader("Content-Type", "text/plain"); res.end(body); }).listen(port, "127.0.0.1");
`;
const HTTP_MJS = HTTP_TS.replace('"./msg.ts"', '"./msg.mjs"').replace("const port: number", "const port");
const TYPHOON_TS = `import { Application, RequestHandler } from "typhoon";
import { body } from "./msg.ts";
class Main extends RequestHandler { get() { this.setHeader("Content-Type", "text/plain"); this.write(body); } }
await new Application([["/", Main]], { debug: true }).listen(Number(process.argv[2]), "127.0.0.1");
`;
const msgTs = (v) => `export const body: string = ${JSON.stringify(v)};\n`;
const msgJs = (v) => `export const body = ${JSON.stringify(v)};\n`;

function contestants() {
  return [
    { name: "tdev", files: { "server.ts": HTTP_TS }, msg: "msg.ts", fmt: msgTs, cmd: (p) => [process.execPath, [path.join(root, "bin", "tdev.js"), "--quiet", "server.ts", p]] },
    { name: "tsx watch", files: { "server.ts": HTTP_TS }, msg: "msg.ts", fmt: msgTs, cmd: (p) => [bin("tsx"), ["watch", "--clear-screen=false", "server.ts", p]] },
    { name: "nodemon (tsx)", files: { "server.ts": HTTP_TS }, msg: "msg.ts", fmt: msgTs, cmd: (p) => [bin("nodemon"), ["--quiet", "--ext", "ts", "--exec", bin("tsx"), "server.ts", p]] },
    { name: "node --watch (JS)", files: { "server.mjs": HTTP_MJS }, msg: "msg.mjs", fmt: msgJs, cmd: (p) => [process.execPath, ["--watch", "server.mjs", p]] },
    { name: "tdev (Typhoon app)", files: { "server.ts": TYPHOON_TS }, msg: "msg.ts", fmt: msgTs, typhoon: true, cmd: (p) => [process.execPath, [path.join(root, "bin", "tdev.js"), "--quiet", "server.ts", p]] },
  ];
}

function get(port, timeout = 10_000) {
  return new Promise((resolve) => {
    const r = http.get({ host: "127.0.0.1", port, path: "/", agent: false }, (res) => {
      let b = "";
      res.setEncoding("utf8").on("data", (d) => (b += d)).on("end", () => resolve({ status: res.statusCode, body: b })).on("error", () => resolve({ status: 0, body: "" }));
    });
    r.on("error", (e) => resolve({ status: 0, body: "", error: e.code }));
    r.setTimeout(timeout, () => r.destroy());
  });
}

async function runOne(c, { edits, gap }) {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "reload-bench-")));
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "module" }));
  if (c.typhoon) {
    fs.mkdirSync(path.join(dir, "node_modules"));
    fs.symlinkSync(root, path.join(dir, "node_modules", "typhoon"), "dir");
  }
  for (const [n, t] of Object.entries(c.files)) fs.writeFileSync(path.join(dir, n), t);
  fs.writeFileSync(path.join(dir, c.msg), c.fmt("v0"));
  const port = await freePort();
  const [cmd, args] = c.cmd(String(port));
  const child = spawn(cmd, args, { cwd: dir, stdio: ["pipe", "ignore", "pipe"], detached: true, env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" } });
  let err = "";
  child.stderr.on("data", (d) => (err = (err + d).slice(-2000)));
  const result = { name: c.name, lat: [], failed: 0, polls: 0, idleCpuMs: NaN, note: "" };
  try {
    const t0 = Date.now();
    while (Date.now() - t0 < 30_000 && (await get(port, 2000)).body !== "v0") await sleep(20);
    if ((await get(port)).body !== "v0") throw new Error(`${c.name} did not start: ${err.slice(-300)}`);
    await sleep(1000);
    let on = true;
    const bg = (async () => {
      while (on) {
        const r = await get(port);
        result.polls++;
        if (r.status !== 200) result.failed++;
        await sleep(5);
      }
    })();
    for (let i = 1; i <= edits; i++) {
      const want = `v${i}`;
      const t = performance.now();
      fs.writeFileSync(path.join(dir, c.msg), c.fmt(want));
      let ok = false;
      while (performance.now() - t < 15_000) {
        const r = await get(port);
        result.polls++;
        if (r.status !== 200) result.failed++;
        if (r.body === want) { ok = true; break; }
        await sleep(2);
      }
      if (ok) result.lat.push(performance.now() - t);
      else result.note = `edit ${i} never arrived`;
      await sleep(gap);
    }
    on = false;
    await bg;
    // Let a standby start, a draining process end, and V8 run its clean-up collection (about 8 s after
    // activity, in every Node process alike): what follows is the idle state.
    await sleep(12000);
    const a = cpuSeconds(child.pid) ?? NaN;
    await sleep(5000);
    const b = cpuSeconds(child.pid) ?? NaN;
    result.idleCpuMs = ((b - a) * 1000) / 5; // per second of idle
  } catch (e) {
    result.note = String(e.message ?? e).split("\n")[0];
  } finally {
    for (const p of processTree(child.pid).reverse()) { try { process.kill(p, "SIGKILL"); } catch {} }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return result;
}

export async function main(argv) {
  const { values } = parseArgs({
    args: argv,
    options: { edits: { type: "string", default: "20" }, gap: { type: "string", default: "400" }, only: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    console.log("npm run bench -- reload [--edits=20] [--gap=400 (ms between edits)] [--only=tdev,tsx]");
    return;
  }
  const opt = { edits: intFlag(values, "edits", 1, 1000), gap: intFlag(values, "gap", 50, 60000), only: values.only ? values.only.split(",") : null };
  for (const b of ["tsx", "nodemon"]) if (!fs.existsSync(bin(b))) console.log(`(bench/node_modules has no ${b}: cd bench && npm install)`);
  const rows = [];
  for (const c of contestants()) {
    if (opt.only && !opt.only.some((o) => c.name.startsWith(o))) continue;
    if (c.cmd("0")[0].includes("node_modules") && !fs.existsSync(c.cmd("0")[0])) continue;
    process.stderr.write(`reload: ${c.name}...\n`);
    rows.push(await runOne(c, opt));
  }
  const fmt = (x) => (Number.isFinite(x) ? x.toFixed(0) : "n/a");
  const pct = (xs, q) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN; };
  console.log(`\nReload: ${opt.edits} edits each, ${opt.gap} ms apart; latency = write → first response with the new body`);
  console.log(`load average at end: ${os.loadavg().map((l) => l.toFixed(1)).join(" ")} (${os.cpus().length} cores)\n`);
  console.log("| contestant | median ms | max ms | failed requests | idle CPU ms/s | note |");
  console.log("|---|---|---|---|---|---|");
  for (const r of rows) console.log(`| ${r.name} | ${fmt(pct(r.lat, 0.5))} | ${fmt(Math.max(...r.lat))} | ${r.failed}/${r.polls} | ${Number.isFinite(r.idleCpuMs) ? r.idleCpuMs.toFixed(1) : "n/a"} | ${r.note} |`);
}
