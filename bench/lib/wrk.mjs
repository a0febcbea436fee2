// Running Debian's wrk (pinned to the load core) and parsing its `--latency` report.
import { spawn, spawnSync } from "node:child_process";
import { pinned, pinning } from "./cpus.mjs";
import { track } from "./proc.mjs";

/** Whether `wrk` is on PATH. */
export function haveWrk() {
  return spawnSync("wrk", ["--version"], { stdio: "ignore" }).error === undefined;
}

const UNIT_MS = { us: 0.001, ms: 1, s: 1000, m: 60000, h: 3600000 };

/** "1.23ms" → 1.23 (milliseconds). */
export function parseDuration(text) {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text.trim());
  return m ? Number(m[1]) * UNIT_MS[m[2]] : NaN;
}

/** Parses wrk's text output into numbers. */
export function parseWrk(text) {
  const num = (re) => {
    const m = re.exec(text);
    return m ? Number(m[1]) : 0;
  };
  const pct = {};
  for (const m of text.matchAll(/^\s+(50|75|90|99)%\s+(\S+)/gm)) pct[`p${m[1]}`] = parseDuration(m[2]);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const latencyAvg = /Latency\s+(\S+)/.exec(text);
  return {
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    requests: num(/(\d+) requests in/),
    latencyAvg: latencyAvg ? parseDuration(latencyAvg[1]) : NaN,
    ...pct,
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/),
    socketErrors: sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
  };
}

/**
 * Runs `wrk --latency` against `url` for `durationSec` seconds and resolves to the parsed report.
 * Bounded: wrk is killed if it runs 15 s past its duration.
 */
export function runWrk({ url, durationSec = 5, connections = 64, threads = 1, timeoutSec = 4, pin = true }) {
  const args = [`-t${threads}`, `-c${connections}`, `-d${durationSec}s`, `--timeout`, `${timeoutSec}s`, "--latency", url];
  const [file, argv] = pin ? pinned(pinning().load, "wrk", args) : ["wrk", args];
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { stdio: ["ignore", "pipe", "pipe"], detached: true });
    track(child);
    let out = "";
    let err = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (err += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), (durationSec + 15) * 1000);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`wrk failed (${code ?? signal}): ${err || out}`));
      resolve({ ...parseWrk(out), raw: out });
    });
  });
}
