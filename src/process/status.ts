import fs from "node:fs";
import http from "node:http";

/** One worker's line in the status table. */
export interface WorkerStatus {
  taskId: number;
  pid: number;
  /** `starting` (forked, not listening yet), `serving`, or `draining` (being replaced or stopped). */
  state: "starting" | "serving" | "draining";
  /** Seconds since this process was forked. */
  uptime: number;
  /** Times this task id was restarted after a crash. */
  restarts: number;
  /** Requests answered by this process (null if it did not answer in time). */
  requests: number | null;
  /** Requests answered by every process that held this task id. */
  requestsTotal: number | null;
  /** Resident set size in bytes (null if unknown). */
  rss: number | null;
  /** V8 heap in use in bytes (null if unknown). */
  heapUsed: number | null;
}

/** The process group as the primary sees it. */
export interface GroupStatus {
  primaryPid: number;
  /** Seconds since the primary started the group. */
  uptime: number;
  processes: number;
  /** Crash restarts so far, against `maxRestarts`. */
  restarts: number;
  maxRestarts: number;
  schedulingPolicy: "rr" | "none";
  ports: number[];
  workers: WorkerStatus[];
}

function duration(seconds: number): string {
  const s = Math.floor(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, "0")}h`;
}

function megabytes(bytes: number | null): string {
  return bytes === null ? "?" : `${(bytes / 1048576).toFixed(1)} MB`;
}

/** The status as the aligned text table SIGUSR2 prints. */
export function formatStatusTable(status: GroupStatus): string {
  const head = ["task", "pid", "state", "uptime", "restarts", "requests", "total", "rss", "heap"];
  const rows = status.workers.map((w) => [
    String(w.taskId),
    String(w.pid),
    w.state,
    duration(w.uptime),
    String(w.restarts),
    w.requests === null ? "?" : String(w.requests),
    w.requestsTotal === null ? "?" : String(w.requestsTotal),
    megabytes(w.rss),
    megabytes(w.heapUsed),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const title =
    `process group: primary pid ${status.primaryPid}, up ${duration(status.uptime)}, ${status.processes} processes, ` +
    `ports ${status.ports.join(",") || "-"}, scheduling ${status.schedulingPolicy}, restarts ${status.restarts}/${status.maxRestarts}`;
  return [title, line(head), ...rows.map(line)].join("\n");
}

/**
 * Serves the status as JSON on a unix socket (every request, any path). An old socket file left by
 * a killed primary is replaced; anything else at that path is an error.
 */
export async function serveStatusSocket(path: string, getStatus: () => Promise<GroupStatus>): Promise<http.Server> {
  try {
    if (fs.statSync(path).isSocket()) fs.unlinkSync(path);
    else throw new Error(`statusSocket ${path} exists and is not a socket: refusing to replace it`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const server = http.createServer((req, res) => {
    void getStatus().then((status) => {
      const body = JSON.stringify(status, null, 2) + "\n";
      res.writeHead(200, { "Content-Type": "application/json; charset=UTF-8", "Content-Length": Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => resolve());
  });
  fs.chmodSync(path, 0o600);
  server.unref();
  return server;
}
