import type { IncomingMessage } from "node:http";
import { HTTPError } from "../web/errors.js";
import type { Arguments, HTTPFile, HTTPServerRequest } from "./request.js";
import { parseMultipart } from "./multipart.js";
import { Buffer } from "node:buffer";

/** The 413 for a request whose declared `Content-Length` is over `limit`, before a byte is read; else undefined. */
export function declaredOversize(raw: IncomingMessage, limit: number): HTTPError | undefined {
  const declared = raw.headers["content-length"];
  if (declared !== undefined && Number(declared) > limit) return new HTTPError(413, `Content-Length ${declared} exceeds maxBodySize ${limit}`);
  return undefined;
}

/**
 * Reads a whole request body, refusing more than `limit` bytes with a 413. A declared
 * `Content-Length` over the limit is refused before a byte is read.
 */
export function readBody(raw: IncomingMessage, limit: number): Promise<Buffer> {
  const oversize = declaredOversize(raw, limit);
  if (oversize) return Promise.reject(oversize);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        raw.pause();
        reject(new HTTPError(413, `body exceeds maxBodySize ${limit}`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => { cleanup(); resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)); };
    const onError = (err: Error) => { cleanup(); reject(err); };
    const onAborted = () => { cleanup(); reject(new HTTPError(400, "client closed the connection while sending the body")); };
    const cleanup = () => {
      raw.off("data", onData);
      raw.off("end", onEnd);
      raw.off("error", onError);
      raw.off("aborted", onAborted);
    };
    raw.on("data", onData);
    raw.on("end", onEnd);
    raw.on("error", onError);
    raw.on("aborted", onAborted);
  });
}

/**
 * Parses a form body into `args` and `files`: `application/x-www-form-urlencoded` and
 * `multipart/form-data`. Other types are left to the handler (`request.body`). Malformed → 400.
 */
export function parseBodyArguments(contentType: string | undefined, body: Buffer, args: Arguments, files: Record<string, HTTPFile[]>): void {
  if (!contentType || body.length === 0) return;
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  if (type === "application/x-www-form-urlencoded") {
    const text = body.toString("latin1");
    if (/%(?![0-9a-fA-F]{2})/.test(text)) throw new HTTPError(400, "malformed percent-encoding in the form body");
    for (const [k, v] of new URLSearchParams(body.toString("utf8"))) (args[k] ??= []).push(v);
  } else if (type === "multipart/form-data") {
    const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
    if (!m) throw new HTTPError(400, "multipart/form-data without a boundary");
    parseMultipart(m[1] ?? m[2]!, body, args, files);
  }
}

/**
 * Reads a request's body into `request.body` and parses its form arguments and files. Returns
 * nothing when the request has no body, so the common GET stays synchronous.
 */
export function receiveRequestBody(request: HTTPServerRequest, limit: number): Promise<void> | undefined {
  const length = request.headers["content-length"];
  if ((length === undefined || length === "0") && request.headers["transfer-encoding"] === undefined) return undefined;
  return readBody(request.raw, limit).then((body) => {
    request.body = body;
    if (body.length) parseBodyArguments(String(request.headers["content-type"] ?? ""), body, request.bodyArguments, request.files);
  });
}
