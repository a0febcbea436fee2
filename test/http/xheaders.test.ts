import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Application, RequestHandler, isValidIp } from "typhoon";
import { rawRequest, serve, type TestServer } from "../helpers/http.js";

class Who extends RequestHandler { get() { this.write(`${this.request.remoteIp} ${this.request.protocol}`); } }

async function who(port: number, headers: string[]): Promise<string> {
  const raw = await rawRequest(port, `GET / HTTP/1.1\r\nHost: x\r\n${headers.map((h) => h + "\r\n").join("")}Connection: close\r\n\r\n`);
  return raw.slice(raw.indexOf("\r\n\r\n") + 4);
}

describe("xheaders (Tornado's XHeaderTest vectors)", () => {
  let on: TestServer, off: TestServer;
  beforeAll(async () => {
    const app = new Application([["/", Who]], { logFunction: () => {} });
    on = await serve(app, { xheaders: true, trustedDownstream: ["5.5.5.5", "6.6.6.6"] });
    off = await serve(app);
  });
  afterAll(async () => { await on.close(); await off.close(); });

  it("takes the peer address from the connection and the headers from each request on it", async () => {
    const raw = await rawRequest(on.port,
      "GET / HTTP/1.1\r\nHost: x\r\nX-Real-IP: 4.4.4.4\r\n\r\n" +
      "GET / HTTP/1.1\r\nHost: x\r\n\r\n" +
      "GET / HTTP/1.1\r\nHost: x\r\nX-Real-IP: 2620:0:1cfe:face:b00c::3\r\nConnection: close\r\n\r\n");
    const bodies = raw.split("HTTP/1.1 200").slice(1).map((r) => r.slice(r.indexOf("\r\n\r\n") + 4));
    expect(bodies).toEqual(["4.4.4.4 http", "127.0.0.1 http", "2620:0:1cfe:face:b00c::3 http"]);
  });

  const ipCases: Array<[string[], string]> = [
    [[], "127.0.0.1"],
    [["X-Real-IP: 4.4.4.4"], "4.4.4.4"],
    [["X-Forwarded-For: 127.0.0.1, 4.4.4.4"], "4.4.4.4"],
    [["X-Real-IP: 2620:0:1cfe:face:b00c::3"], "2620:0:1cfe:face:b00c::3"],
    [["X-Forwarded-For: ::1, 2620:0:1cfe:face:b00c::3"], "2620:0:1cfe:face:b00c::3"],
    [["X-Real-IP: 4.4.4.4<script>"], "127.0.0.1"],
    [["X-Forwarded-For: 4.4.4.4, 5.5.5.5<script>"], "127.0.0.1"],
    [["X-Real-IP: www.google.com"], "127.0.0.1"],
    [["X-Forwarded-For: 127.0.0.1, 4.4.4.4, 5.5.5.5"], "4.4.4.4"],
    [["X-Forwarded-For: 1.1.1.1,2.2.2.2 ,  3.3.3.3  "], "3.3.3.3"],
    [["X-Forwarded-For: 5.5.5.5, 6.6.6.6"], "5.5.5.5"],
    [["X-Forwarded-For: 1.1.1.1, 5.5.5.5, 6.6.6.6"], "1.1.1.1"],
    [["X-Forwarded-For: 1.1.1.1", "X-Real-Ip: 4.4.4.4"], "4.4.4.4"],
    [["X-Forwarded-For: 1.1.1.1", "X-Real-Ip: bogus"], "127.0.0.1"],
    [["X-Forwarded-For: 1.1.1.1,"], "127.0.0.1"],
    [["X-Forwarded-For: unknown"], "127.0.0.1"],
    [["X-Forwarded-For: 1.1.1.1", "X-Forwarded-For: 2.2.2.2"], "2.2.2.2"],
  ];
  it.each(ipCases)("remote IP for %j is %s", async (headers, ip) => {
    expect((await who(on.port, headers)).split(" ")[0]).toBe(ip);
  });

  const schemeCases: Array<[string[], string]> = [
    [[], "http"],
    [["X-Scheme: https"], "https"],
    [["X-Forwarded-Proto: https"], "https"],
    [["X-Forwarded-Proto: https , http"], "http"],
    [["X-Forwarded-Proto: http,https"], "https"],
    [["X-Forwarded-Proto: unknown"], "http"],
    [["X-Scheme: HTTPS"], "http"],
    [["X-Scheme: ftp", "X-Forwarded-Proto: https"], "http"],
    [["X-Forwarded-Proto: https,"], "http"],
    [["Forwarded: proto=https"], "http"],
  ];
  it.each(schemeCases)("protocol for %j is %s", async (headers, proto) => {
    expect((await who(on.port, headers)).split(" ")[1]).toBe(proto);
  });

  it("ignores every such header when xheaders is off", async () => {
    expect(await who(off.port, ["X-Real-IP: 4.4.4.4", "X-Scheme: https"])).toBe("127.0.0.1 http");
  });

  it("does not carry headers over to the next request on a kept-alive connection", async () => {
    const raw = await rawRequest(on.port, "GET / HTTP/1.1\r\nHost: x\r\nX-Real-Ip: 4.4.4.4\r\nX-Scheme: https\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect(raw).toContain("4.4.4.4 https");
    expect(raw).toContain("127.0.0.1 http");
  });

  it("validates IPs as Tornado's is_valid_ip", () => {
    for (const good of ["127.0.0.1", "4.4.4.4", "::1", "2620:0:1cfe:face:b00c::3"]) expect(isValidIp(good)).toBe(true);
    for (const bad of ["www.google.com", "localhost", "4.4.4.4<", " 127.0.0.1", "", " ", "\n", "\x00", "a".repeat(100)]) expect(isValidIp(bad)).toBe(false);
  });
});
