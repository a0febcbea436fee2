/**
 * CommonJS support on the main thread: `require()` of .ts/.tsx/.mts/.cts compiles through esbuild
 * (Module._extensions, the classic hook: CommonJS-through-ESM-hooks breaks real packages, see the
 * project's node notes), `require("./x.js")` from TypeScript finds `x.ts`, and every CommonJS file
 * loaded is reported to the launcher.
 */
import fs from "node:fs";
import path from "node:path";
import Module from "node:module";
import { TS_EXTENSIONS, transformFileSync } from "./transform.js";
import { reportFile } from "./report.js";
import { rememberCompiled } from "./source-maps.js";

interface InternalModule {
  _compile(code: string, filename: string): unknown;
  filename: string;
}
interface ModuleStatics {
  _extensions: Record<string, (module: InternalModule, filename: string) => void>;
  _resolveFilename: (request: string, parent: { filename?: string } | undefined, ...rest: unknown[]) => string;
  prototype: { load(this: InternalModule, filename: string): void };
}

const M = Module as unknown as ModuleStatics;
const installed = Symbol.for("typhoon.register.cjs");

/** Installs the CommonJS hooks once per process. */
export function installCommonJsHooks(): void {
  const g = globalThis as Record<symbol, unknown>;
  if (g[installed]) return;
  g[installed] = true;

  const compileTs = (module: InternalModule, filename: string): void => {
    const st = fs.statSync(filename);
    const source = fs.readFileSync(filename, "utf8");
    const { code, tsconfigFiles } = transformFileSync(filename, source, "cjs", st);
    for (const f of tsconfigFiles) reportFile(f);
    rememberCompiled(filename, code);
    module._compile(code, filename);
  };
  for (const ext of TS_EXTENSIONS) M._extensions[ext] = compileTs;

  const origLoad = M.prototype.load;
  M.prototype.load = function load(this: InternalModule, filename: string) {
    reportFile(filename);
    return origLoad.call(this, filename);
  };

  const origResolve = M._resolveFilename;
  M._resolveFilename = function resolveFilename(request, parent, ...rest) {
    try {
      return origResolve.call(this, request, parent, ...rest);
    } catch (err) {
      if ((err as { code?: string }).code !== "MODULE_NOT_FOUND" || !/^\.{1,2}[/\\]|^\//.test(request)) throw err;
      const m = /\.(c|m)?jsx?$/.exec(request);
      if (!m) throw err;
      const stem = request.slice(0, -m[0].length);
      const candidates = m[1] === "c" ? [".cts"] : m[1] === "m" ? [".mts"] : [".ts", ".tsx"];
      for (const e of candidates) {
        try {
          return origResolve.call(this, stem + e, parent, ...rest);
        } catch {
          /* try the next */
        }
      }
      throw err;
    }
  };
}

/** Exposed for tests: whether a path would be compiled by the CommonJS hook. */
export function compiledByCommonJs(filename: string): boolean {
  return TS_EXTENSIONS.includes(path.extname(filename));
}
