import { afterAll, describe, expect, it } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { spawnTs, tempDir } from "../helpers/http.js";

const source = `import { Application, RequestHandler } from "typhoon";
class Ok extends RequestHandler { get() { this.write("ok"); } }
const server = await new Application([["/ok", Ok]]).listen(0, "127.0.0.1");
console.log("PORT " + server.port);
`;

async function runWith(env: NodeJS.ProcessEnv): Promise<string> {
  const tmp = tempDir("log");
  const file = path.join(tmp.dir, "app.ts");
  fs.writeFileSync(file, source);
  const p = spawnTs(file, [], env);
  try {
    const port = (await p.waitFor(/PORT (\d+)/))[1];
    await fetch(`http://127.0.0.1:${port}/ok?x=1`);
    await fetch(`http://127.0.0.1:${port}/missing`);
    await p.waitFor(/GET \/missing/);
    return p.output();
  } finally {
    p.kill();
    tmp.cleanup();
  }
}

describe("access log", () => {
  afterAll(() => {});
  it("writes one Tornado-shaped line per request, plain without a TTY or with NO_COLOR", async () => {
    const out = await runWith({ NO_COLOR: "1" });
    expect(out).toMatch(/\[I \d{6} \d\d:\d\d:\d\d typhoon\.access\] 200 GET \/ok\?x=1 \(127\.0\.0\.1\) \d+\.\d\dms/);
    expect(out).toMatch(/\[W [^\]]+\] 404 GET \/missing \(127\.0\.0\.1\) \d+\.\d\dms/);
    expect(out).not.toContain("\x1b[");
  });

  it("colours the status when colour is forced", async () => {
    const out = await runWith({ NO_COLOR: undefined, FORCE_COLOR: "1" });
    expect(out).toContain("\x1b[32m200\x1b[39m");
    expect(out).toContain("\x1b[33m404\x1b[39m");
  });
});
