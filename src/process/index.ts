/** Multi-process serving: `HTTPServer.bind` + `start(n)`, `startProcesses`, `taskId`, supervision. */
export { taskId } from "./identity.js";
export { startProcesses, MultiProcessAutoreloadError } from "./start.js";
export { resolveStartOptions, type StartOptions, type ResolvedStartOptions } from "./options.js";
export { formatStatusTable, type GroupStatus, type WorkerStatus } from "./status.js";
export { ProcessStatusHandler } from "./status-handler.js";
export type { WorkerStats } from "./messages.js";
