import os from "node:os";

/** Options of `HTTPServer.start(n, options)` and `startProcesses(n, options)`. */
export interface StartOptions {
  /**
   * Restarts of crashed workers allowed over the group's life (all workers together, as in Tornado);
   * one more and the primary stops the group and exits 1 with the last error. Default 100.
   */
  maxRestarts?: number;
  /**
   * Workers that die before they are ready, in a row with no worker becoming ready in between, before
   * the primary gives up (an app that cannot start must not be forked forever). Default 5.
   */
  maxStartupFailures?: number;
  /**
   * How the cluster hands connections to workers: `"rr"` (the primary accepts and deals them round
   * robin; even spread) or `"none"` (workers accept from the shared socket; the kernel decides).
   * Default `"rr"`, or `NODE_CLUSTER_SCHED_POLICY` when set. Measured with `npm run bench -- processes`
   * (2 cores, wrk keep-alive, a loaded machine): RR and NONE traded places between runs (8.6k vs 11.0k,
   * 6.4k vs 4.7k req/s), within noise of each other; RR is kept because it spreads connections evenly
   * (NONE lets the kernel hand most of them to one worker) and the primary re-deals a connection that
   * reaches a worker as it drains. Both had zero failed requests through rolling restarts.
   */
  schedulingPolicy?: "rr" | "none";
  /** How long a new worker has to start listening before a rolling restart gives up on it, in ms. Default 30000. */
  readyTimeout?: number;
  /** How long a draining worker may finish its requests before it is killed, in ms. Default: the server's `stopTimeout` (10000). */
  drainTimeout?: number;
  /**
   * A unix socket path on which the primary answers every HTTP request with the group's status as JSON
   * (`curl --unix-socket PATH http://x/`). Default: none.
   */
  statusSocket?: string;
}

/** {@link StartOptions} with defaults applied. */
export interface ResolvedStartOptions {
  maxRestarts: number;
  maxStartupFailures: number;
  schedulingPolicy: "rr" | "none";
  readyTimeout: number;
  drainTimeout: number;
  statusSocket: string | undefined;
}

/** Applies the defaults of {@link StartOptions}. */
export function resolveStartOptions(options: StartOptions | number | undefined, drainDefault = 10_000): ResolvedStartOptions {
  const o: StartOptions = typeof options === "number" ? { maxRestarts: options } : (options ?? {});
  const envPolicy = process.env.NODE_CLUSTER_SCHED_POLICY;
  const policy = o.schedulingPolicy ?? (envPolicy === "none" || envPolicy === "rr" ? envPolicy : "rr");
  if (policy !== "rr" && policy !== "none") throw new TypeError(`schedulingPolicy must be "rr" or "none", not ${JSON.stringify(policy)}`);
  const count = (name: string, v: number | undefined, dflt: number): number => {
    if (v === undefined) return dflt;
    if (!Number.isInteger(v) || v < 0) throw new TypeError(`${name} must be a whole number ≥ 0, not ${v}`);
    return v;
  };
  return {
    maxRestarts: count("maxRestarts", o.maxRestarts, 100),
    maxStartupFailures: Math.max(1, count("maxStartupFailures", o.maxStartupFailures, 5)),
    schedulingPolicy: policy,
    readyTimeout: count("readyTimeout", o.readyTimeout, 30_000),
    drainTimeout: count("drainTimeout", o.drainTimeout, drainDefault),
    statusSocket: o.statusSocket,
  };
}

/** Tornado's rule: `undefined`, `null`, 0 or a negative number mean one process per CPU. */
export function processCount(n: number | null | undefined): number {
  if (n === undefined || n === null || n <= 0) return os.availableParallelism?.() ?? os.cpus().length ?? 1;
  if (!Number.isInteger(n)) throw new TypeError(`the number of processes must be a whole number, not ${n}`);
  return n;
}
