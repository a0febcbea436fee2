import cluster, { type Worker } from "node:cluster";
import fs from "node:fs";
import type http from "node:http";
import { genLog } from "../log/logger.js";
import { isTyphoonMessage, type ToPrimary, type ToWorker, type WorkerStats } from "./messages.js";
import type { ResolvedStartOptions } from "./options.js";
import { formatStatusTable, serveStatusSocket, type GroupStatus, type WorkerStatus } from "./status.js";
import { setTimeout as sleep } from "node:timers/promises";

/** One forked process holding a task id. */
interface Running {
  worker: Worker;
  taskId: number;
  startedAt: number;
  ready: boolean;
  draining: boolean;
  lastError: string | undefined;
  readyWaiters: Array<(ok: boolean) => void>;
  exitWaiters: Array<() => void>;
  requests: number;
}

/** A task id's history: the current process, its restarts, what earlier processes answered. */
interface Slot {
  taskId: number;
  current: Running | null;
  restarts: number;
  requestsBefore: number;
  done: boolean;
}

/** Settings the primary needs besides {@link ResolvedStartOptions}. */
export interface SupervisorConfig extends ResolvedStartOptions {
  processes: number;
  ports: number[];
  /** When a worker counts as ready: our "ready" message (HTTPServer.start) or its first listen (startProcesses). */
  readyOn: "message" | "listening";
}

/**
 * The primary of a process group (Tornado's `fork_processes` parent, plus what Tornado lacks): keeps
 * one worker per task id, restarts crashed ones within a global budget, replaces them one at a time
 * on SIGHUP, stops them gracefully on SIGTERM/SIGINT, and reports them on SIGUSR2 and a status socket.
 */
export class Supervisor {
  private readonly slots: Slot[];
  private readonly byId = new Map<number, Running>();
  private restarts = 0;
  private startupFailures = 0;
  private lastError = "";
  private stopping = false;
  private rolling: Promise<void> | null = null;
  private rollAgain = false;
  private readonly startedAt = Date.now();
  private statusServer: http.Server | null = null;
  private nextStatsId = 1;
  private readonly statsWaiters = new Map<number, (s: WorkerStats) => void>();

  constructor(private readonly config: SupervisorConfig) {
    this.slots = Array.from({ length: config.processes }, (_, taskId) => ({ taskId, current: null, restarts: 0, requestsBefore: 0, done: false }));
  }

  /** Forks the workers and supervises them until the group ends; the process exits then. Never resolves. */
  async run(): Promise<never> {
    const c = this.config;
    cluster.schedulingPolicy = c.schedulingPolicy === "none" ? cluster.SCHED_NONE : cluster.SCHED_RR;
    // Workers run this same program with the same loader flags (`--import typhoon/register`) and argv.
    cluster.setupPrimary({ silent: false });
    genLog.info(`Starting ${c.processes} processes`);
    process.on("SIGHUP", () => this.rollingRestart());
    process.on("SIGUSR2", () => void this.status().then((s) => genLog.info("\n" + formatStatusTable(s))));
    for (const sig of ["SIGTERM", "SIGINT"] as const) process.on(sig, () => void this.stop(0, `${sig} received: stopping the workers gracefully`));
    if (c.statusSocket) {
      this.statusServer = await serveStatusSocket(c.statusSocket, () => this.status());
      genLog.info(`process status as JSON on unix socket ${c.statusSocket}`);
    }
    for (const slot of this.slots) this.spawn(slot);
    return new Promise<never>(() => undefined);
  }

  private spawn(slot: Slot): Running {
    const env: Record<string, string> = {
      TYPHOON_TASK_ID: String(slot.taskId),
      TYPHOON_PORTS: JSON.stringify(this.config.ports),
      TYPHOON_READY_ON: this.config.readyOn,
    };
    const worker = cluster.fork(env);
    const run: Running = { worker, taskId: slot.taskId, startedAt: Date.now(), ready: false, draining: false, lastError: undefined, readyWaiters: [], exitWaiters: [], requests: 0 };
    this.byId.set(worker.id, run);
    slot.current ??= run;
    worker.on("message", (m: unknown) => this.onMessage(run, m));
    if (this.config.readyOn === "listening") worker.once("listening", () => this.markReady(run));
    worker.on("exit", (code, signal) => this.onExit(run, code, signal));
    worker.on("error", () => undefined); // IPC errors surface as exit
    return run;
  }

  private markReady(run: Running): void {
    if (run.ready) return;
    run.ready = true;
    this.startupFailures = 0;
    for (const w of run.readyWaiters.splice(0)) w(true);
  }

  private onMessage(run: Running, m: unknown): void {
    if (!isTyphoonMessage(m)) return;
    const msg = m as ToPrimary;
    switch (msg.typhoon) {
      case "ready":
        this.markReady(run);
        break;
      case "error":
        run.lastError = msg.message;
        break;
      case "closed":
        this.send(run, { typhoon: "closed-ack" });
        break;
      case "stats-reply":
        run.requests = Math.max(run.requests, msg.requests);
        this.statsWaiters.get(msg.id)?.(msg);
        this.statsWaiters.delete(msg.id);
        break;
      case "status-request":
        void this.status().then((status) => this.send(run, { typhoon: "status-reply", id: msg.id, status }));
        break;
    }
  }

  private send(run: Running, message: ToWorker): void {
    if (run.worker.isConnected()) run.worker.send(message, undefined, undefined, () => undefined);
  }

  private onExit(run: Running, code: number | null, signal: string | null): void {
    this.byId.delete(run.worker.id);
    for (const w of run.readyWaiters.splice(0)) w(false);
    for (const w of run.exitWaiters.splice(0)) w();
    const slot = this.slots[run.taskId]!;
    if (slot.current !== run) return; // a replaced worker, or a replacement that failed (the rolling restart handles it)
    slot.requestsBefore += run.requests;
    slot.current = null;
    const pid = run.worker.process.pid;
    if (this.stopping) {
      if (!this.byId.size) void this.finish();
      return;
    }
    if (code === 0 && !signal) {
      genLog.info(`child ${run.taskId} (pid ${pid}) exited normally`);
      slot.done = true;
      if (this.slots.every((s) => s.done)) void this.stop(0, "all workers exited normally");
      return;
    }
    const how = signal ? `killed by signal ${signal}` : `exited with status ${code}`;
    this.lastError = `child ${run.taskId} (pid ${pid}) ${how}${run.lastError ? `: ${run.lastError}` : ""}`;
    this.restarts++;
    if (!run.ready) this.startupFailures++;
    if (this.restarts > this.config.maxRestarts) {
      genLog.warning(`child ${run.taskId} (pid ${pid}) ${how}`);
      void this.stop(1, `Too many child restarts (budget ${this.config.maxRestarts}), giving up. Last error: ${this.lastError}`);
      return;
    }
    if (this.startupFailures >= this.config.maxStartupFailures) {
      genLog.warning(`child ${run.taskId} (pid ${pid}) ${how} before it was ready`);
      void this.stop(1, `workers died at start-up ${this.startupFailures} times in a row (maxStartupFailures), giving up. Last error: ${this.lastError}`);
      return;
    }
    genLog.warning(`child ${run.taskId} (pid ${pid}) ${how}, restarting`);
    slot.restarts++;
    // A worker that dies before it is ready is restarted with a growing delay: no fork loop.
    const delay = run.ready ? 0 : Math.min(100 * 2 ** (this.startupFailures - 1), 2000);
    setTimeout(() => {
      if (!this.stopping && !slot.current) this.spawn(slot);
    }, delay);
  }

  private waitReady(run: Running, timeout: number): Promise<boolean> {
    if (run.ready) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeout);
      run.readyWaiters.push((ok) => {
        clearTimeout(timer);
        resolve(ok);
      });
    });
  }

  private waitExit(run: Running, timeout: number): Promise<void> {
    if (run.worker.isDead()) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        genLog.warning(`child ${run.taskId} (pid ${run.worker.process.pid}) did not stop within ${timeout} ms: killing it`);
        run.worker.process.kill("SIGKILL");
      }, timeout);
      run.exitWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Asks a worker to finish its requests and exit; resolves when it has exited. */
  private retire(run: Running): Promise<void> {
    run.draining = true;
    this.send(run, { typhoon: "drain", timeout: this.config.drainTimeout });
    if (!run.worker.isConnected()) run.worker.process.kill("SIGTERM");
    return this.waitExit(run, this.config.drainTimeout + 2000);
  }

  /** SIGHUP: replaces the workers one at a time; each old one drains only once its successor listens. */
  rollingRestart(): void {
    if (this.stopping) return;
    if (this.rolling) {
      this.rollAgain = true;
      genLog.info("SIGHUP during a rolling restart: another pass will follow");
      return;
    }
    this.rolling = (async () => {
      do {
        this.rollAgain = false;
        genLog.info(`SIGHUP received: replacing ${this.slots.length} workers one at a time`);
        for (const slot of this.slots) {
          if (this.stopping) return;
          const old = slot.current;
          if (slot.done) continue;
          const fresh = this.spawn(slot);
          slot.current = old ?? fresh;
          const ok = await this.waitReady(fresh, this.config.readyTimeout);
          if (this.stopping) return;
          if (!ok) {
            const why = fresh.worker.isDead() ? `exited before listening${fresh.lastError ? `: ${fresh.lastError}` : ""}` : `not listening after ${this.config.readyTimeout} ms`;
            genLog.error(`rolling restart stopped: the new worker for task ${slot.taskId} (pid ${fresh.worker.process.pid}) ${why}; the old workers keep serving`);
            this.restarts++;
            if (!fresh.worker.isDead()) fresh.worker.process.kill("SIGKILL");
            return;
          }
          slot.current = fresh;
          if (old) {
            await this.retire(old);
            slot.requestsBefore += old.requests; // its last report, sent as it drained
          }
          genLog.info(`task ${slot.taskId}: pid ${old?.worker.process.pid ?? "-"} replaced by pid ${fresh.worker.process.pid}`);
        }
      } while (this.rollAgain && !this.stopping);
      genLog.info("rolling restart done");
    })().finally(() => {
      this.rolling = null;
    });
  }

  private askStats(run: Running): Promise<WorkerStats | null> {
    if (!run.worker.isConnected()) return Promise.resolve(null);
    const id = this.nextStatsId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.statsWaiters.delete(id);
        resolve(null);
      }, 1000);
      this.statsWaiters.set(id, (s) => {
        clearTimeout(timer);
        resolve(s);
      });
      this.send(run, { typhoon: "stats", id });
    });
  }

  /** The group's status, with fresh figures from every worker (1 s timeout each). */
  async status(): Promise<GroupStatus> {
    const now = Date.now();
    const runs = [...this.byId.values()].sort((a, b) => a.taskId - b.taskId || a.startedAt - b.startedAt);
    const figures = await Promise.all(runs.map((r) => this.askStats(r)));
    const workers: WorkerStatus[] = runs.map((r, i) => {
      const s = figures[i];
      const slot = this.slots[r.taskId]!;
      const requests = s ? s.requests : null;
      return {
        taskId: r.taskId,
        pid: r.worker.process.pid ?? 0,
        state: r.draining ? "draining" : r.ready ? "serving" : "starting",
        uptime: (now - r.startedAt) / 1000,
        restarts: slot.restarts,
        requests,
        requestsTotal: requests === null ? null : (slot.current === r ? slot.requestsBefore : 0) + requests,
        rss: s ? s.rss : null,
        heapUsed: s ? s.heapUsed : null,
      };
    });
    return {
      primaryPid: process.pid,
      uptime: (now - this.startedAt) / 1000,
      processes: this.slots.length,
      restarts: this.restarts,
      maxRestarts: this.config.maxRestarts,
      schedulingPolicy: this.config.schedulingPolicy,
      ports: this.config.ports,
      workers,
    };
  }

  /** Drains every worker and exits with `code`. */
  async stop(code: number, why: string): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.exitCode = code;
    if (code === 0) genLog.info(why);
    else genLog.error(why);
    await Promise.all([...this.byId.values()].map((r) => this.retire(r)));
    await this.finish();
  }

  private exitCode = 0;

  private async finish(): Promise<void> {
    this.statusServer?.close();
    if (this.config.statusSocket) fs.rmSync(this.config.statusSocket, { force: true });
    await sleep(10);
    process.exit(this.exitCode);
  }
}
