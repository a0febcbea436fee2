import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { transform } from "esbuild";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Application, RequestHandler, authenticated, isSafeRedirect } from "typhoon";
import { rawRequest, serve, spawnTs, tempDir, freePort, type Spawned, type TestServer } from "../helpers/http.js";

const SECRET = "s3cret-for-tests";
let userCalls = 0;

class Base extends RequestHandler {
  override async getCurrentUser() {
    userCalls++;
    await new Promise((r) => setTimeout(r, 1));
    return this.getCookie("u") ?? null;
  }
}
// The plain-wrapper form, usable without any decorator support.
class Private extends Base {
  get = authenticated(function (this: Private) { this.write(`private ${this.currentUser}`); });
  post = authenticated(async function (this: Private) { await Promise.resolve(); this.write("posted"); });
  delete = authenticated(function (this: Private) { this.write("deleted"); });
}
class Any extends Base { get = authenticated(function (this: Any) { this.write("any"); }); }
class Login extends Base { get() { this.redirect(this.getNextUrl()); } }

const servers: TestServer[] = [];
const start = async (settings: Record<string, unknown>, extra: Array<[string, typeof RequestHandler]> = []) => {
  const s = await serve(new Application([["/private", Private], ["/login", Login], ...extra, ["/(.*)", Any]], { logFunction: () => {}, cookieSecret: SECRET, ...settings }));
  servers.push(s);
  return s;
};
let srv: TestServer;
beforeAll(async () => { srv = await start({ loginUrl: "/login" }); });
afterAll(async () => { for (const s of servers) await s.close(); });

const noFollow = { redirect: "manual" } as const;

describe("authenticated", () => {
  it("redirects GET and HEAD to loginUrl with next, answers 403 to other methods", async () => {
    let r = await fetch(srv.url + "/private?a=1&b=%2F", noFollow);
    expect(r.status).toBe(302);
    expect(r.headers.get("location")).toBe("/login?next=%2Fprivate%3Fa%3D1%26b%3D%252F");
    r = await fetch(srv.url + "/private", { method: "HEAD", ...noFollow });
    expect(r.status).toBe(302);
    for (const method of ["POST", "DELETE"]) {
      r = await fetch(srv.url + "/private", { method });
      expect(r.status).toBe(403);
      expect(await r.text()).not.toMatch(/posted|deleted/);
    }
  });

  it("lets a user through; an async getCurrentUser runs once per request", async () => {
    userCalls = 0;
    const r = await fetch(srv.url + "/private", { headers: { Cookie: "u=alice" } });
    expect(await r.text()).toBe("private alice");
    expect(userCalls).toBe(1);
    expect(await (await fetch(srv.url + "/private", { method: "POST", headers: { Cookie: "u=bob" } })).text()).toBe("posted");
  });

  it("keeps an absolute loginUrl's own query and gives next as the full URL", async () => {
    const s = await start({ loginUrl: "https://auth.example.com/login?app=blog#top" });
    const r = await fetch(s.url + "/private?x=1", noFollow);
    const loc = new URL(r.headers.get("location")!);
    expect(loc.origin + loc.pathname).toBe("https://auth.example.com/login");
    expect(loc.searchParams.get("app")).toBe("blog");
    expect(loc.searchParams.get("next")).toBe(`${s.url}/private?x=1`);
    expect(loc.hash).toBe("#top");
    const named = await start({ loginUrl: "/signin?next=/home" });
    expect((await fetch(named.url + "/private", noFollow)).headers.get("location")).toBe("/signin?next=/home");
    const relQuery = await start({ loginUrl: "/signin?lang=fr" });
    expect((await fetch(relQuery.url + "/private", noFollow)).headers.get("location")).toBe("/signin?lang=fr&next=%2Fprivate");
  });

  it("without loginUrl, an anonymous GET is a 500 (configuration error), not a bypass", async () => {
    const s = await start({});
    const r = await fetch(s.url + "/private", noFollow);
    expect(r.status).toBe(500);
    expect(await r.text()).not.toContain("private");
  });

  it("never puts another host in next, and getNextUrl follows only same-site paths", async () => {
    const raw = await rawRequest(srv.port, "GET //evil.com/x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    expect(raw).toMatch(/^HTTP\/1.1 302/);
    expect(raw).toMatch(/\r\nLocation: \/login\?next=%2F\r\n/i);
    for (const next of ["//evil.com", "http://evil", "https://evil.com/x", "/\\evil.com", "\\\\evil.com", "/\t/evil.com", " //evil.com", "javascript:alert(1)", "evil.com", "/\n/evil.com", "/\x00/evil"]) {
      const r = await fetch(`${srv.url}/login?next=${encodeURIComponent(next)}`, noFollow);
      expect(r.headers.get("location"), next).toBe("/");
    }
    expect((await fetch(`${srv.url}/login?next=${encodeURIComponent("/ok?x=1#y")}`, noFollow)).headers.get("location")).toBe("/ok?x=1#y");
    expect(isSafeRedirect("/a/b")).toBe(true);
    expect(isSafeRedirect("//a")).toBe(false);
  });

  it("throws a TypeError for anything but a method decorator or a function", () => {
    const fn = function () {};
    const bad: Array<() => unknown> = [
      () => (authenticated as (...a: unknown[]) => unknown)(),
      () => (authenticated as (...a: unknown[]) => unknown)("get"),
      () => (authenticated as (...a: unknown[]) => unknown)(fn, { kind: "field", name: "get" }),
      () => (authenticated as (...a: unknown[]) => unknown)(fn, { kind: "getter", name: "get" }),
      () => (authenticated as (...a: unknown[]) => unknown)(class {}, { kind: "class", name: "C" }),
      () => (authenticated as (...a: unknown[]) => unknown)({}, "get", { get() { return 1; } }),
      () => (authenticated as (...a: unknown[]) => unknown)({}, "get", undefined),
      () => (authenticated as (...a: unknown[]) => unknown)(fn, fn),
      () => (authenticated as (...a: unknown[]) => unknown)(1, 2, 3),
    ];
    for (const call of bad) expect(call).toThrow(TypeError);
  });
});

// The same app, written with @authenticated, compiled in each decorator mode.
const DECORATED = `import { Application, RequestHandler, authenticated } from "typhoon";
export class Base extends RequestHandler { getCurrentUser() { return this.getCookie("u") ?? null; } }
export class Private extends Base {
  @authenticated
  get(): void { this.write("private " + String(this.currentUser)); }
  @authenticated
  async post(): Promise<void> { this.write("posted"); }
}
export class Login extends Base { get(): void { this.write("login"); } }
export const makeApp = () => new Application([["/private", Private], ["/login", Login]], { loginUrl: "/login", logFunction: () => {} });
`;

async function checkDecoratedApp(app: Application) {
  const s = await serve(app);
  servers.push(s);
  const r = await fetch(s.url + "/private", noFollow);
  expect(r.status).toBe(302);
  expect(r.headers.get("location")).toBe("/login?next=%2Fprivate");
  expect((await fetch(s.url + "/private", { method: "POST" })).status).toBe(403);
  expect(await (await fetch(s.url + "/private", { headers: { Cookie: "u=ann" } })).text()).toBe("private ann");
  expect(await (await fetch(s.url + "/private", { method: "POST", headers: { Cookie: "u=ann" } })).text()).toBe("posted");
}

describe("@authenticated as a decorator", () => {
  const tmp = tempDir("auth-deco");
  afterAll(() => tmp.cleanup());

  it.each([["standard (TC39)", false], ["legacy (experimentalDecorators)", true]])("esbuild output, %s", async (_label, experimentalDecorators) => {
    const out = await transform(DECORATED, { loader: "ts", format: "esm", target: "es2022", tsconfigRaw: { compilerOptions: { experimentalDecorators } } });
    expect(out.code).toMatch(experimentalDecorators ? /__decorateClass/ : /__decorateElement|__runInitializers/);
    const file = path.join(tmp.dir, `app-${experimentalDecorators ? "legacy" : "std"}.mjs`);
    fs.writeFileSync(file, out.code);
    const mod = (await import(pathToFileURL(file).href)) as { makeApp: () => Application };
    await checkDecoratedApp(mod.makeApp());
  });

  it.each([["standard", false], ["legacy", true]])("tsc --strict accepts the %s form and rejects misuse", (_label, experimentalDecorators) => {
    const file = path.join(tmp.dir, `typed-${experimentalDecorators ? "legacy" : "std"}.ts`);
    fs.writeFileSync(file, DECORATED);
    const options: ts.CompilerOptions = {
      strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
      experimentalDecorators, skipLibCheck: true, types: ["node"], lib: ["lib.es2023.d.ts", "lib.dom.d.ts", "lib.decorators.d.ts", "lib.decorators.legacy.d.ts"],
    };
    const diagnostics = (f: string) => ts.getPreEmitDiagnostics(ts.createProgram([f], options)).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    expect(diagnostics(file)).toEqual([]);
    if (!experimentalDecorators) {
      // On a field, the standard decorator is a type error (and a TypeError at run time).
      const misuse = path.join(tmp.dir, "misuse.ts");
      fs.writeFileSync(misuse, `import { RequestHandler, authenticated } from "typhoon";\nexport class H extends RequestHandler {\n  @authenticated\n  get = 1;\n}\n`);
      expect(diagnostics(misuse).length).toBeGreaterThan(0);
    }
  }, 60_000);

  it("typhoon/register honours the nearest tsconfig.json (legacy decorators)", async () => {
    const dir = path.join(tmp.dir, "legacy-app");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { experimentalDecorators: true } }));
    fs.writeFileSync(path.join(dir, "app.ts"), DECORATED.replace("export const makeApp", "const makeApp") + `
const compiled = String(Private.toString());
const server = await makeApp().listen(Number(process.argv[2]), "127.0.0.1");
console.log("listening", typeof server);
`);
    const port = await freePort();
    let child: Spawned | undefined;
    try {
      child = spawnTs(path.join(dir, "app.ts"), [String(port)]);
      await child.waitFor(/listening/);
      const r = await fetch(`http://127.0.0.1:${port}/private`, noFollow);
      expect(r.status).toBe(302);
      expect(r.headers.get("location")).toBe("/login?next=%2Fprivate");
      expect((await fetch(`http://127.0.0.1:${port}/private`, { method: "POST" })).status).toBe(403);
    } finally {
      child?.kill();
      await child?.exited;
    }
  });
});
