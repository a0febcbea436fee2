// Helpers for the static-file tests: exact HTTP requests (no automatic decompression, no redirects).
import http from "node:http";
import path from "node:path";
import { projectRoot } from "../helpers/http.js";

/** The fixture root served by most tests, and a file beside it that must never be served. */
export const FIXTURES = path.join(projectRoot, "test/fixtures/static");
export const ROOT = path.join(FIXTURES, "root");

/** Tornado's SHA-512 of robots.txt (`User-agent: *\nDisallow: /\n`). */
export const ROBOTS_HASH =
  "63a36e950e134b5217e33c763e88840c10a07d80e6057d92b9ac97508de7fb1fa6f0e9b7531e169657165ea764e8963399cb6d921ffe6078425aaafe54c04563";

/** A response as received. */
export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

/** One request with exactly the given headers; resolves with the whole response. */
export function request(port: number, urlPath: string, opts: { method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path: urlPath, method: opts.method ?? "GET", headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString("utf8") });
      });
      res.on("error", reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`timeout on ${urlPath}`)));
    req.on("error", reject);
    req.end();
  });
}
