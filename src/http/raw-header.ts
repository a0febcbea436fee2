import type { IncomingMessage } from "node:http";

/**
 * A request header read from `raw.rawHeaders`, for the few the framework asks on every request
 * (`Content-Length`, `Transfer-Encoding`, `If-None-Match`). Node builds `raw.headers` on first use, and
 * a request that needs nothing else (a hello world's GET) is spared that object. Repeated fields are
 * joined with ", ", as `raw.headers` joins these.
 */
export function rawHeader(raw: IncomingMessage, lowerName: string): string | undefined {
  const list = raw.rawHeaders;
  const n = lowerName.length;
  let value: string | undefined;
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i]!;
    if (name.length !== n || (name !== lowerName && name.toLowerCase() !== lowerName)) continue;
    value = value === undefined ? list[i + 1]! : `${value}, ${list[i + 1]!}`;
  }
  return value;
}
