import type { IncomingMessage, ServerResponse } from "node:http";
import { HTTPError } from "../web/errors.js";
import { RequestHandler } from "../web/handler.js";

/**
 * What `FallbackHandler` hands a request to: a Node request listener, an Express app, a Connect app,
 * or any `(req, res, next)` middleware. Calling `next()` means "not mine" (Typhoon answers 404);
 * `next(err)` is an error (Typhoon's 500 page, if nothing was sent yet).
 */
export type FallbackListener = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => unknown;

/**
 * Tornado's `FallbackHandler`: `[pattern, FallbackHandler, { fallback }]` serves matching requests with
 * an existing Node app (a `(req, res)` listener, Express, Connect), so a codebase can move to Typhoon one
 * route at a time. The fallback gets the original `req.url` and the unread request body (Typhoon does
 * not read it first), and writes the response itself. Request hooks (e.g. the XSRF check on POST),
 * `getCurrentUser()` and `prepare()` run first, as in Tornado; a subclass can add checks there.
 *
 * What does not carry over: Typhoon's `xheaders` view (`remoteIp`, `protocol`) is not applied to the
 * raw `req` (the fallback sees the socket address; use its own proxy trust setting), output
 * transforms and automatic Etags do not touch the fallback's response, and in `app.fetch` mode a
 * fallback runs over the in-memory pipe like any handler.
 */
export class FallbackHandler extends RequestHandler {
  private fallback: FallbackListener | null = null;
  private handedOver = false;
  private fallbackDone = false;

  override initialize(args: Record<string, unknown>): void {
    const fallback = args.fallback;
    if (typeof fallback !== "function") throw new TypeError("FallbackHandler needs { fallback }: a (req, res) listener, an Express or Connect app");
    this.fallback = fallback as FallbackListener;
  }

  // The fallback reads the body itself (body parsers, streaming uploads).
  protected override async receiveBody(): Promise<void> {}

  override get finished(): boolean {
    return this.handedOver ? this.fallbackDone : super.finished;
  }

  /** Runs the fallback and waits until its response is finished or the client has gone. */
  private async run(): Promise<void> {
    const res = this.response;
    const req = this.request.raw;
    const outcome = await new Promise<{ next: boolean; err?: unknown }>((resolve) => {
      // Set synchronously: the application's own "close" listener asks `finished` before promises run.
      const finished = () => {
        if (res.writableFinished) this.fallbackDone = true;
        resolve({ next: false });
      };
      res.once("finish", finished);
      res.once("close", finished);
      const next = (err?: unknown) => {
        res.off("finish", finished);
        res.off("close", finished);
        resolve({ next: true, err });
      };
      this.handedOver = true;
      try {
        const result = this.fallback!(req, res, next);
        if (result && typeof (result as Promise<unknown>).then === "function") (result as Promise<unknown>).then(undefined, (err: unknown) => next(err ?? new Error("fallback rejected")));
      } catch (err) {
        next(err);
      }
    });
    if (outcome.next) {
      if (res.headersSent) {
        if (!res.writableEnded) res.destroy(outcome.err instanceof Error ? outcome.err : undefined);
        this.fallbackDone = true;
        return;
      }
      this.handedOver = false;
      if (outcome.err !== undefined) throw outcome.err;
      throw new HTTPError(404);
    }
  }

  // Every method goes to the fallback.
  /** Every method goes to the fallback listener. */
  get(): Promise<void> { return this.run(); }
  /** @inheritDoc FallbackHandler.get */
  head(): Promise<void> { return this.run(); }
  /** @inheritDoc FallbackHandler.get */
  post(): Promise<void> { return this.run(); }
  /** @inheritDoc FallbackHandler.get */
  put(): Promise<void> { return this.run(); }
  /** @inheritDoc FallbackHandler.get */
  delete(): Promise<void> { return this.run(); }
  /** @inheritDoc FallbackHandler.get */
  patch(): Promise<void> { return this.run(); }
  /** @inheritDoc FallbackHandler.get */
  options(): Promise<void> { return this.run(); }

  /** After the fallback answered: log the request with its status instead of writing a response. */
  override finish(chunk?: string | Buffer | Uint8Array | object): Promise<void> {
    if (!this.handedOver) return super.finish(chunk);
    const status = this.response.statusCode;
    if (status >= 100 && status < 600) {
      try {
        this.setStatus(status);
      } catch {
        /* a status Typhoon does not know: keep 200 for the log line */
      }
    }
    this.request.markFinished();
    this.application.logRequest(this);
    return Promise.resolve();
  }
}
