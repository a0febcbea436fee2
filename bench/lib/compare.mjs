// The shared shape of an HTTP throughput bench: start each contestant (pinned), check its response,
// warm it up, then measure it with wrk over several interleaved rounds (the order rotates each round
// so no contestant always runs first or last), and report medians.
//
// Each measured run gets a fresh server process, warmed up just before. On this project's VM one
// long-lived process can stay 20-30% faster or slower than another of the same server for its whole
// life (code and heap placement, JIT decisions), so a median over one process per contestant
// measures that luck; a median over fresh processes evens it out. `reuse` keeps one process per
// contestant for all rounds (faster; a one-second rewarm precedes each run instead).
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
 * warmupSec, rewarmSec, connections, reuse, baseline, title, log }`. Resolves to `{ rows, table }`.
 */
export async function compareServers(contestants, opts) {
  const { path: urlPath = "/", rounds = 3, durationSec = 5, warmupSec = 2, rewarmSec = 1, connections = 64, reuse = false, baseline, title = "bench" } = opts;
  const log = opts.log ?? ((line) => process.stderr.write(line + "\n"));
  const loadBefore = os.loadavg()[0];
  log(`${title}: ${contestants.length} servers, ${rounds} rounds x ${durationSec}s, wrk -t1 -c${connections}, ${reuse ? "one process per server" : "a fresh process per run"}; ${pinning().note}`);
  const results = new Map(contestants.map((c) => [c.name, []]));
  const skipped = new Map();

  /** Starts `c` and checks its answer; null when it cannot run here (recorded in `skipped`). */
  const launch = async (c) => {
    const port = await freePort();
    let spec;
    try {
      spec = await c.start(port);
    } catch (err) {
      skipped.set(c.name, `${c.name}: ${err.message}`);
      return null;
    }
    if (!spec) return null;
    const server = await startServer({ name: c.name, port, readyPath: urlPath, ...spec });
    const url = `http://127.0.0.1:${port}${urlPath}`;
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    const problem = c.check?.(res, await res.text());
    if (problem) {
      await server.stop();
      throw new Error(`${c.name} answered wrongly: ${problem}`);
    }
    return { contestant: c, server, url };
  };

  const measure = async (s, round) => {
    const cpu0 = cpuSeconds(s.server.pid);
    const r = await runWrk({ url: s.url, durationSec, connections });
    const cpu1 = cpuSeconds(s.server.pid);
    r.cpuUsPerReq = cpu0 !== null && cpu1 !== null && r.requests > 0 ? ((cpu1 - cpu0) * 1e6) / r.requests : NaN;
    results.get(s.contestant.name).push(r);
    log(`  round ${round + 1}/${rounds} ${s.contestant.name.padEnd(12)} ${formatInt(r.rps).padStart(8)} req/s  p99 ${formatMs(r.p99)}  ${r.cpuUsPerReq.toFixed(1)} µs CPU/req${r.non2xx || r.socketErrors ? `  (${r.non2xx} non-2xx, ${r.socketErrors} socket errors)` : ""}`);
  };

  const servers = [];
  try {
    if (reuse) {
      for (const c of contestants) {
        const s = await launch(c);
        if (!s) continue;
        servers.push(s);
        log(`  started ${c.name} (pid ${s.server.pid}, port ${s.server.port})`);
      }
      for (const s of servers) if (warmupSec > 0) await runWrk({ url: s.url, durationSec: warmupSec, connections });
      for (let round = 0; round < rounds; round++) {
        for (const s of servers.map((_, i) => servers[(i + round) % servers.length])) {
          if (rewarmSec > 0) await runWrk({ url: s.url, durationSec: rewarmSec, connections });
          await measure(s, round);
        }
      }
    } else {
      for (let round = 0; round < rounds; round++) {
        const runnable = contestants.filter((c) => !skipped.has(c.name));
        for (const c of runnable.map((_, i) => runnable[(i + round) % runnable.length])) {
          const s = await launch(c);
          if (!s) continue;
          try {
            if (warmupSec > 0) await runWrk({ url: s.url, durationSec: warmupSec, connections });
            await measure(s, round);
          } finally {
            await s.server.stop();
          }
        }
      }
    }
  } finally {
    await Promise.all(servers.map((s) => s.server.stop()));
    await stopAll();
  }
  const rows = contestants.filter((c) => results.get(c.name).length > 0).map((contestant) => {
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
  saveResults(title, { load, date: new Date().toISOString(), opts: { rounds, durationSec, warmupSec, rewarmSec, connections, reuse }, pinning: pinning().note, rows, skipped: [...skipped.values()] });
  return { rows, table, skipped: [...skipped.values()], load };
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
