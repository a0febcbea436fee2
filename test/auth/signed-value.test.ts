import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Application, RequestHandler, createSignedValue, decodeSignedValue, decodeSignedValueBytes, getSignatureKeyVersion, ConfigurationError } from "typhoon";
import { projectRoot, serve, type TestServer } from "../helpers/http.js";

interface Vector { secret: string | Record<string, string>; name: string; value: string; version: 1 | 2; keyVersion: number | null; clock: number; signed: string }
const vectors = JSON.parse(fs.readFileSync(path.join(projectRoot, "test/fixtures/auth/tornado-vectors.json"), "utf8")) as { signed: Vector[] };
const PY = "/usr/bin/python3";
const hasTornado = fs.existsSync(PY) && spawnSync(PY, ["-c", "import tornado.web"]).status === 0;
const python = (code: string, ...args: string[]) => spawnSync(PY, ["-c", code, ...args], { encoding: "utf8" });

const SECRET = "s3cret-for-tests";
const quiet = { logFunction: () => {} };

class Base extends RequestHandler { override getCurrentUser() { return this.getSecureCookie("user"); } }
class SetC extends Base {
  get() {
    const days = this.getArgument("days", "");
    this.setSecureCookie(this.getArgument("name", "user"), this.getArgument("v", "alice"), days === "none" ? { expiresDays: undefined } : days ? { expiresDays: Number(days) } : {});
  }
}
class GetC extends Base {
  get() {
    const maxAgeDays = this.getArgument("maxAgeDays", "");
    const minVersion = this.getArgument("minVersion", "");
    this.write({
      value: this.getSecureCookie(this.getArgument("name", "user"), { maxAgeDays: maxAgeDays ? Number(maxAgeDays) : undefined, minVersion: minVersion ? (Number(minVersion) as 1 | 2) : undefined }),
      keyVersion: this.getSecureCookieKeyVersion(this.getArgument("name", "user")),
      user: this.currentUser ?? null,
    });
  }
}
class Sign extends Base { get() { this.write(this.createSignedValue("n", "v")); } }

const servers: TestServer[] = [];
const start = async (settings: Record<string, unknown>) => {
  const s = await serve(new Application([["/set", SetC], ["/get", GetC], ["/sign", Sign]], { ...quiet, ...settings }));
  servers.push(s);
  return s;
};
let srv: TestServer;
beforeAll(async () => { srv = await start({ cookieSecret: SECRET }); });
afterAll(async () => { for (const s of servers) await s.close(); });

const cookieValue = (r: Response, name: string) => r.headers.getSetCookie().map((s) => s.split(";")[0]!).find((s) => s.startsWith(name + "="))!.slice(name.length + 1);
const get = async (s: TestServer, cookie: string, query = "") => (await fetch(`${s.url}/get?${query}`, { headers: { Cookie: cookie } })).json();

describe("signed values", () => {
  it("writes Tornado's version 2 format, unencoded, expiring in 30 days", async () => {
    const r = await fetch(srv.url + "/set");
    const header = r.headers.getSetCookie()[0]!;
    expect(header).toMatch(/^user=2\|1:0\|10:\d{10}\|4:user\|8:YWxpY2U=\|[0-9a-f]{64}; Path=\/; Expires=/);
    const expires = new Date(/Expires=([^;]+)/.exec(header)![1]!).getTime();
    expect(Math.abs(expires - (Date.now() + 30 * 86_400_000))).toBeLessThan(120_000);
    const v = cookieValue(r, "user");
    expect(await get(srv, "user=" + v)).toEqual({ value: "alice", keyVersion: 0, user: "alice" });
    expect(await get(srv, `user="${v}"`)).toMatchObject({ value: "alice" });
  });

  it("honours expiresDays (number or session)", async () => {
    expect((await fetch(srv.url + "/set?days=none")).headers.getSetCookie()[0]).not.toMatch(/Expires/);
    const h = (await fetch(srv.url + "/set?days=1")).headers.getSetCookie()[0]!;
    expect(Math.abs(new Date(/Expires=([^;]+)/.exec(h)![1]!).getTime() - (Date.now() + 86_400_000))).toBeLessThan(120_000);
  });

  it("rejects tampering, another name, another secret, expiry and old versions", async () => {
    const now = Date.now() / 1000;
    const v = createSignedValue(SECRET, "user", "alice");
    expect(decodeSignedValue(SECRET, "user", v)).toBe("alice");
    expect(decodeSignedValue(SECRET, "other", v)).toBeNull();
    expect(decodeSignedValue("wrong", "user", v)).toBeNull();
    const renamed = createSignedValue(SECRET, "other", "alice");
    expect(await get(srv, "user=" + renamed)).toMatchObject({ value: null, user: null });
    const old = createSignedValue(SECRET, "user", "alice", { clock: () => now - 40 * 86400 });
    expect(decodeSignedValue(SECRET, "user", old)).toBeNull();
    expect(decodeSignedValue(SECRET, "user", old, { maxAgeDays: 41 })).toBe("alice");
    expect(await get(srv, "user=" + old)).toMatchObject({ value: null });
    expect(await get(srv, "user=" + old, "maxAgeDays=50")).toMatchObject({ value: "alice" });
    const recent = createSignedValue(SECRET, "user", "alice", { clock: () => now - 2 * 86400 });
    expect(await get(srv, "user=" + recent, "maxAgeDays=1")).toMatchObject({ value: null });
    const v1 = createSignedValue(SECRET, "user", "alice", { version: 1 });
    expect(decodeSignedValue(SECRET, "user", v1)).toBeNull();
    expect(decodeSignedValue(SECRET, "user", v1, { minVersion: 1 })).toBe("alice");
    expect(await get(srv, "user=" + v1)).toMatchObject({ value: null });
    expect(await get(srv, "user=" + v1, "minVersion=1")).toMatchObject({ value: "alice" });
    expect(decodeSignedValueBytes(SECRET, "user", createSignedValue(SECRET, "user", Buffer.from([0, 255, 1])))).toEqual(Buffer.from([0, 255, 1]));
  });

  it("rotates keys: signs with keyVersion, reads every known version", async () => {
    const secrets = { 0: "old-secret", 1: "new-secret" };
    const s = await start({ cookieSecret: secrets, keyVersion: 1 });
    const r = await fetch(s.url + "/set");
    const v = cookieValue(r, "user");
    expect(v).toMatch(/^2\|1:1\|/);
    expect(await get(s, "user=" + v)).toEqual({ value: "alice", keyVersion: 1, user: "alice" });
    const legacy = createSignedValue(secrets, "user", "bob", { keyVersion: 0 });
    expect(await get(s, "user=" + legacy)).toMatchObject({ value: "bob", keyVersion: 0 });
    const unknown = createSignedValue({ 7: "x" }, "user", "eve", { keyVersion: 7 });
    expect(await get(s, "user=" + unknown)).toMatchObject({ value: null, keyVersion: 7 });
    expect(getSignatureKeyVersion("garbage")).toBeNull();
    // A map without keyVersion cannot sign.
    const noVersion = await start({ cookieSecret: secrets });
    expect((await fetch(noVersion.url + "/set")).status).toBe(500);
    expect(() => createSignedValue(secrets, "user", "x")).toThrow(ConfigurationError);
  });

  it("without cookieSecret, secure cookies are a clear configuration error (500, nothing leaked)", async () => {
    const s = await start({});
    for (const p of ["/get", "/set", "/sign"]) {
      const r = await fetch(s.url + p, { headers: { Cookie: "user=x" } });
      expect(r.status).toBe(500);
      expect(await r.text()).not.toMatch(/cookieSecret|ConfigurationError/);
    }
    const t = await start({ serveTraceback: true });
    const r = await fetch(t.url + "/get");
    expect(await r.text()).toMatch(/ConfigurationError.*cookieSecret/s);
  });
});

describe("Tornado interop", () => {
  it("verifies every committed Tornado vector and reproduces it byte for byte", () => {
    expect(vectors.signed.length).toBeGreaterThanOrEqual(6);
    for (const v of vectors.signed) {
      const secret = typeof v.secret === "string" ? v.secret : Object.fromEntries(Object.entries(v.secret).map(([k, s]) => [Number(k), s]));
      const options = { clock: () => v.clock + 3600, maxAgeDays: 1, minVersion: v.version };
      expect(decodeSignedValue(secret, v.name, v.signed, options)).toBe(v.value);
      expect(decodeSignedValue(secret, v.name, v.signed, { ...options, clock: () => v.clock + 2 * 86400 })).toBeNull();
      expect(createSignedValue(secret, v.name, v.value, { version: v.version, keyVersion: v.keyVersion ?? undefined, clock: () => v.clock })).toBe(v.signed);
    }
  });

  it.runIf(hasTornado)("a cookie set by Tornado verifies in Typhoon over HTTP, quoted as Tornado sends it", async () => {
    const py = python("import tornado.web;print(tornado.web.create_signed_value('s3cret-for-tests','user','bob').decode())");
    expect(py.status).toBe(0);
    const signed = py.stdout.trim();
    // Tornado's own Set-Cookie header for it (SimpleCookie quotes values holding '=').
    const header = python("import http.cookies,sys;c=http.cookies.SimpleCookie();c['user']=sys.argv[1];print(c.output(header='').strip())", signed).stdout.trim();
    expect(await get(srv, header)).toMatchObject({ value: "bob" });
    expect(await get(srv, "user=" + signed)).toMatchObject({ value: "bob" });
  });

  it.runIf(hasTornado)("a cookie set by Typhoon verifies in Tornado, parsed from the Cookie header a browser sends", async () => {
    const r = await fetch(srv.url + "/set?v=" + encodeURIComponent("Zoë|;="));
    const header = "user=" + cookieValue(r, "user");
    const back = python("import tornado.web,tornado.httputil,sys;v=tornado.httputil.parse_cookie(sys.argv[1]).get('user');print(tornado.web.decode_signed_value('s3cret-for-tests','user',v).decode())", header);
    expect(back.stdout.trim()).toBe("Zoë|;=");
    const s = await start({ cookieSecret: { 3: "k3" }, keyVersion: 3 });
    const rotated = cookieValue(await fetch(s.url + "/set"), "user");
    const k = python("import tornado.web,sys;print(tornado.web.decode_signed_value({3:'k3'},'user',sys.argv[1]).decode(), tornado.web.get_signature_key_version(sys.argv[1]))", rotated);
    expect(k.stdout.trim()).toBe("alice 3");
  });
});

describe("bad signed values", () => {
  const good = createSignedValue(SECRET, "user", "alice");
  it.each([
    ["empty", ""], ["truncated", good.slice(0, -1)], ["truncated mid", good.slice(0, 30)], ["no signature", good.slice(0, good.lastIndexOf("|") + 1)],
    ["reordered", good.split("|").reverse().join("|")], ["swapped fields", (() => { const p = good.split("|"); [p[2], p[3]] = [p[3]!, p[2]!]; return p.join("|"); })()],
    ["oversized", good + "0".repeat(100_000)], ["oversized length", good.replace("8:YWxpY2U=", "99999999999999999999:YWxpY2U=")],
    ["non-ASCII", good.replace("alice", "alicé").replace("YWxpY2U=", "YWxpY2Ué")], ["upper-case hex", good.slice(0, -64) + good.slice(-64).toUpperCase()],
    ["version 3", "3" + good.slice(1)], ["version 0", "0" + good.slice(1)], ["huge version", "99999999|" + good.slice(2)],
    ["negative length", good.replace("4:user", "-4:user")], ["spaces", good.replace("|", " | ")], ["just pipes", "||||||"],
  ])("%s → null", async (_label, value) => {
    expect(decodeSignedValue(SECRET, "user", value)).toBeNull();
    expect(decodeSignedValue(SECRET, "user", value, { minVersion: 1 })).toBeNull();
  });

  it("over HTTP: hostile cookies are null, never a 500", async () => {
    for (const v of [good.slice(0, 20), "2|" + "9:".repeat(2000), '"' + good, good + '"', "\u00e9\u00e9", "2|1:0|10:abcdefghij|4:user|8:YWxpY2U=|" + "0".repeat(64)]) {
      const r = await fetch(srv.url + "/get", { headers: { Cookie: Buffer.from("user=" + v, "utf8").toString("latin1") } });
      expect(r.status).toBe(200);
      expect((await r.json()).value).toBeNull();
    }
  });

  it("no mutation of a signed value verifies (bounded fuzz, 5000 mutations)", () => {
    let seed = 12345;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const alphabet = "0123456789abcdefABCDEF|:=+/2YWxpY2U ";
    let tried = 0;
    for (let i = 0; i < 5000; i++) {
      let m = good;
      const ops = 1 + rand(3);
      for (let k = 0; k < ops; k++) {
        const pos = rand(m.length + 1);
        switch (rand(5)) {
          case 0: m = m.slice(0, pos) + alphabet[rand(alphabet.length)] + m.slice(pos + 1); break; // replace
          case 1: m = m.slice(0, pos) + alphabet[rand(alphabet.length)] + m.slice(pos); break; // insert
          case 2: m = m.slice(0, pos) + m.slice(pos + 1); break; // delete
          case 3: { const q = rand(m.length + 1); m = m.slice(0, Math.min(pos, q)) + m.slice(Math.max(pos, q)); break; } // cut
          default: { const p = m.split("|"); const a = rand(p.length), b = rand(p.length); [p[a], p[b]] = [p[b]!, p[a]!]; m = p.join("|"); } // swap fields
        }
      }
      if (m === good) continue;
      tried++;
      const out = decodeSignedValue(SECRET, "user", m, { minVersion: 1 });
      if (out !== null) throw new Error(`mutation verified: ${JSON.stringify(m)} → ${JSON.stringify(out)}`);
    }
    expect(tried).toBeGreaterThan(4500);
  });
});
