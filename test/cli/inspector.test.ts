// IDE debugging without an IDE: what VS Code's attach with `restart: true` (and WebStorm's reconnect)
// relies on. `tdev --inspect=<port>` keeps one inspector port across reloads; over the Chrome DevTools
// Protocol we see the app's .ts parsed with a source map that maps back to the .ts file, reload by
// editing the file, connect again on the same port, and pause at a `debugger` statement on the right
// .ts line.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { freePort, projectRoot, spawnProcess, tempDir, until, type Spawned } from "../helpers/http.js";

const TDEV = path.join(projectRoot, "bin", "tdev.js");

// The app, twice. Types and an interface make esbuild's output differ from the source line by line,
// so a source map that does nothing would fail the checks.
const V1 = `import http from "node:http";

interface Reply {
  text: string;
}

function answer(): Reply {
  const value: string = "v1";
  return { text: value };
}

http.createServer((_req, res) => res.end(answer().text)).listen(Number(process.env.PORT), "127.0.0.1");
`;
const V2 = V1.replace('const value: string = "v1";', 'const value: string = "v2";\n  debugger; // the pause');
const lineOf = (text: string, needle: string) => text.split("\n").findIndex((l) => l.includes(needle)); // 0-based

// ---- a minimal CDP client -------------------------------------------------------------------------

interface CdpEvent {
  method: string;
  params: Record<string, any>;
}

class Cdp {
  readonly events: CdpEvent[] = [];
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: any): void; reject(e: Error): void }>();
  closed = false;

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const msg = JSON.parse(String(data));
      if (msg.id !== undefined) {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (msg.error) p?.reject(new Error(`${msg.error.message} (${msg.error.code})`));
        else p?.resolve(msg.result);
      } else this.events.push(msg);
    });
    ws.on("close", () => {
      this.closed = true;
      for (const p of this.pending.values()) p.reject(new Error("inspector connection closed"));
      this.pending.clear();
    });
  }

  /** Asks the inspector port for its target and opens that target's WebSocket. */
  static async connect(port: number): Promise<{ cdp: Cdp; target: Record<string, string> }> {
    const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`, { signal: AbortSignal.timeout(5000) })).json()) as Record<string, string>[];
    expect(list.length).toBe(1);
    const target = list[0]!;
    const url = new URL(target.webSocketDebuggerUrl!);
    expect(Number(url.port)).toBe(port); // the URL a debugger gets points at tdev's port, not the child's
    const ws = new WebSocket(target.webSocketDebuggerUrl!);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("inspector WebSocket did not open in 5 s")), 5000);
      ws.once("open", () => (clearTimeout(timer), resolve()));
      ws.once("error", (e) => (clearTimeout(timer), reject(e)));
    });
    return { cdp: new Cdp(ws), target };
  }

  send(method: string, params: Record<string, unknown> = {}): Promise<any> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${method}: no answer in 10 s`)), 10_000);
      this.pending.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  async event(method: string, match: (params: Record<string, any>) => boolean = () => true, ms = 10_000): Promise<Record<string, any>> {
    const found = await until(() => this.events.find((e) => e.method === method && match(e.params)), ms);
    if (!found) throw new Error(`no ${method} in ${ms} ms; saw ${[...new Set(this.events.map((e) => e.method))].join(", ")}`);
    return found.params;
  }

  close(): void {
    this.ws.terminate();
  }
}

// ---- source maps (the VLQ "mappings" of a v3 map) -----------------------------------------------------

interface SourceMap {
  version: number;
  sources: string[];
  sourceRoot?: string;
  mappings: string;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Decodes a map into [generatedLine][] = { col, source, line, column } (all 0-based). */
function decodeMappings(map: SourceMap): { col: number; source: number; line: number; column: number }[][] {
  const lines: { col: number; source: number; line: number; column: number }[][] = [];
  let source = 0, line = 0, column = 0;
  for (const text of map.mappings.split(";")) {
    const segments: { col: number; source: number; line: number; column: number }[] = [];
    let col = 0;
    for (const seg of text.split(",")) {
      if (!seg) continue;
      const values: number[] = [];
      let value = 0, shift = 0;
      for (const ch of seg) {
        const digit = B64.indexOf(ch);
        value += (digit & 31) << shift;
        if (digit & 32) shift += 5;
        else {
          values.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      col += values[0]!;
      if (values.length >= 4) {
        source += values[1]!;
        line += values[2]!;
        column += values[3]!;
        segments.push({ col, source, line, column });
      }
    }
    lines.push(segments);
  }
  return lines;
}

/** The original position of a generated one: the last segment at or before the column. */
function originalPosition(map: SourceMap, genLine: number, genCol: number): { source: string; line: number } | null {
  const segments = decodeMappings(map)[genLine] ?? [];
  const seg = [...segments].reverse().find((s) => s.col <= genCol) ?? segments[0];
  return seg ? { source: map.sources[seg.source]!, line: seg.line } : null;
}

/** Reads the map a script announced: inline `data:` URL (what esbuild gives) or a file next to it. */
function loadSourceMap(scriptUrl: string, sourceMapURL: string): SourceMap {
  if (sourceMapURL.startsWith("data:")) {
    const comma = sourceMapURL.indexOf(",");
    const meta = sourceMapURL.slice(0, comma);
    const body = sourceMapURL.slice(comma + 1);
    return JSON.parse(meta.endsWith(";base64") ? Buffer.from(body, "base64").toString("utf8") : decodeURIComponent(body));
  }
  return JSON.parse(fs.readFileSync(fileURLToPath(new URL(sourceMapURL, scriptUrl)), "utf8"));
}

function sourcePath(map: SourceMap, scriptUrl: string, source: string): string {
  const resolved = new URL((map.sourceRoot ?? "") + source, scriptUrl);
  return resolved.protocol === "file:" ? fileURLToPath(resolved) : resolved.href;
}

// ---- the test ----------------------------------------------------------------------------------

describe("tdev --inspect: the inspector an IDE attaches to", () => {
  let tdev: Spawned | undefined;
  let cleanup: (() => void) | undefined;
  const sessions: Cdp[] = [];

  afterEach(async () => {
    for (const s of sessions.splice(0)) s.close();
    if (tdev && tdev.child.exitCode === null) {
      tdev.kill("SIGTERM");
      await Promise.race([tdev.exited, new Promise((r) => setTimeout(r, 5000))]);
      tdev.kill("SIGKILL");
    }
    cleanup?.();
  });

  it("keeps one port across reloads, maps scripts back to the .ts file and pauses at the right .ts line", async () => {
    const tmp = tempDir("insp");
    cleanup = tmp.cleanup;
    const appFile = path.join(tmp.dir, "app.ts");
    fs.writeFileSync(appFile, V1);
    const [port, inspectPort] = [await freePort(), await freePort()];
    tdev = spawnProcess(process.execPath, [TDEV, `--inspect=${inspectPort}`, appFile], { PORT: String(port) });
    const get = async () => {
      try {
        const r = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) });
        return await r.text();
      } catch {
        return "";
      }
    };
    expect(await until(async () => (await get()) === "v1", 30_000)).toBe(true);

    // 1. First session: the app's .ts is parsed with a source map that leads back to the .ts file.
    const first = await Cdp.connect(inspectPort);
    sessions.push(first.cdp);
    await first.cdp.send("Debugger.enable");
    const appUrl = pathToFileURL(appFile).href;
    const parsed = await first.cdp.event("Debugger.scriptParsed", (p) => p.url === appUrl);
    expect(parsed.sourceMapURL, "the script carries a source map").toBeTruthy();
    const map = loadSourceMap(parsed.url, parsed.sourceMapURL);
    expect(map.sources.map((s) => sourcePath(map, parsed.url, s))).toContain(appFile);
    // The generated line holding "v1" maps back to the .ts line that holds it.
    const { scriptSource } = await first.cdp.send("Debugger.getScriptSource", { scriptId: parsed.scriptId });
    const genLine = lineOf(scriptSource, '"v1"');
    expect(genLine).toBeGreaterThanOrEqual(0);
    const genCol = scriptSource.split("\n")[genLine].indexOf('"v1"');
    const original = originalPosition(map, genLine, genCol);
    expect(original && sourcePath(map, parsed.url, original.source)).toBe(appFile);
    expect(original?.line).toBe(lineOf(V1, '"v1"'));
    expect(lineOf(V1, '"v1"')).not.toBe(genLine); // the map is doing real work

    // 2. Reload by editing the file: the old session ends, the app serves the new code.
    fs.writeFileSync(appFile, V2);
    expect(await until(() => first.cdp.closed, 20_000), "tdev drops sessions of the old process").toBe(true);
    const debuggerLine = lineOf(V2, "debugger;");

    // 3. Same port, new process: pause at the `debugger` statement, on the .ts line.
    const second = await until(async () => {
      try {
        const c = await Cdp.connect(inspectPort);
        return c.target.id === first.target.id ? (c.cdp.close(), null) : c;
      } catch {
        return null;
      }
    }, 20_000);
    expect(second, "a new target on the same inspector port").toBeTruthy();
    sessions.push(second!.cdp);
    const cdp = second!.cdp;
    await cdp.send("Debugger.enable");
    const parsed2 = await cdp.event("Debugger.scriptParsed", (p) => p.url === appUrl);
    const map2 = loadSourceMap(parsed2.url, parsed2.sourceMapURL);

    const response = get(); // hangs at the `debugger` statement until we resume
    const paused = await cdp.event("Debugger.paused", () => true, 15_000);
    const frame = paused.callFrames[0];
    expect(frame.location.scriptId).toBe(parsed2.scriptId);
    const at = originalPosition(map2, frame.location.lineNumber, frame.location.columnNumber);
    expect(at && sourcePath(map2, parsed2.url, at.source)).toBe(appFile);
    expect(at?.line, `paused at ${appFile}:${(at?.line ?? -2) + 1}, expected line ${debuggerLine + 1}`).toBe(debuggerLine);
    await cdp.send("Debugger.resume");
    expect(await response).toBe("v2");

    // 4. Two app processes ran, each with an inspector on an ephemeral port: tdev shows only its own
    // stable address, never a child's "Debugger listening on ws://127.0.0.1:<ephemeral>/…".
    const out = tdev.output();
    expect(out).toContain(`debugger: ws://127.0.0.1:${inspectPort} (stays the same across restarts)`);
    expect(out).not.toContain("Debugger listening on");
    expect(out).not.toContain("For help, see: https://nodejs.org/en/docs/inspector");
  });
});
