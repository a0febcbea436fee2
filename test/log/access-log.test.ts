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

describe("access log lines", () => {
  /** Runs `fn` with stderr captured; returns the lines written (after the pending ones are flushed). */
  async function captureLines(fn: () => void): Promise<string[]> {
    const chunks: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string | Uint8Array) => {
      chunks.push(Buffer.from(chunk).toString("utf8"));
      return true;
    }) as typeof process.stderr.write;
    try {
      fn();
      await new Promise((r) => setImmediate(r));
    } finally {
      process.stderr.write = write;
    }
    return chunks.join("").split("\n").slice(0, -1);
  }

  it("formats each line from its own status, method, path, address and time, whatever came before", async () => {
    const { AccessLogger } = await import("../../src/log/logger.js");
    const log = new AccessLogger("test.access");
    const methods = ["GET", "POST", "DELETE", "GET"];
    const statuses = [200, 304, 404, 200, 500, 201];
    const expected: RegExp[] = [];
    const lines = await captureLines(() => {
      // More addresses than the logger keeps, so its memory of them is emptied on the way.
      for (let i = 0; i < 600; i++) {
        const method = methods[i % methods.length]!;
        const status = statuses[i % statuses.length]!;
        const ip = `10.0.${i % 300 >> 8}.${i % 300 & 255}`;
        log.request(status, method, `/p/${i}?q=\u00e9`, ip, i / 7);
        const tag = status < 400 ? "I" : status < 500 ? "W" : "E";
        const ms = (Math.round((i / 7) * 100) / 100).toFixed(2);
        expected.push(new RegExp(`^\\[${tag} \\d{6} \\d\\d:\\d\\d:\\d\\d test\\.access\\] ${status} ${method} /p/${i}\\?q=\u00e9 \\(${ip.replace(/\./g, "\\.")}\\) ${ms.replace(".", "\\.")}ms$`));
      }
    });
    expect(lines).toHaveLength(expected.length);
    lines.forEach((line, i) => expect(line).toMatch(expected[i]!));
  });

  it("stamps each line with the second it was written in", async () => {
    const { AccessLogger } = await import("../../src/log/logger.js");
    const log = new AccessLogger("test.access");
    const { vi } = await import("vitest");
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const lines = await captureLines(() => {
        vi.setSystemTime(new Date(2026, 0, 2, 3, 4, 5));
        log.request(200, "GET", "/a", "127.0.0.1", 1);
        vi.setSystemTime(new Date(2026, 0, 2, 3, 4, 6));
        log.request(200, "GET", "/b", "127.0.0.1", 1);
        log.request(404, "GET", "/c", "127.0.0.1", 1);
      });
      expect(lines).toEqual([
        "[I 260102 03:04:05 test.access] 200 GET /a (127.0.0.1) 1.00ms",
        "[I 260102 03:04:06 test.access] 200 GET /b (127.0.0.1) 1.00ms",
        "[W 260102 03:04:06 test.access] 404 GET /c (127.0.0.1) 1.00ms",
      ]);
    } finally {
      vi.useRealTimers();
    }
  });
});
