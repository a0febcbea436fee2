import { Buffer } from "node:buffer";
import type { OutgoingHttpHeader, ServerResponse } from "node:http";
import type { HTTPServerRequest } from "../http/request.js";
import { reasonPhrase } from "./errors.js";
import { checkEtagHeader } from "./etag.js";
import { ResponseBody } from "./response-body.js";
import { headerValue, ResponseHeaders } from "./response-headers.js";

/** The one promise every synchronously finished step or response returns. */
export const DONE: Promise<void> = Promise.resolve();

/**
 * The output half of a `RequestHandler`: status, headers, the buffered body, `flush()` and the
 * Etag. `RequestHandler` adds the request life cycle, `finish()` and error pages; handlers subclass
 * `RequestHandler`, never this.
 */
export class ResponseWriter {
  /** The request being served. */
  readonly request: HTTPServerRequest;
  /** The Node response, for the rare case that needs it directly. */
  readonly response: ServerResponse;

  /** @internal */
  protected _status = 200;
  /** @internal */
  protected _reason: string | undefined;
  /** @internal */
  protected readonly _headers = new ResponseHeaders();
  /** @internal */
  protected readonly _body = new ResponseBody();
  /** @internal */
  protected _headersWritten = false;
  /** @internal */
  protected _finished = false;
  /** @internal */
  protected _connectionClosed = false;

  constructor(request: HTTPServerRequest, response: ServerResponse) {
    this.request = request;
    this.response = response;
  }

  /** Headers every response of this handler starts with; override to add your own. */
  setDefaultHeaders(): void {}

  /** Sets the status code (and an optional reason phrase). */
  setStatus(status: number, reason?: string): void {
    if (!Number.isInteger(status) || status < 100 || status > 999) throw new Error(`Invalid HTTP status ${status}`);
    this._status = status;
    this._reason = reason;
  }

  /** The status code that will be (or was) sent. */
  getStatus(): number {
    return this._status;
  }

  /** Sets a response header, replacing any value it had. CR, LF and NUL are refused. */
  setHeader(name: string, value: string | number | Date): void {
    this._headers.set(name, value);
  }

  /** Adds a value to a header that may repeat (e.g. `Set-Cookie`). */
  addHeader(name: string, value: string | number | Date): void {
    this._headers.add(name, value);
  }

  /** Removes a response header. */
  clearHeader(name: string): void {
    this._headers.delete(name);
  }

  /** The current value of a response header, or undefined. */
  getHeader(name: string): string | undefined {
    return this._headers.get(name);
  }

  /** Resets status, headers and the unsent body to their defaults. */
  clear(): void {
    this._headers.reset();
    this.setDefaultHeaders();
    this._status = 200;
    this._reason = undefined;
    this._body.clear();
  }

  /**
   * Adds to the response body. A string is sent as UTF-8, a Buffer as is, a plain object or array as
   * JSON (with `Content-Type: application/json`).
   */
  write(chunk: string | Buffer | Uint8Array | object): void {
    if (this._finished) throw new Error("Cannot write() after finish()");
    if (this._body.add(chunk)) this.setHeader("Content-Type", "application/json; charset=UTF-8");
  }

  /** Whether the headers have gone out (after `flush()` or `finish()`). */
  get headersWritten(): boolean {
    return this._headersWritten;
  }

  /** Whether `finish()` has been called. */
  get finished(): boolean {
    return this._finished;
  }

  /** Whether the client went away before the response was finished. */
  get connectionClosed(): boolean {
    return this._connectionClosed;
  }

  /** Sends the status line and headers, with `Content-Length` when it is given. */
  protected writeHeadersNow(contentLength: number | undefined): void {
    const headers = this._headers.toFlatList(contentLength);
    this.response.writeHead(this._status, reasonPhrase(this._status, this._reason), headers as OutgoingHttpHeader[]);
    this._headersWritten = true;
  }

  /**
   * Sends the headers and what was written so far; resolves once the socket has taken it (respecting
   * backpressure). Without a `Content-Length` the response is chunked.
   */
  flush(): Promise<void> {
    if (this._finished || this._connectionClosed) return DONE;
    if (!this._headersWritten) this.writeHeadersNow(undefined);
    if (this._body.isEmpty) return DONE;
    const chunk = this._body.take();
    if (this.request.method === "HEAD") return DONE;
    const ok = this.response.write(chunk);
    if (ok) return DONE;
    return new Promise((resolve) => {
      const done = () => { this.response.off("drain", done); this.response.off("close", done); resolve(); };
      this.response.on("drain", done);
      this.response.on("close", done);
    });
  }

  /** Computes the `Etag` for a buffered 200 response; return null to send none. Default: SHA-1 of the body. */
  computeEtag(): string | null {
    return this._body.sha1Etag();
  }

  /** Sets the `Etag` header from `computeEtag()`, if it gives one. */
  setEtagHeader(): void {
    const etag = this.computeEtag();
    if (!etag) return;
    // The default Etag is a quoted hex digest; one from an overridden computeEtag() is checked like any header.
    this._headers.setTrusted("etag", "Etag", this.computeEtag === defaultComputeEtag ? etag : headerValue(etag));
  }

  /** Whether the request's `If-None-Match` matches this response's `Etag`. */
  checkEtagHeader(): boolean {
    const ifNoneMatch = this.request.headers["if-none-match"];
    return ifNoneMatch !== undefined && checkEtagHeader(ifNoneMatch, this.getHeader("Etag"));
  }
}

const defaultComputeEtag = ResponseWriter.prototype.computeEtag;
