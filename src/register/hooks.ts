/**
 * ESM loader hooks (`module.register`), run by Node on its hooks thread. `resolve` lets TypeScript
 * sources be imported the way tsx allows (`./x.js`, `./x.ts`, `./x` and `./dir` all reach `x.ts` /
 * `dir/index.ts`); `load` reports every `file:` module to the launcher before compiling it (so a file
 * with a syntax error is still watched) and compiles .ts/.tsx/.mts/.cts with esbuild.
 */
import fs from "node:fs";
import path from "node:path";
import vm from "node:vm";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isTypeScript, prewarm, transformFile } from "./transform.js";
import { reportDependency, reportFile, reportingEnabled } from "./report.js";

interface ResolveContext {
  parentURL?: string;
  conditions?: string[];
  importAttributes?: Record<string, string>;
}
interface ResolveResult {
  url: string;
  format?: string | null;
  shortCircuit?: boolean;
  importAttributes?: Record<string, string>;
}
interface LoadContext {
  format?: string | null;
  conditions?: string[];
  importAttributes?: Record<string, string>;
}
interface LoadResult {
  format: string;
  source?: string | ArrayBuffer | Uint8Array | null;
  shortCircuit?: boolean;
}
type NextResolve = (specifier: string, context?: ResolveContext) => ResolveResult | Promise<ResolveResult>;
type NextLoad = (url: string, context?: LoadContext) => LoadResult | Promise<LoadResult>;

/** Data passed by `register()`. */
export interface HooksData {
  prewarm?: boolean;
}

/** Called once on the hooks thread; pre-warms esbuild when a launcher's standby process asks for it. */
export async function initialize(data: HooksData | undefined): Promise<void> {
  if (data?.prewarm) void prewarm();
}

const JS_TO_TS: Record<string, string[]> = {
  ".js": [".ts", ".tsx"],
  ".jsx": [".tsx", ".ts"],
  ".mjs": [".mts"],
  ".cjs": [".cts"],
};
const EXTENSIONLESS = [".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", ".cjs", ".json"];

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function isPathLike(specifier: string): boolean {
  return specifier.startsWith("./") || specifier.startsWith("../") || specifier === "." || specifier === ".." ||
    specifier.startsWith("/") || specifier.startsWith("file:");
}

function splitSuffix(specifier: string): [string, string] {
  const m = /[?#]/.exec(specifier);
  return m ? [specifier.slice(0, m.index), specifier.slice(m.index)] : [specifier, ""];
}

/** The TypeScript file `specifier` (relative to `parentURL`) stands for, or undefined. */
function tsCandidate(specifier: string, parentURL: string | undefined, tryJsFirst: boolean): string | undefined {
  const [bare, suffix] = splitSuffix(specifier);
  let target: string;
  try {
    target = bare.startsWith("file:") ? fileURLToPath(bare) : path.resolve(parentURL?.startsWith("file:") ? path.dirname(fileURLToPath(parentURL)) : process.cwd(), bare);
  } catch {
    return undefined;
  }
  const ext = path.extname(target);
  const mapped = JS_TO_TS[ext];
  if (mapped) {
    if (tryJsFirst) return undefined;
    const stem = target.slice(0, -ext.length);
    for (const e of mapped) if (isFile(stem + e)) return pathToFileURL(stem + e).href + suffix;
    return undefined;
  }
  if (!tryJsFirst) {
    if (isFile(target)) return undefined;
    for (const e of EXTENSIONLESS) if (isFile(target + e)) return pathToFileURL(target + e).href + suffix;
    for (const e of EXTENSIONLESS) {
      const idx = path.join(target, "index" + e);
      if (isFile(idx)) return pathToFileURL(idx).href + suffix;
    }
  }
  return undefined;
}

/** Resolves TypeScript sources for `.js`, `.ts`, extensionless and directory specifiers. */
export async function resolve(specifier: string, context: ResolveContext, next: NextResolve): Promise<ResolveResult> {
  if (!isPathLike(specifier)) {
    const r = await next(specifier, context);
    // A package the app's own code imports: a launcher's standby may import it ahead of time.
    if (reportingEnabled() && r.url.startsWith("file:") && !specifier.startsWith("#") && !specifier.startsWith("node:") &&
      context.parentURL?.startsWith("file:") && !context.parentURL.includes("/node_modules/")) {
      reportDependency(r.url);
    }
    return r;
  }
  const parent = context.parentURL;
  // A TypeScript importer writing "./x.js" means x.ts when it exists, even if a stale x.js sits beside it.
  if (parent && parent.startsWith("file:") && isTypeScript(fileURLToPath(parent))) {
    const ext = path.extname(splitSuffix(specifier)[0]);
    if (JS_TO_TS[ext]) {
      const url = tsCandidate(specifier, parent, false);
      if (url) return { url, shortCircuit: true };
    }
  }
  try {
    return await next(specifier, context);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== "ERR_MODULE_NOT_FOUND" && code !== "ERR_UNSUPPORTED_DIR_IMPORT") throw err;
    const url = tsCandidate(specifier, parent, false);
    if (url) return { url, shortCircuit: true };
    throw err;
  }
}

const packageTypeCache = new Map<string, string | undefined>();

/** The `"type"` of the package.json nearest to `dir`. */
function packageType(dir: string): string | undefined {
  const walked: string[] = [];
  let result: string | undefined;
  let d = dir;
  for (;;) {
    if (packageTypeCache.has(d)) {
      result = packageTypeCache.get(d);
      break;
    }
    walked.push(d);
    const pj = path.join(d, "package.json");
    if (isFile(pj)) {
      try {
        const t = (JSON.parse(fs.readFileSync(pj, "utf8")) as { type?: unknown }).type;
        result = typeof t === "string" ? t : "commonjs";
      } catch {
        result = "commonjs";
      }
      break;
    }
    const up = path.dirname(d);
    if (up === d) break;
    d = up;
  }
  for (const w of walked) packageTypeCache.set(w, result);
  return result;
}

const ESM_ONLY_ERRORS = [
  "Cannot use import statement outside a module",
  "Unexpected token 'export'",
  "Cannot use 'import.meta' outside a module",
  "await is only valid in async functions",
  "Unexpected reserved word",
];

/** Node's own syntax detection, applied to compiled TypeScript in a package that is not `"type": "module"`. */
function looksLikeModule(code: string): boolean {
  if (!/\b(import|export|await)\b/.test(code)) return false;
  try {
    new vm.Script(`(function (exports, require, module, __filename, __dirname) {${code}\n})`);
    return false;
  } catch (err) {
    const msg = String((err as Error).message);
    return ESM_ONLY_ERRORS.some((m) => msg.includes(m));
  }
}

/** Reports every file module, and compiles TypeScript. */
export async function load(url: string, context: LoadContext, next: NextLoad): Promise<LoadResult> {
  if (!url.startsWith("file:")) return next(url, context);
  const file = fileURLToPath(url);
  reportFile(file);
  if (!isTypeScript(file)) return next(url, context);
  const ext = path.extname(file);
  const type = ext === ".mts" ? "module" : ext === ".cts" ? "commonjs" : packageType(path.dirname(file)) ?? "commonjs";
  if (type === "commonjs" && ext === ".cts") {
    // The CommonJS loader compiles it through Module._extensions (see cjs.ts), so require() inside works.
    return { format: "commonjs", shortCircuit: true };
  }
  const st = fs.statSync(file);
  const source = fs.readFileSync(file, "utf8");
  if (type === "module") {
    const out = await transformFile(file, source, "esm", st);
    for (const f of out.tsconfigFiles) reportFile(f);
    return { format: "module", source: out.code, shortCircuit: true };
  }
  // A .ts file in a CommonJS package: ES module syntax makes it a module (as Node's detection does for .js).
  const esm = await transformFile(file, source, "preserve", st);
  for (const f of esm.tsconfigFiles) reportFile(f);
  if (looksLikeModule(esm.code)) return { format: "module", source: esm.code, shortCircuit: true };
  return { format: "commonjs", shortCircuit: true };
}
