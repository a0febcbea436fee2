import { HTTPError } from "../web/errors.js";
import type { Arguments, HTTPFile } from "./request.js";

const MAX_PARTS = 10_000;

function headerParams(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of value.matchAll(/;\s*([\w*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g)) {
    out[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3]!.trim();
  }
  return out;
}

/**
 * Parses a `multipart/form-data` body (Tornado's `parse_multipart_form_data`): fields go to `args`,
 * parts with a filename to `files`. A body that does not follow the format is a 400.
 */
export function parseMultipart(boundary: string, body: Buffer, args: Arguments, files: Record<string, HTTPFile[]>): void {
  const delimiter = Buffer.from(`--${boundary}`);
  let pos = body.indexOf(delimiter);
  if (pos < 0) throw new HTTPError(400, "multipart body without its boundary");
  let parts = 0;
  for (;;) {
    pos += delimiter.length;
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) return; // closing "--boundary--"
    if (body[pos] !== 0x0d || body[pos + 1] !== 0x0a) throw new HTTPError(400, "malformed multipart boundary line");
    pos += 2;
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), pos);
    if (next < 0) throw new HTTPError(400, "multipart body ends without its closing boundary");
    if (++parts > MAX_PARTS) throw new HTTPError(400, "too many multipart parts");
    const part = body.subarray(pos, next);
    const headerEnd = part.indexOf("\r\n\r\n");
    if (headerEnd < 0) throw new HTTPError(400, "multipart part without headers");
    const headers: Record<string, string> = {};
    for (const line of part.subarray(0, headerEnd).toString("utf8").split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon <= 0) throw new HTTPError(400, "malformed multipart part header");
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const disposition = headers["content-disposition"];
    if (!disposition || !/^form-data\b/i.test(disposition)) throw new HTTPError(400, "multipart part is not form-data");
    const params = headerParams(disposition);
    if (params.name === undefined) throw new HTTPError(400, "multipart part without a name");
    const value = part.subarray(headerEnd + 4);
    if (params.filename !== undefined) {
      (files[params.name] ??= []).push({
        filename: params.filename,
        contentType: headers["content-type"] ?? "application/unknown",
        body: Buffer.from(value),
      });
    } else {
      (args[params.name] ??= []).push(value.toString("utf8"));
    }
    pos = next + 2;
  }
}
