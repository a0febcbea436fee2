import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { spawnTs, tempDir, type Spawned } from "../helpers/http.js";

// A TypeScript app run through typhoon/register, so the traceback must map frames back to .ts lines.
const source = `import { Application, RequestHandler, HTTPError } from "typhoon";
interface Payload { marker: string }
function explode(p: Payload): never {
  throw new Error(p.marker); // THROW_LINE
}
class Boom extends RequestHandler {
  get(): void {
    explode({ marker: "<img src=x onerror=alert(1)> & 'quotes'" });
  }
}
class Forbidden extends RequestHandler { get() { throw new HTTPError(403, "private log message"); } }
const app = new Application([["/boom", Boom], ["/forbidden", Forbidden]], { serveTraceback: process.argv[2] === "tb", logFunction: () => {} });
const server = await app.listen(0, "127.0.0.1");
console.log("PORT " + server.port);
`;
const throwLine = source.split("\n").findIndex((l) => l.includes("THROW_LINE")) + 1;

describe("traceback pages", () => {
  const tmp = tempDir("traceback");
  const file = path.join(tmp.dir, "app.ts");
  let tb: Spawned, prod: Spawned;
  let tbUrl = "", prodUrl = "";
  beforeAll(async () => {
    fs.writeFileSync(file, source);
    tb = spawnTs(file, ["tb"]);
    prod = spawnTs(file, ["prod"]);
    tbUrl = `http://127.0.0.1:${(await tb.waitFor(/PORT (\d+)/))[1]}`;
    prodUrl = `http://127.0.0.1:${(await prod.waitFor(/PORT (\d+)/))[1]}`;
  });
  afterAll(() => { tb.kill(); prod.kill(); tmp.cleanup(); });

  it("shows the exception with frames mapped to the .ts source and the failing line", async () => {
    const r = await fetch(`${tbUrl}/boom`);
    expect(r.status).toBe(500);
    expect(r.headers.get("content-type")).toMatch(/text\/html/);
    const body = await r.text();
    expect(body).toContain(`app.ts:${throwLine}:`);
    expect(body).toMatch(/class="hit">\s*\d+\s+throw new Error\(p\.marker\); \/\/ THROW_LINE/);
    expect(body).toContain("explode");
  });

  it("HTML-escapes the hostile exception message and the source", async () => {
    const body = await (await fetch(`${tbUrl}/boom`)).text();
    expect(body).not.toContain("<img src=x");
    expect(body).toContain("&lt;img src=x onerror=alert(1)&gt; &amp; &#x27;quotes&#x27;");
  });

  it("gives the same as JSON to a client that asks for it", async () => {
    const r = await fetch(`${tbUrl}/boom`, { headers: { Accept: "application/json" } });
    expect(r.headers.get("content-type")).toMatch(/application\/json/);
    const j = await r.json();
    expect(j).toMatchObject({ status: 500, reason: "Internal Server Error" });
    expect(j.error).toContain("<img src=x");
    expect(j.stack[0]).toMatchObject({ functionName: "explode", line: throwLine });
    expect(j.stack[0].file).toBe(file);
  });

  it("shows the traceback of an HTTPError too, with its log message", async () => {
    const r = await fetch(`${tbUrl}/forbidden`);
    expect(r.status).toBe(403);
    expect(await r.text()).toContain("private log message");
  });

  it("with serveTraceback off, serves Tornado's plain page and leaks nothing", async () => {
    const r = await fetch(`${prodUrl}/boom`);
    expect(await r.text()).toBe("<html><title>500: Internal Server Error</title><body>500: Internal Server Error</body></html>");
    const f = await (await fetch(`${prodUrl}/forbidden`)).text();
    expect(f).not.toContain("private log message");
    const j = await (await fetch(`${prodUrl}/boom`, { headers: { Accept: "application/json" } })).json();
    expect(j).toEqual({ status: 500, reason: "Internal Server Error" });
  });

  it("logs the source-mapped stack", () => {
    expect(prod.output()).toMatch(new RegExp(`app\\.ts:${throwLine}:\\d+`));
  });
});
