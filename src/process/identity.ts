import cluster from "node:cluster";

/**
 * Who this process is in a Typhoon process group. The primary passes a worker its task id and the
 * ports it bound in environment variables; they are read once and removed from `process.env`, so a
 * program the worker spawns is not mistaken for a worker.
 */
interface Identity {
  taskId: number | null;
  ports: number[];
  readyOn: "message" | "listening";
}

const key = Symbol.for("typhoon.process.identity");
const g = globalThis as Record<symbol, Identity | undefined>;

function readIdentity(): Identity {
  const raw = process.env.TYPHOON_TASK_ID;
  const id: Identity = { taskId: null, ports: [], readyOn: "message" };
  if (cluster.isWorker && raw !== undefined && /^\d+$/.test(raw)) {
    id.taskId = Number(raw);
    try {
      const ports = JSON.parse(process.env.TYPHOON_PORTS ?? "[]") as unknown;
      if (Array.isArray(ports)) id.ports = ports.map(Number);
    } catch {
      /* no ports: the worker binds what it asks for */
    }
    id.readyOn = process.env.TYPHOON_READY_ON === "listening" ? "listening" : "message";
  }
  delete process.env.TYPHOON_TASK_ID;
  delete process.env.TYPHOON_PORTS;
  delete process.env.TYPHOON_READY_ON;
  return id;
}

/** This process's identity (computed on first use, shared by every copy of the module). */
export function identity(): Identity {
  return (g[key] ??= readIdentity());
}

/**
 * The task id of this worker, `0 … n-1`, as in Tornado's `tornado.process.task_id()`; stable across
 * restarts (a restarted worker gets the id of the one it replaces). `null` in the primary and in a
 * process that was not started by `HTTPServer.start(n)` / `startProcesses(n)`.
 */
export function taskId(): number | null {
  return identity().taskId;
}

/** Whether this process is a worker of a Typhoon process group. */
export function isWorker(): boolean {
  return identity().taskId !== null;
}

// Read at load: the environment must be cleaned before the app spawns anything.
identity();
