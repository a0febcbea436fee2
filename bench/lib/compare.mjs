// The shared shape of an HTTP throughput bench: start every contestant once (pinned), check its
// response, warm it up, then measure it with wrk over several interleaved rounds (the order rotates
// each round so no contestant always runs first or last), stop everything, and report medians.
// Each measured run follows a one-second rewarm of its server: a server left idle while the others
// run may have shrunk its heap or dropped compiled code, and the bench measures the steady state.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "./ports.mjs";
import { pinning } from "./cpus.mjs";
import { cpuSeconds, startServer, stopAll } from "./proc.mjs";
import { runWrk } from "./wrk.mjs";
import { formatInt, formatMs, formatRatio, median, renderTable } from "./table.mjs";
import { projectRoot } from "./typhoon.mjs";

/**
 * contestants: `[{ name, start(port) → { cmd, args, env?, cwd? }, check?(res, body) → string|undefined }]`
 * (`check` returns an error message when the response is wrong). opts: `{ path, rounds, durationSec,
 * warmupSec, rewarmSec, connections, baseline, title, log }`. Resolves to `{ rows, table }`.
 */
export async function compareServers(contestants, opts) {
  const { path: urlPath = "/", rounds = 3, durationSec = 5, warmupSec = 2, rewarmSec = 1, connections = 64, baseline, title = "bench" } = opts;
  const log = opts.log ?? ((line) => process.stderr.write(line + "\n"));
  const loadBefore = os.loadavg()[0];
  log(`${title}: ${contestants.length} servers, ${rounds} rounds x ${durationSec}s, wrk -t1 -c${connections}; ${pinning().note}`);
  const servers = [];
  const results = new Map(contestants.map((c) => [c.name, []]));
  const skipped = [];
  try {
    for (const c of contestants) {
      const port = await freePort();
      let spec;
      try {
        spec = await c.start(port);
      } catch (err) {
        skipped.push(`${c.name}: ${err.message}`);
        continue;
      }
      if (!spec) continue;
      const server = await startServer({ name: c.name, port, readyPath: urlPath, ...spec });
      const res = await fetch(`http://127.0.0.1:${port}${urlPath}`, { signal: AbortSignal.timeout(5000) });
      const body = await res.text();
      const problem = c.check?.(res, body);
      if (problem) throw new Error(`${c.name} answered wrongly: ${problem}`);
      servers.push({ contestant: c, server, url: `http://127.0.0.1:${port}${urlPath}` });
      log(`  started ${c.name} (pid ${server.pid}, port ${port})`);
    }
    for (const s of servers) {
      if (warmupSec > 0) await runWrk({ url: s.url, durationSec: warmupSec, connections });
    }
    for (let round = 0; round < rounds; round++) {
      const order = servers.map((_, i) => servers[(i + round) % servers.length]);
      for (const s of order) {
        if (rewarmSec > 0) await runWrk({ url: s.url, durationSec: rewarmSec, connections });
        const cpu0 = cpuSeconds(s.server.pid);
        const r = await runWrk({ url: s.url, durationSec, connections });
        const cpu1 = cpuSeconds(s.server.pid);
        r.cpuUsPerReq = cpu0 !== null && cpu1 !== null && r.requests > 0 ? ((cpu1 - cpu0) * 1e6) / r.requests : NaN;
        results.get(s.contestant.name).push(r);
        log(`  round ${round + 1}/${rounds} ${s.contestant.name.padEnd(12)} ${formatInt(r.rps).padStart(8)} req/s  p99 ${formatMs(r.p99)}  ${r.cpuUsPerReq.toFixed(1)} µs CPU/req${r.non2xx || r.socketErrors ? `  (${r.non2xx} non-2xx, ${r.socketErrors} socket errors)` : ""}`);
      }
    }
  } finally {
    await Promise.all(servers.map((s) => s.server.stop()));
    await stopAll();
  }
  const rows = servers.map(({ contestant }) => {
    const runs = results.get(contestant.name);
    return {
      name: contestant.name,
      rps: median(runs.map((r) => r.rps)),
      rpsMin: Math.min(...runs.map((r) => r.rps)),
      rpsMax: Math.max(...runs.map((r) => r.rps)),
      p50: median(runs.map((r) => r.p50)),
      p99: median(runs.map((r) => r.p99)),
      cpuUsPerReq: median(runs.map((r) => r.cpuUsPerReq)),
      errors: runs.reduce((a, r) => a + r.non2xx + r.socketErrors, 0),
      runs: runs.map(({ raw, ...rest }) => rest),
    };
  });
  const load = `load average ${loadBefore.toFixed(2)} before, ${os.loadavg()[0].toFixed(2)} after`;
  if (Math.max(loadBefore, os.loadavg()[0]) > 1.5) log(`  warning: the machine was busy (${load}); req/s are unreliable, CPU/req less so`);
  const base = rows.find((r) => r.name === baseline)?.rps;
  const baseCpu = rows.find((r) => r.name === baseline)?.cpuUsPerReq;
  const table = renderTable(
    [
      { title: "server", get: (r) => r.name },
      { title: "req/s (median)", get: (r) => formatInt(r.rps) },
      { title: "min – max", get: (r) => `${formatInt(r.rpsMin)} – ${formatInt(r.rpsMax)}` },
      { title: "p50", get: (r) => formatMs(r.p50) },
      { title: "p99", get: (r) => formatMs(r.p99) },
      { title: `vs ${baseline ?? "-"}`, get: (r) => (base ? formatRatio(r.rps / base) : "-") },
      { title: "server CPU/req", get: (r) => (Number.isFinite(r.cpuUsPerReq) ? `${r.cpuUsPerReq.toFixed(1)} µs` : "-") },
      { title: `CPU vs ${baseline ?? "-"}`, get: (r) => (baseCpu && Number.isFinite(r.cpuUsPerReq) ? formatRatio(baseCpu / r.cpuUsPerReq) : "-") },
      { title: "errors", get: (r) => String(r.errors) },
    ],
    rows,
  );
  saveResults(title, { load, date: new Date().toISOString(), opts: { rounds, durationSec, warmupSec, rewarmSec, connections }, pinning: pinning().note, rows, skipped });
  return { rows, table, skipped, load };
}

/** Keeps the raw figures in bench/results/ (ignored by git) for later comparison. */
function saveResults(title, data) {
  try {
    const dir = path.join(projectRoot, "bench/results");
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${title}-${data.date.replace(/[:.]/g, "-")}.json`);
    fs.writeFileSync(file, JSON.stringify(data, null, 2));
  } catch {
    /* results are a convenience */
  }
}
