import type { ServerResponse } from "node:http";
import type { Application } from "./application.js";
import type { ResolvedSettings } from "./settings.js";
import type { HTTPServerRequest } from "../http/request.js";
import { receiveRequestBody } from "../http/body.js";
import { Finish, HTTPError, reasonPhrase } from "./errors.js";
import { renderErrorPage } from "./error-page.js";
import { appLog, genLog } from "../log/logger.js";
import { bodyBytes } from "./response-body.js";
import { DONE, ResponseWriter } from "./response-writer.js";
import { methodName, SUPPORTED_METHODS } from "./methods.js";
import { NO_ARGS } from "./routing.js";
// Imported, not the global: Node defines the globals `Buffer` and `process` as getters, a slow lookup
// on every use in a per-request path (as `performance`, see http/request.ts).
import { Buffer } from "node:buffer";

/** A `RequestHandler` subclass, as routes name them. */
export type HandlerClass = new (application: Application, request: HTTPServerRequest, response: ServerResponse) => RequestHandler;

/** What `writeError` gets besides the status: the exception, when the error came from one. */
export interface ErrorInfo {
  error?: unknown;
}

/** The steps of a request, in order (see `RequestHandler.execute`). */
const Step = { Body: 0, Hooks: 1, CurrentUser: 2, Prepare: 3, StreamedBody: 4, Method: 5, Finish: 6 } as const;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === "object" && typeof (value as PromiseLike<unknown>).then === "function";
}

/**
 * Base class for request handlers: subclass it and define `get`, `post`, ... (sync or `async`), each
 * receiving the route's capture groups as arguments. One instance serves one request.
 */
export class RequestHandler extends ResponseWriter {
  /** The application this request was routed by. */
  readonly application: Application;
  /** Positional capture groups of the matched route, decoded. */
  pathArgs: string[] = NO_ARGS;
  /** The user `getCurrentUser()` returned for this request, or null. */
  currentUser: unknown = null;

  /**
   * Request bodies of this handler class are handed to `dataReceived(chunk)` as they arrive instead of
   * being buffered (Tornado's `@stream_request_body`).
   */
  static streamRequestBody = false;

  constructor(application: Application, request: HTTPServerRequest, response: ServerResponse) {
    super(request, response);
    this.application = application;
    // A new handler is already clear (the defaults are the field values); only the hook runs, once the
    // handler is complete enough for an override to read its settings.
    this.setDefaultHeaders();
  }

  /** The application's resolved settings. */
  get settings(): ResolvedSettings {
    return this.application.settings;
  }

  /** Receives the route's init arguments (the third element of a handler entry). */
  initialize(_initArgs: Record<string, unknown>): void {}

  /** Runs before the HTTP method, may be `async`; finishing here skips the method. */
  prepare(): void | Promise<void> {}

  /** Runs after the response has been sent. */
  onFinish(): void {}

  /** Runs once if the client closes the connection before the response is finished. */
  onConnectionClose(): void {}

  /** Returns the user for this request (may be `async`); resolved once, before `prepare()`. */
  getCurrentUser(): unknown {
    return null;
  }

  // ---------------------------------------------------------------- output (see ResponseWriter)

  /** Ends the response (optionally writing a last chunk). Called for you when the method returns. */
  finish(chunk?: string | Buffer | Uint8Array | object): Promise<void> {
    if (this._finished) throw new Error("finish() called twice");
    if (chunk !== undefined) this.write(chunk);
    if (!this._headersWritten) {
      const method = this.request.method;
      if (this._status === 200 && (method === "GET" || method === "HEAD") && !this._headers.has("etag")) {
        this.setEtagHeader();
        if (this.checkEtagHeader()) this.setStatus(304);
      }
      if (this._status === 204 || this._status === 304 || (this._status >= 100 && this._status < 200)) {
        this._headers.dropBodyHeaders();
        this._body.clear();
      }
      let body = this._body.take();
      if (this.application.hasOutputTransforms) body = this.application.transformOutput(this, bodyBytes(body));
      const withLength = this._status !== 204 && this._status !== 304 && this._status >= 200;
      const length = typeof body === "string" ? Buffer.byteLength(body, "utf8") : body.length;
      this.writeHeadersNow(withLength ? length : undefined);
      this._finished = true;
      this.response.end(method === "HEAD" || length === 0 ? undefined : body);
    } else {
      const rest = this._body.isEmpty ? undefined : this._body.take();
      this._finished = true;
      if (this.request.method !== "HEAD" && rest !== undefined) this.response.end(rest);
      else this.response.end();
    }
    this.request.markFinished();
    this.application.logRequest(this);
    try {
      this.onFinish();
    } catch (err) {
      appLog.error(`Exception in onFinish: ${(err as Error)?.stack ?? err}`);
    }
    return DONE;
  }

  // A request that ends without a (complete) response: the client left, or an error came after the
  // headers. It is still logged, once.
  private endUnanswered(): void {
    this._finished = true;
    this.request.markFinished();
    this.application.logRequest(this);
  }

  /** Sends a redirect (302, or 301 when `permanent`) to `url` and finishes. */
  redirect(url: string, permanent = false, status?: number): void {
    if (this._headersWritten) throw new Error("Cannot redirect after headers have been written");
    this.setStatus(status ?? (permanent ? 301 : 302));
    this.setHeader("Location", url);
    void this.finish();
  }

  // ---------------------------------------------------------------- errors

  /** Sends an error page for `status` (through `writeError`) and finishes. */
  sendError(status = 500, info: ErrorInfo = {}): void {
    if (this._headersWritten) {
      genLog.error("Cannot send error response after headers written");
      if (!this._finished) {
        this.response.destroy();
        this.endUnanswered();
      }
      return;
    }
    this.clear();
    const httpError = info.error instanceof HTTPError ? info.error : undefined;
    this.setStatus(status, httpError?.reason);
    for (const [name, value] of Object.entries(httpError?.headers ?? {})) this.setHeader(name, value);
    // A body we did not read (a 413, an error before the body) must not be parsed as the next request.
    if (!this.request.raw.complete) this.setHeader("Connection", "close");
    try {
      this.writeError(status, info);
    } catch (err) {
      appLog.error(`Uncaught exception in writeError: ${(err as Error)?.stack ?? err}`);
      this._body.clear();
    }
    if (!this._finished) void this.finish();
  }

  /**
   * Writes the error page; override to customise. By default: Tornado's plain page, or with
   * `serveTraceback` the exception and its source-mapped stack; JSON when the client asks for it.
   */
  writeError(status: number, info: ErrorInfo = {}): void {
    const page = renderErrorPage({
      status,
      reason: reasonPhrase(status, this._reason),
      error: info.error,
      traceback: this.settings.serveTraceback,
      json: /\bapplication\/json\b/.test(String(this.request.headers.accept ?? "")),
      request: this.request,
    });
    this.setHeader("Content-Type", page.contentType);
    this.write(page.body);
    void this.finish();
  }

  private handleRequestException(err: unknown): void {
    if (err instanceof Finish) {
      if (!this._finished) void this.finish();
      return;
    }
    if (this._connectionClosed && (err instanceof HTTPError || (err as NodeJS.ErrnoException)?.code === "ECONNRESET")) {
      // The client left mid-request (e.g. mid-upload): the failed read is its doing and nobody would see an
      // error page. Application bugs are still logged below.
      genLog.debug(`${this.request.method} ${this.request.uri}: client went away (${(err as Error)?.message ?? err})`);
    } else {
      this.logException(err);
    }
    if (this._finished) return;
    if (this._connectionClosed) {
      this.endUnanswered();
      return;
    }
    this.sendError(err instanceof HTTPError ? err.statusCode : 500, { error: err });
  }

  /** Logs an exception from the handler: HTTPErrors as warnings (if they carry a log message), others as errors. */
  logException(err: unknown): void {
    const r = this.request;
    if (err instanceof HTTPError) {
      if (err.logMessage) genLog.warning(`${err.statusCode} ${r.method} ${r.uri} (${r.remoteIp}): ${err.logMessage}`);
    } else {
      appLog.error(`Uncaught exception ${r.method} ${r.uri} (${r.remoteIp})\n${(err as Error)?.stack ?? String(err)}`);
    }
  }

  // ---------------------------------------------------------------- routing

  /** Decodes one URL capture group; override to change how path arguments are decoded. */
  decodeArgument(value: string, _name?: string): string {
    try {
      return decodeURIComponent(value);
    } catch {
      throw new HTTPError(400, `Invalid percent-encoding or UTF-8 in the URL: ${value.slice(0, 100)}`);
    }
  }

  /** URL of the named route, with arguments filled in. */
  reverseUrl(name: string, ...args: unknown[]): string {
    return this.application.reverseUrl(name, ...args);
  }

  /**
   * With `xsrfCookies` on, POST/PUT/PATCH/DELETE to this class must carry a valid XSRF token; set
   * `static checkXsrf = false` on a handler class to opt out (e.g. an API authenticated otherwise).
   */
  static checkXsrf = true;

  // ---------------------------------------------------------------- life cycle

  /** Which methods this handler class implements (for `Allow` on a 405). */
  allowedMethods(): string[] {
    const allowed: string[] = [];
    for (const m of SUPPORTED_METHODS) {
      const fn = (this as unknown as Record<string, unknown>)[m.toLowerCase()];
      if (typeof fn === "function") allowed.push(m);
    }
    if (allowed.includes("GET") && !allowed.includes("HEAD")) allowed.splice(1, 0, "HEAD");
    return allowed;
  }

  /**
   * Reads the request body into `request.body` and its form arguments (or streams it). Returns
   * nothing when there is no body, so the common GET stays synchronous.
   */
  protected receiveBody(): Promise<void> | undefined {
    if ((this.constructor as typeof RequestHandler).streamRequestBody) return this.application.streamBody(this);
    return receiveRequestBody(this.request, this.application.maxBodySizeFor(this));
  }

  /** Called by the application when the client disconnects before `finish()`. */
  connectionLost(): void {
    if (this._finished || this._connectionClosed) return;
    this._connectionClosed = true;
    try {
      this.onConnectionClose();
    } catch (err) {
      appLog.error(`Exception in onConnectionClose: ${(err as Error)?.stack ?? err}`);
    }
  }

  /** Runs the request: body, current user, `prepare()`, the method, `finish()`; errors become error pages. */
  execute(pathArgs: string[]): Promise<void> {
    try {
      if (methodName(this.request.method) === undefined) throw new HTTPError(405);
      this.pathArgs = pathArgs.length ? pathArgs.map((a) => this.decodeArgument(a)) : NO_ARGS;
    } catch (err) {
      this.handleRequestException(err);
      return DONE;
    }
    return this.runSteps(Step.Body);
  }

  // The steps run synchronously until one has to wait; from there `awaitSteps` goes on. A handler that
  // never waits then costs no promise and no extra tick.
  private runSteps(step: number): Promise<void> {
    try {
      for (; step <= Step.Finish; step++) {
        const pending = this.runStep(step);
        if (pending) return this.awaitSteps(pending, step + 1);
      }
    } catch (err) {
      this.handleRequestException(err);
    }
    return DONE;
  }

  private async awaitSteps(pending: PromiseLike<unknown>, step: number): Promise<void> {
    try {
      await pending;
      for (; step <= Step.Finish; step++) {
        const next = this.runStep(step);
        if (next) await next;
      }
    } catch (err) {
      this.handleRequestException(err);
    }
  }

  /** Runs one step of the request; returns a promise when the step has to be waited for. */
  private runStep(step: number): PromiseLike<unknown> | undefined {
    switch (step) {
      case Step.Body:
        // A streamed body is read after prepare() (as Tornado's @stream_request_body), so prepare() can
        // set up its destination, or refuse before a byte is read.
        return this.streamsBody() ? undefined : this.receiveBody();
      case Step.Hooks:
        return this.application.runRequestHooks(this);
      case Step.CurrentUser: {
        const user = this.getCurrentUser();
        if (!isThenable(user)) {
          this.currentUser = user;
          return undefined;
        }
        return user.then((resolved) => {
          this.currentUser = resolved;
        });
      }
      case Step.Prepare: {
        const prepared = this.prepare();
        return isThenable(prepared) ? prepared : undefined;
      }
      case Step.StreamedBody:
        return !this._finished && this.streamsBody() ? this.receiveBody() : undefined;
      case Step.Method:
        return this._finished ? undefined : this.callMethod();
      default:
        if (this._finished) return undefined;
        if (!this._connectionClosed) void this.finish();
        else this.endUnanswered();
        return undefined;
    }
  }

  private streamsBody(): boolean {
    return (this.constructor as typeof RequestHandler).streamRequestBody;
  }

  /** Calls the handler method for the request's HTTP method with the path arguments. */
  private callMethod(): PromiseLike<unknown> | undefined {
    const method = this.request.method;
    // As in Tornado, a method the handler lacks is a 405 found after prepare(), so prepare-time checks
    // (an ErrorHandler's 404, authentication) answer first.
    const methods = this as unknown as Record<string, unknown>;
    let fn = methods[methodName(method)!];
    if (typeof fn !== "function" && method === "HEAD") fn = methods.get;
    if (typeof fn !== "function") {
      throw new HTTPError(405, undefined, { headers: { Allow: this.allowedMethods().join(", ") } });
    }
    // `call` for a route without groups: `apply` goes through a generic builtin even for an empty list.
    const args = this.pathArgs;
    const result = args.length === 0 ? (fn as () => unknown).call(this) : (fn as (...args: string[]) => unknown).apply(this, args);
    return isThenable(result) ? result : undefined;
  }

}

