// The package as a user installs it: its manifest, its public names, and plain node on compiled JS.
import { afterAll, describe, expect, it } from "vitest";
import fs from "node:fs";
import path from "node:path";
import * as typhoon from "typhoon";
import { projectRoot, spawnProcess, tempDir } from "./helpers/http.js";

const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot, "package.json"), "utf8"));

describe("package", () => {
  const tmp = tempDir("package");
  afterAll(() => tmp.cleanup());

  it("is the ESM package typhoon with the tdev and typhoon binaries and a ./register export", () => {
    expect(pkg.name).toBe("typhoon");
    expect(pkg.type).toBe("module");
    for (const bin of ["tdev", "typhoon"]) {
      const file = path.join(projectRoot, pkg.bin[bin]);
      expect(fs.existsSync(file), bin).toBe(true);
      expect(fs.statSync(file).mode & 0o111, `${bin} is executable`).not.toBe(0);
      expect(fs.readFileSync(file, "utf8").startsWith("#!/usr/bin/env node")).toBe(true);
    }
    expect(Object.keys(pkg.exports)).toEqual(expect.arrayContaining([".", "./register"]));
    expect(Object.keys(pkg.dependencies).sort()).toEqual(["chokidar", "cookie", "esbuild", "kleur", "mime-types", "source-map-support", "ws"]);
  });

  it("exports every public name from the package root", () => {
    const names = [
      "Application", "RequestHandler", "ErrorHandler", "HTTPServer", "HTTPError", "MissingArgumentError", "Finish", "url", "URLSpec",
      "StaticFileHandler", "Template", "Loader", "DictLoader", "UIModule", "loadTranslations", "getSupportedLocales", "Locale",
      "authenticated", "createSignedValue", "decodeSignedValue", "WebSocketHandler", "EventStream", "fetchUpstream",
      "FallbackHandler", "taskId", "startProcesses", "autoreload", "define", "options", "parseCommandLine", "parseConfigFile",
      "xhtmlEscape", "urlEscape", "jsonEncode", "squeeze", "linkify",
    ];
    const missing = names.filter((n) => (typhoon as Record<string, unknown>)[n] === undefined);
    expect(missing).toEqual([]);
    expect(typeof typhoon.autoreload.watch).toBe("function");
    expect(typeof typhoon.autoreload.addReloadHook).toBe("function");
  });

  it("runs from plain node on compiled JavaScript, with no loader", async () => {
    const app = path.join(tmp.dir, "app.mjs");
    fs.writeFileSync(app, `import { Application, RequestHandler } from "typhoon";
class Hi extends RequestHandler { get(name) { this.write("hi " + name); } }
const server = await new Application([["/hi/(\\\\w+)", Hi]]).listen(0, "127.0.0.1");
const r = await fetch("http://127.0.0.1:" + server.port + "/hi/node");
console.log("BODY " + (await r.text()));
await server.stop();
`);
    const p = spawnProcess(process.execPath, [app]);
    await p.waitFor(/BODY hi node/);
    expect(await p.exited).toBe(0);
  });

  it("prints usage from the tdev binary", async () => {
    const p = spawnProcess(process.execPath, [path.join(projectRoot, pkg.bin.tdev), "--help"]);
    expect(await p.exited).toBe(0);
    expect(p.output()).toMatch(/Usage: tdev/);
  });
});
