import { HTTPError } from "../web/errors.js";
import { RequestHandler } from "../web/handler.js";
import { taskId } from "./identity.js";
import { requestGroupStatus, stats } from "./worker.js";

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/**
 * Opt-in status route: `["/_status/processes", ProcessStatusHandler]` answers the process group's
 * status as JSON (the same figures as SIGUSR2's table), fetched from the primary. In a single process
 * it describes this process. Only loopback clients are answered unless `{ allowRemote: true }`
 * (behind a proxy with xheaders, `remoteIp` is the real client's).
 */
export class ProcessStatusHandler extends RequestHandler {
  private allowRemote = false;

  override initialize(args: Record<string, unknown>): void {
    this.allowRemote = Boolean(args.allowRemote);
  }

  /** Answers the group status as JSON (loopback clients only, unless allowed otherwise). */
  async get(): Promise<void> {
    if (!this.allowRemote && !LOOPBACK.test(this.request.remoteIp)) throw new HTTPError(403, "process status is only served to loopback clients");
    let status: unknown;
    if (taskId() !== null) {
      status = await requestGroupStatus();
      if (status === null) throw new HTTPError(503, "the primary did not answer");
    } else {
      const s = stats();
      status = {
        primaryPid: null,
        uptime: process.uptime(),
        processes: 1,
        restarts: 0,
        workers: [{ taskId: null, pid: process.pid, state: "serving", uptime: process.uptime(), restarts: 0, requests: null, requestsTotal: null, rss: s.rss, heapUsed: s.heapUsed }],
      };
    }
    this.setHeader("Cache-Control", "no-store");
    this.write(status as object);
  }
}
