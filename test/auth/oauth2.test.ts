import { createHash, createHmac, randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Application, RequestHandler, GoogleOAuth2Mixin, GitHubOAuth2Mixin, FacebookOAuth2Mixin, type OAuth2HandlerClass } from "typhoon";
import { serve, type TestServer } from "../helpers/http.js";

// ---- a provider stub on loopback: authorize, token (PKCE-checked), user info, GitHub e-mails
interface Grant { clientId: string; redirectUri: string; challenge: string; used: boolean }
const grants = new Map<string, Grant>();
const tokens = new Map<string, string>();
let tokenMode: "ok" | "crash" = "ok";
const CLIENT = { key: "client-1", secret: "secret-1" };
let stub: http.Server;
let stubUrl: string;

function json(res: http.ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  let s = "";
  for await (const c of req) s += c;
  return s;
}

function issueToken(params: URLSearchParams, res: http.ServerResponse) {
  if (tokenMode === "crash") { res.writeHead(500, { "Content-Type": "text/html" }); res.end("<h1>oops</h1>"); return; }
  const grant = grants.get(params.get("code") ?? "");
  const challenge = createHash("sha256").update(params.get("code_verifier") ?? "").digest("base64url");
  if (params.get("client_id") !== CLIENT.key || params.get("client_secret") !== CLIENT.secret) return json(res, 401, { error: "invalid_client" });
  if (!grant || grant.used || grant.redirectUri !== params.get("redirect_uri") || grant.challenge !== challenge) return json(res, 400, { error: "invalid_grant" });
  if (params.has("grant_type") && params.get("grant_type") !== "authorization_code") return json(res, 400, { error: "unsupported_grant_type" });
  grant.used = true;
  const access = randomBytes(8).toString("hex");
  tokens.set(access, grant.clientId);
  json(res, 200, { access_token: access, token_type: "Bearer", expires_in: 3599, scope: "x" });
}

function bearer(req: http.IncomingMessage): string | undefined {
  const t = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
  return t && tokens.has(t) ? t : undefined;
}

beforeAll(async () => {
  stub = http.createServer(async (req, res) => {
    const url = new URL(req.url!, "http://stub");
    const q = url.searchParams;
    if (url.pathname === "/authorize") {
      // The user consents: back to redirect_uri with a code and the state.
      if (q.get("response_type") !== "code" || q.get("code_challenge_method") !== "S256" || !q.get("code_challenge") || !q.get("state")) return json(res, 400, { error: "invalid_request" });
      const back = new URL(q.get("redirect_uri")!);
      if (q.get("deny")) back.searchParams.set("error", "access_denied");
      else {
        const code = randomBytes(8).toString("hex");
        grants.set(code, { clientId: q.get("client_id")!, redirectUri: q.get("redirect_uri")!, challenge: q.get("code_challenge")!, used: false });
        back.searchParams.set("code", code);
      }
      back.searchParams.set("state", q.get("state")!);
      res.writeHead(302, { Location: back.toString() });
      return res.end();
    }
    if (url.pathname === "/token" && req.method === "POST") return issueToken(new URLSearchParams(await readBody(req)), res);
    if (url.pathname === "/fb/token" && req.method === "GET") return issueToken(q, res);
    if (url.pathname === "/userinfo") {
      return bearer(req) ? json(res, 200, { sub: "1001", name: "Ann Example", email: "ann@example.com", email_verified: true, picture: "https://img/ann" }) : json(res, 401, { error: "invalid_token" });
    }
    if (url.pathname === "/gh/user") return bearer(req) ? json(res, 200, { id: 42, login: "octo", name: null, email: null, avatar_url: "https://img/octo" }) : json(res, 401, { message: "Bad credentials" });
    if (url.pathname === "/gh/user/emails") {
      return bearer(req) ? json(res, 200, [{ email: "old@example.com", primary: false, verified: true }, { email: "octo@example.com", primary: true, verified: true }]) : json(res, 401, {});
    }
    if (url.pathname === "/fb/me") {
      const t = bearer(req);
      const proof = t && createHmac("sha256", CLIENT.secret).update(t).digest("hex");
      if (!t || q.get("appsecret_proof") !== proof || q.get("fields") !== "id,name,email,picture") return json(res, 400, { error: { message: "bad proof" } });
      return json(res, 200, { id: "77", name: "Fay", email: "fay@example.com", picture: { data: { url: "https://img/fay" } } });
    }
    json(res, 404, { error: "not_found" });
  });
  await new Promise<void>((r) => stub.listen(0, "127.0.0.1", r));
  stubUrl = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => stub.close(() => r())));

// ---- the app: one login handler per preset, all written the same way
function loginHandler(Mixed: OAuth2HandlerClass<typeof RequestHandler>) {
  return class extends Mixed {
    async get() {
      if (this.getArgument("code", "") || this.getArgument("error", "")) {
        const { user, token, next } = await this.getAuthenticatedUser();
        this.setSecureCookie("user", user.id);
        this.write({ id: user.id, name: user.name ?? null, email: user.email ?? null, picture: user.picture ?? null, username: user.username ?? null, token: token.accessToken.length, next });
        return;
      }
      await this.authorizeRedirect();
    }
  };
}

let app: TestServer;
beforeAll(async () => {
  app = await serve(new Application([
    ["/auth/google", loginHandler(GoogleOAuth2Mixin(RequestHandler))],
    ["/auth/github", loginHandler(GitHubOAuth2Mixin(RequestHandler))],
    ["/auth/facebook", loginHandler(FacebookOAuth2Mixin(RequestHandler))],
  ], {
    logFunction: () => {},
    cookieSecret: "oauth-test-secret",
    googleOAuth: { ...CLIENT, authorizeUrl: `${stubUrl}/authorize`, tokenUrl: `${stubUrl}/token`, userInfoUrl: `${stubUrl}/userinfo` },
    githubOAuth: { clientId: CLIENT.key, clientSecret: CLIENT.secret, authorizeUrl: `${stubUrl}/authorize`, tokenUrl: `${stubUrl}/token`, userInfoUrl: `${stubUrl}/gh/user` },
    facebookOAuth: { ...CLIENT, authorizeUrl: `${stubUrl}/authorize`, tokenUrl: `${stubUrl}/fb/token`, userInfoUrl: `${stubUrl}/fb/me` },
  }));
});
afterAll(() => app.close());

const manual = { redirect: "manual" } as const;
const cookieOf = (r: Response) => r.headers.getSetCookie().map((s) => s.split(";")[0]!).join("; ");

/** Starts a login at the app; returns the provider URL and the state cookie. */
async function begin(provider: string, query = "") {
  const r = await fetch(`${app.url}/auth/${provider}${query}`, manual);
  expect(r.status).toBe(302);
  return { authorize: new URL(r.headers.get("location")!), cookie: cookieOf(r), setCookie: r.headers.getSetCookie()[0]! };
}

/** The provider's answer: where it sends the browser back. */
async function consent(authorize: URL, deny = false) {
  if (deny) authorize.searchParams.set("deny", "1");
  const r = await fetch(authorize, manual);
  expect(r.status).toBe(302);
  return r.headers.get("location")!;
}

describe("OAuth2 authorization-code flow with state and PKCE", () => {
  it("Google: redirect, code exchange with the PKCE verifier, user info, safe next", async () => {
    const { authorize, cookie, setCookie } = await begin("google", "?next=" + encodeURIComponent("/inbox?x=1"));
    expect(authorize.origin + authorize.pathname).toBe(`${stubUrl}/authorize`);
    const p = authorize.searchParams;
    expect(p.get("client_id")).toBe("client-1");
    expect(p.get("redirect_uri")).toBe(`${app.url}/auth/google`);
    expect(p.get("scope")).toBe("openid email profile");
    expect(p.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(p.get("state")).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(setCookie).toMatch(/^_oauth2_google=2\|.*HttpOnly; SameSite=Lax/);
    // The PKCE verifier stays in the signed, HttpOnly cookie: only its challenge goes through the browser's URL.
    expect(authorize.toString()).not.toContain("code_verifier");
    const back = await consent(authorize);
    const r = await fetch(back, { headers: { Cookie: cookie } });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ id: "1001", name: "Ann Example", email: "ann@example.com", picture: "https://img/ann", username: null, token: 16, next: "/inbox?x=1" });
    expect(r.headers.getSetCookie().some((s) => /^user=2\|/.test(s))).toBe(true);
    expect(r.headers.getSetCookie().some((s) => /^_oauth2_google=;/.test(s))).toBe(true);
  });

  it("GitHub: fills the hidden e-mail from the e-mail list; a next to another host becomes /", async () => {
    const { authorize, cookie } = await begin("github", "?next=" + encodeURIComponent("//evil.com/x"));
    expect(authorize.searchParams.get("scope")).toBe("read:user user:email");
    const r = await fetch(await consent(authorize), { headers: { Cookie: cookie } });
    expect(await r.json()).toMatchObject({ id: "42", name: "octo", username: "octo", email: "octo@example.com", next: "/" });
  });

  it("Facebook: token by GET, user info signed with appsecret_proof", async () => {
    const { authorize, cookie } = await begin("facebook");
    expect(authorize.searchParams.get("scope")).toBe("public_profile,email");
    const r = await fetch(await consent(authorize), { headers: { Cookie: cookie } });
    expect(await r.json()).toMatchObject({ id: "77", name: "Fay", email: "fay@example.com", picture: "https://img/fay" });
  });

  it("a refusal from the provider is a 401", async () => {
    const { authorize, cookie } = await begin("google");
    const back = await consent(authorize, true);
    expect(back).toContain("error=access_denied");
    const r = await fetch(back, { headers: { Cookie: cookie } });
    expect(r.status).toBe(401);
    expect(await r.text()).not.toContain("access_denied");
  });

  it("a wrong, missing or replayed state is a 403 and no token is asked for", async () => {
    const { authorize, cookie } = await begin("google");
    const back = new URL(await consent(authorize));
    const code = back.searchParams.get("code")!;
    const wrong = new URL(back);
    wrong.searchParams.set("state", "A".repeat(32));
    expect((await fetch(wrong, { headers: { Cookie: cookie } })).status).toBe(403);
    expect(grants.get(code)!.used).toBe(false);
    expect((await fetch(back)).status).toBe(403); // no state cookie (login started elsewhere: login CSRF)
    const other = await begin("google");
    expect((await fetch(back, { headers: { Cookie: other.cookie } })).status).toBe(403); // someone else's state
    expect((await fetch(back, { headers: { Cookie: cookie.replace(/.$/, (c) => (c === "0" ? "1" : "0")) } })).status).toBe(403); // tampered cookie
    expect(grants.get(code)!.used).toBe(false);
    // The genuine pair still works once.
    expect((await fetch(back, { headers: { Cookie: cookie } })).status).toBe(200);
    expect((await fetch(back, { headers: { Cookie: cookie } })).status).toBe(401); // code already used
  });

  it("token endpoint failures: refused code → 401, broken provider → 502, unreachable → 502", async () => {
    let { authorize, cookie } = await begin("google");
    let back = new URL(await consent(authorize));
    back.searchParams.set("code", "forged");
    expect((await fetch(back, { headers: { Cookie: cookie } })).status).toBe(401);
    ({ authorize, cookie } = await begin("google"));
    back = new URL(await consent(authorize));
    tokenMode = "crash";
    try {
      const r = await fetch(back, { headers: { Cookie: cookie } });
      expect(r.status).toBe(502);
      expect(await r.text()).not.toContain("oops");
    } finally {
      tokenMode = "ok";
    }
    const dead = await serve(new Application([["/auth", loginHandler(GoogleOAuth2Mixin(RequestHandler))]], {
      logFunction: () => {}, cookieSecret: "x", googleOAuth: { ...CLIENT, authorizeUrl: `${stubUrl}/authorize`, tokenUrl: "http://127.0.0.1:1/token", userInfoUrl: "http://127.0.0.1:1/u" },
    }));
    try {
      const start = await fetch(dead.url + "/auth", manual);
      const loc = new URL(await consent(new URL(start.headers.get("location")!)));
      expect((await fetch(loc, { headers: { Cookie: cookieOf(start) } })).status).toBe(502);
    } finally {
      await dead.close();
    }
  });

  it("without the provider's settings or cookieSecret, a clear 500", async () => {
    const s = await serve(new Application([["/auth", loginHandler(GoogleOAuth2Mixin(RequestHandler))]], { logFunction: () => {}, cookieSecret: "x" }));
    const t = await serve(new Application([["/auth", loginHandler(GoogleOAuth2Mixin(RequestHandler))]], { logFunction: () => {}, googleOAuth: CLIENT }));
    try {
      expect((await fetch(s.url + "/auth", manual)).status).toBe(500);
      expect((await fetch(t.url + "/auth", manual)).status).toBe(500);
    } finally {
      await s.close();
      await t.close();
    }
  });
});
