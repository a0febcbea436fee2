// fetchUpstream: Node's fetch as Typhoon's async HTTP client, with a timeout and 502/504 mapping.
import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Application, HTTPError, RequestHandler, accessLog, fetchUpstream, genLog } from "typhoon";
import { freePort, serve, type TestServer } from "../helpers/http.js";

let upstream: http.Server;
let upstreamPort = 0;
let deadPort = 0;
let srv: TestServer;

// A handler as the README shows it: call another service, map its failures to 502/504.
class Proxy extends RequestHandler {
  async get(which: string) {
    const target = which === "dead" ? `http://127.0.0.1:${deadPort}/` : `http://127.0.0.1:${upstreamPort}/${which}`;
    const res = await fetchUpstream(target, { timeout: 300, signal: this.request.signal });
    if (!res.ok) throw new HTTPError(502, `upstream answered ${res.status}`);
    this.write({ upstream: await res.json() });
  }
}

beforeAll(async () => {
  accessLog.level = false;
  genLog.level = false;
  upstream = http.createServer((req, res) => {
    if (req.url === "/slow") return void setTimeout(() => res.end('{"late":true}'), 2000).unref();
    if (req.url === "/error") return void res.writeHead(500).end("{}");
    res.setHeader("Content-Type", "application/json");
    res.end(JSON.stringify({ ok: true }));
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  upstreamPort = (upstream.address() as net.AddressInfo).port;
  deadPort = await freePort(); // nothing listens there
  srv = await serve(new Application([["/proxy/(\\w+)", Proxy]]));
});
afterAll(async () => {
  await srv.close();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
});

describe("fetchUpstream", () => {
  it("passes a healthy upstream through", async () => {
    const res = await fetch(srv.url + "/proxy/fine");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ upstream: { ok: true } });
  });

  it("answers 504 when the upstream is too slow", async () => {
    const res = await fetch(srv.url + "/proxy/slow");
    expect(res.status).toBe(504);
    expect(await res.text()).toContain("Gateway Timeout");
  });

  it("answers 502 when nothing listens upstream", async () => {
    const res = await fetch(srv.url + "/proxy/dead");
    expect(res.status).toBe(502);
    expect(await res.text()).toContain("Bad Gateway");
  });

  it("leaves the upstream's own status to the handler", async () => {
    expect((await fetch(srv.url + "/proxy/error")).status).toBe(502);
  });

  it("throws HTTPErrors carrying the cause", async () => {
    const err = await fetchUpstream(`http://127.0.0.1:${deadPort}/`, { timeout: 1000 }).catch((e) => e);
    expect(err).toBeInstanceOf(HTTPError);
    expect(err.statusCode).toBe(502);
    expect(err.logMessage).toMatch(/ECONNREFUSED/);
  });
});
