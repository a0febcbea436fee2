import { isIP } from "node:net";
import type { IncomingHttpHeaders } from "node:http";

/** Whether `value` is a literal IPv4 or IPv6 address (no host names, no spaces). */
export function isValidIp(value: string | undefined): value is string {
  return typeof value === "string" && value.length > 0 && value.length < 64 && isIP(value) !== 0;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(",") : value;
}

/**
 * The client's address behind a proxy, Tornado's rules: `X-Real-Ip` if it is a valid IP, else the
 * last `X-Forwarded-For` hop that is not a trusted downstream proxy, else the peer address.
 */
export function remoteIpFromHeaders(headers: IncomingHttpHeaders, peer: string, trustedDownstream: ReadonlySet<string>): string {
  const realIp = single(headers["x-real-ip"]);
  let ip: string | undefined;
  if (realIp !== undefined) {
    ip = realIp.trim();
  } else {
    const forwarded = single(headers["x-forwarded-for"]);
    if (forwarded !== undefined) {
      // Walk back from the nearest hop past trusted proxies; if all are trusted, the farthest one wins.
      const hops = forwarded.split(",").map((h) => h.trim());
      for (let i = hops.length - 1; i >= 0; i--) {
        ip = hops[i];
        if (!trustedDownstream.has(ip!)) break;
      }
    }
  }
  return isValidIp(ip) ? ip : peer;
}

/** The scheme behind a proxy: `X-Scheme`, else the last `X-Forwarded-Proto`; only `http`/`https` count. */
export function protocolFromHeaders(headers: IncomingHttpHeaders, fallback: string): string {
  const header = single(headers["x-scheme"]) ?? single(headers["x-forwarded-proto"]);
  const proto = header === undefined ? undefined : header.split(",").pop()!.trim();
  return proto === "http" || proto === "https" ? proto : fallback;
}
