/** IPC messages between the primary and its workers; every one carries `typhoon: <kind>`. */

/** What a worker reports about itself. */
export interface WorkerStats {
  /** Requests answered by this worker process. */
  requests: number;
  /** Resident set size in bytes. */
  rss: number;
  /** V8 heap in use, in bytes. */
  heapUsed: number;
}

/** Primary → worker. */
export type ToWorker =
  | { typhoon: "stats"; id: number }
  | { typhoon: "drain"; timeout: number }
  | { typhoon: "closed-ack" }
  | { typhoon: "status-reply"; id: number; status: unknown };

/** Worker → primary. */
export type ToPrimary =
  | { typhoon: "ready" }
  | ({ typhoon: "stats-reply"; id: number } & WorkerStats)
  | { typhoon: "error"; message: string }
  | { typhoon: "closed" }
  | { typhoon: "status-request"; id: number };

/** Whether an IPC message is one of ours (apps may use the channel too). */
export function isTyphoonMessage(m: unknown): m is { typhoon: string } {
  return typeof m === "object" && m !== null && typeof (m as { typhoon?: unknown }).typhoon === "string";
}
