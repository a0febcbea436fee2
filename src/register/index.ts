/**
 * `typhoon/register`: run TypeScript on Node with `node --import typhoon/register server.ts`.
 *
 * - ES modules: `module.register()` hooks compile .ts/.tsx/.mts/.cts with esbuild (inline source maps,
 *   `sourcefile` = the .ts path) and resolve `./x.js`, `./x.ts`, `./x` and `./dir` to `x.ts` /
 *   `dir/index.ts` as tsx does. A `.ts` file is an ES module in a `"type": "module"` package (and a
 *   `.mts` always); elsewhere it is CommonJS unless it uses ES module syntax, which is Node's own rule.
 * - CommonJS: `require()` of TypeScript compiles through `Module._extensions` on the main thread.
 * - `err.stack` shows .ts lines (source-map-support).
 * - tsconfig.json: the nearest one above each file is read (JSONC, `extends` followed) and its
 *   transform-relevant compilerOptions are applied: `experimentalDecorators` (legacy decorators; without
 *   it esbuild compiles TC39 standard decorators), `useDefineForClassFields`, `target` (only for the class
 *   fields default), `jsx*`, `verbatimModuleSyntax`, `preserveValueImports`, `importsNotUsedAsValues`,
 *   `alwaysStrict`/`strict`. `paths`/`baseUrl` are not applied, and `emitDecoratorMetadata` is not
 *   supported (esbuild does not emit metadata). No type checking: run `tsc --noEmit` for that.
 *   `TYPHOON_TSCONFIG=0` ignores tsconfig files.
 * - Transforms are cached in node_modules/.cache/typhoon (or the OS temp dir), keyed by path, mtime,
 *   size and options; `TYPHOON_CACHE=0` disables it.
 * - Under a launcher (`tdev`, in-app autoreload) every loaded file is reported on the pipe named by
 *   `TYPHOON_REPORT_FD`, before it is compiled, so a file with a syntax error is still watched.
 */
import { register } from "node:module";
import { installCommonJsHooks } from "./cjs.js";
import { installSourceMaps } from "./source-maps.js";

const key = Symbol.for("typhoon.register");
const g = globalThis as Record<symbol, unknown>;
if (!g[key]) {
  g[key] = true;
  installSourceMaps();
  installCommonJsHooks();
  register("./hooks.js", import.meta.url, { data: { prewarm: process.env.TYPHOON_PREWARM === "1" } });
}

export { TransformError, codeFrame, isTypeScript } from "./transform.js";
export { parseJsonc } from "./tsconfig.js";
