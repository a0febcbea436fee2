// CPU pinning: on a 2-core box the server gets core 0 and the load generator core 1, so they never
// fight over a core and results are comparable between contestants.
import os from "node:os";
import { spawnSync } from "node:child_process";

let cached;

/** `{ server: ["taskset","-c","0"], load: [...], note }`, or empty prefixes when pinning is impossible. */
export function pinning() {
  if (cached) return cached;
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const hasTaskset = spawnSync("taskset", ["-c", "0", "true"], { stdio: "ignore" }).status === 0;
  if (cores >= 2 && hasTaskset) {
    cached = { server: ["taskset", "-c", "0"], load: ["taskset", "-c", "1"], note: "server pinned to core 0, load generator to core 1 (taskset)" };
  } else {
    cached = { server: [], load: [], note: `no pinning (${cores} core(s), taskset ${hasTaskset ? "present" : "missing"}): figures are noisier` };
  }
  return cached;
}

/** Prefixes `cmd args` with a pinning prefix: `["taskset","-c","0","node","x.mjs"]` → [cmd, args]. */
export function pinned(prefix, cmd, args) {
  const full = [...prefix, cmd, ...args];
  return [full[0], full.slice(1)];
}
