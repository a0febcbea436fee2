/**
 * Runs error-server.ts on the held sockets while the app is broken, so the port answers a 500 page with
 * the error instead of refusing connections, and retires it once a working version listens.
 */
import { AppChild, stdioLayout } from "./child.js";
import type { BrokenState } from "./error-page.js";
import { ENV_LIVE_RELOAD, ENV_SOCKETS } from "./protocol.js";

/** Where the error-page process comes from and what it inherits. */
export interface ErrorProcessOptions {
  errorServer: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  liveReload: boolean;
}

/** At most one error-page process. */
export class ErrorProcess {
  private child: AppChild | null = null;

  constructor(private readonly o: ErrorProcessOptions) {}

  /** The running error-page process, if any. */
  get current(): AppChild | null {
    return this.child;
  }

  /** Serves `state` on `sockets` (port → fd), replacing an earlier error page. */
  show(state: BrokenState, sockets: Map<number, number>): void {
    const old = this.child;
    this.child = null;
    old?.kill();
    const { socketEnv } = stdioLayout(sockets);
    const env: NodeJS.ProcessEnv = {
      ...this.o.env,
      [ENV_SOCKETS]: socketEnv,
      [ENV_LIVE_RELOAD]: this.o.liveReload ? "1" : "0",
      TYPHOON_TDEV_ERROR: JSON.stringify(state),
      // The app's NODE_OPTIONS (loaders, --inspect) would slow down or break this tiny server.
      NODE_OPTIONS: "",
    };
    const child = new AppChild({ execArgv: [], script: this.o.errorServer, args: [], env, sockets, cwd: this.o.cwd }, false);
    child.stdin?.end();
    child.on("exit", () => {
      if (this.child === child) this.child = null;
    });
    this.child = child;
  }

  /** Stops the error page gently: the app listens again and takes over the port. */
  dismiss(): void {
    const e = this.child;
    if (!e) return;
    this.child = null;
    void e.stop("SIGTERM", 500);
  }

  /** Kills the error page at once (shutdown). */
  kill(): void {
    this.child?.kill();
  }
}
