/**
 * The messages `tdev` and its children exchange: JSON lines on the report pipe (synchronous, survives an
 * exiting child) and IPC messages (handles, readiness, commands). Names of the environment variables
 * that carry the set-up into a child; the child's preload removes them from `process.env` so the app's
 * own subprocesses do not inherit them.
 */

/** fd of the report pipe in the child (JSON lines). */
export const ENV_REPORT_FD = "TYPHOON_REPORT_FD";
/** `port:fd,port:fd` — the launcher's sockets, inherited by the child. */
export const ENV_SOCKETS = "TYPHOON_TDEV_SOCKETS";
/** `1` when the child is a warm standby waiting for `go`. */
export const ENV_STANDBY = "TYPHOON_TDEV_STANDBY";
/** `1` in every process started by tdev (read by the preload, then removed). */
export const ENV_TDEV = "TYPHOON_TDEV";
/** `0` when live reload is turned off with `--no-live-reload`. */
export const ENV_LIVE_RELOAD = "TYPHOON_LIVE_RELOAD";
/** `1` asks the hooks thread to start esbuild at once. */
export const ENV_PREWARM = "TYPHOON_PREWARM";
/** Milliseconds the child may take to drain connections when asked to stop. */
export const ENV_GRACE = "TYPHOON_TDEV_GRACE";
/** JSON list of package URLs a standby imports before `go` (the app's dependencies, warm). */
export const ENV_PRELOAD_DEPS = "TYPHOON_TDEV_DEPS";
/** `1` when the child reports its inspector URL. */
export const ENV_INSPECT = "TYPHOON_TDEV_INSPECT";

/** Report-pipe records. */
export type Report =
  | { t: "file"; path: string }
  | { t: "dep"; url: string }
  | { t: "crash"; message: string; stack: string; name: string; file?: string; line?: number; column?: number; origin?: string }
  | { t: "listen-error"; port: number; host?: string; code: string; message: string };

/** IPC messages from a child to tdev. */
export type ChildMessage =
  | { t: "listening"; port: number; handoff?: boolean }
  | { t: "drained" }
  | { t: "hooks-done"; error?: string }
  | { t: "has-hooks" }
  | { t: "watch"; path: string }
  | { t: "inspector"; url: string };

/** IPC messages from tdev to a child. */
export type ParentMessage = { t: "go" } | { t: "drain" } | { t: "reload-hooks" } | { t: "error"; report: unknown };

/** The live-reload event stream path, served by the app (and by tdev's error page). */
export const LIVE_RELOAD_PATH = "/__typhoon/livereload";

/** Parses `port:fd,port:fd`. */
export function parseSockets(text: string | undefined): Map<number, number> {
  const out = new Map<number, number>();
  for (const part of (text ?? "").split(",")) {
    const m = /^(\d+):(\d+)$/.exec(part.trim());
    if (m) out.set(Number(m[1]), Number(m[2]));
  }
  return out;
}
