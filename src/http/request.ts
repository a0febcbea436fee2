import type { IncomingMessage, IncomingHttpHeaders } from "node:http";
import type { TLSSocket } from "node:tls";
import type { Socket } from "node:net";
// Imported, not the global: Node defines the global `performance` as a lazy getter, a slow lookup per call.
import { performance } from "node:perf_hooks";
import { protocolFromHeaders, remoteIpFromHeaders } from "./xheaders.js";

/** A file from a `multipart/form-data` body. */
export interface HTTPFile {
  filename: string;
  contentType: string;
  body: Buffer;
}

/** Per-server options a request needs to know about (set by {@link HTTPServer}). */
export interface RequestContext {
  xheaders: boolean;
  trustedDownstream: ReadonlySet<string>;
  /** Overrides the scheme, e.g. `"https"` behind a TLS terminator that sets no header. */
  protocol?: string;
  maxBodySize: number;
}

const EMPTY_BODY = Buffer.alloc(0);

// The client address, kept on the socket: Node's `remoteAddress` getter costs as much as the rest of
// this constructor, and a kept-alive connection asks it once instead of once per request.
const PEER = Symbol("typhoon.peer");
type PeerSocket = Socket & { [PEER]?: string };

/** The socket's client address; an IPv4 client of a dual-stack socket appears as ::ffff:a.b.c.d. */
function peerAddress(socket: PeerSocket): string {
  let peer = socket[PEER];
  if (peer === undefined) {
    const address = socket.remoteAddress;
    if (address === undefined) return "127.0.0.1";
    peer = address.startsWith("::ffff:") ? address.slice(7) : address;
    socket[PEER] = peer;
  }
  return peer;
}

/** Parsed query or body arguments: every name maps to all its values, in order. */
export type Arguments = Record<string, string[]>;

/** Query string → arguments, keeping blank values (`?v` counts as `v=""`, as in Tornado). */
export function parseQueryArguments(query: string): Arguments {
  const out: Arguments = Object.create(null);
  if (!query) return out;
  for (const [k, v] of new URLSearchParams(query)) (out[k] ??= []).push(v);
  return out;
}

/**
 * One HTTP request, as handlers see it (Tornado's `HTTPServerRequest`). The body is read before the
 * handler runs unless the handler streams it.
 */
export class HTTPServerRequest {
  readonly method: string;
  /** Path and query as sent, still percent-encoded. */
  readonly uri: string;
  /** The path part of `uri`, still percent-encoded. */
  readonly path: string;
  /** The query string without `?`. */
  readonly query: string;
  readonly headers: IncomingHttpHeaders;
  /** The client's address (the proxy's client with `xheaders`). */
  readonly remoteIp: string;
  /** `http` or `https` (the proxy's scheme with `xheaders`). */
  readonly protocol: string;
  /** The Host header (`host:port`), or the server's address when absent. */
  readonly host: string;
  /** The raw body; empty until read. */
  body: Buffer = EMPTY_BODY;
  // Parsed on first use: most requests never look at arguments or files.
  private parsedQuery: Arguments | undefined;
  private parsedBody: Arguments | undefined;
  private mergedArguments: Arguments | undefined;
  private uploadedFiles: Record<string, HTTPFile[]> | undefined;
  private abortController: AbortController | undefined;
  private aborted = false;
  readonly startTime = performance.now();
  /** The Node request this wraps. */
  readonly raw: IncomingMessage;
  /** The server options this request arrived under. */
  readonly context: RequestContext;
  private finishTime: number | undefined;

  constructor(raw: IncomingMessage, context: RequestContext) {
    this.raw = raw;
    this.context = context;
    this.method = raw.method ?? "GET";
    this.uri = raw.url ?? "/";
    const q = this.uri.indexOf("?");
    this.path = q < 0 ? this.uri : this.uri.slice(0, q);
    this.query = q < 0 ? "" : this.uri.slice(q + 1);
    this.headers = raw.headers;
    const socket = raw.socket;
    const peer = socket ? peerAddress(socket) : "127.0.0.1";
    const scheme = context.protocol ?? ((socket as TLSSocket | undefined)?.encrypted ? "https" : "http");
    this.remoteIp = context.xheaders ? remoteIpFromHeaders(raw.headers, peer, context.trustedDownstream) : peer;
    this.protocol = context.xheaders ? protocolFromHeaders(raw.headers, scheme) : scheme;
    this.host = raw.headers.host || (raw.headers[":authority"] as string | undefined) || `${socket?.localAddress ?? "127.0.0.1"}:${socket?.localPort ?? ""}`;
  }

  /** `HTTP/1.1` (or `HTTP/1.0`, `HTTP/2.0`), as the request line gave it. */
  get version(): string {
    return `HTTP/${this.raw.httpVersion}`;
  }

  /** Aborted when the client goes away before the response is finished. */
  get signal(): AbortSignal {
    // Created on first use: an AbortController per request costs as much as the rest of a hello world.
    if (!this.abortController) {
      this.abortController = new AbortController();
      if (this.aborted) this.abortController.abort();
    }
    return this.abortController.signal;
  }

  /** Marks the request abandoned by the client (aborts `signal`). */
  abort(): void {
    this.aborted = true;
    this.abortController?.abort();
  }

  /** Arguments from the query string. */
  get queryArguments(): Arguments {
    return (this.parsedQuery ??= parseQueryArguments(this.query));
  }

  /** Arguments from a form body (urlencoded or multipart). */
  get bodyArguments(): Arguments {
    return (this.parsedBody ??= Object.create(null) as Arguments);
  }

  set bodyArguments(value: Arguments) {
    this.parsedBody = value;
    this.mergedArguments = undefined;
  }

  /** Query and body arguments together, query first. */
  get arguments(): Arguments {
    if (this.mergedArguments) return this.mergedArguments;
    if (!this.parsedBody) return this.queryArguments;
    const merged: Arguments = Object.create(null);
    for (const source of [this.queryArguments, this.parsedBody]) {
      for (const name in source) (merged[name] ??= []).push(...source[name]!);
    }
    return (this.mergedArguments = merged);
  }

  set arguments(value: Arguments) {
    this.mergedArguments = value;
  }

  /** Files from a `multipart/form-data` body, by field name. */
  get files(): Record<string, HTTPFile[]> {
    return (this.uploadedFiles ??= Object.create(null) as Record<string, HTTPFile[]>);
  }

  set files(value: Record<string, HTTPFile[]>) {
    this.uploadedFiles = value;
  }

  /** The host name without the port. */
  get hostName(): string {
    const h = this.host;
    if (h.startsWith("[")) return h.slice(0, h.indexOf("]") + 1);
    const colon = h.lastIndexOf(":");
    return colon < 0 ? h : h.slice(0, colon);
  }

  /** The whole URL: `protocol://host/uri`. */
  fullUrl(): string {
    return `${this.protocol}://${this.host}${this.uri}`;
  }

  /** Milliseconds the request took (so far, if not finished). */
  requestTime(): number {
    return (this.finishTime ?? performance.now()) - this.startTime;
  }

  /** Called once the response is complete; freezes `requestTime()`. */
  markFinished(): void {
    this.finishTime ??= performance.now();
  }
}
