/**
 * esbuild transforms for the loader, shared by the ESM hooks thread (async `transform`) and the CommonJS
 * hook on the main thread (`transformSync`). esbuild is imported lazily: a process that loads no
 * TypeScript never pays for it. Results are cached on disk keyed by path, mtime, size and the options, so
 * a restart under `tdev` only re-transforms the files that changed.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { tsconfigFor } from "./tsconfig.js";

type Esbuild = typeof import("esbuild");
type TransformOptions = import("esbuild").TransformOptions;

const requireHere = createRequire(import.meta.url);
let esbuild: Esbuild | undefined;

/** esbuild, loaded on first use. */
export function getEsbuild(): Esbuild {
  esbuild ??= requireHere("esbuild") as Esbuild;
  return esbuild;
}

/** File extensions the loader compiles. */
export const TS_EXTENSIONS = [".ts", ".tsx", ".mts", ".cts"];

/** True when `file` is TypeScript the loader must compile. */
export function isTypeScript(file: string): boolean {
  return TS_EXTENSIONS.includes(path.extname(file)) && !file.endsWith(".d.ts");
}

/** The module system the output targets. */
export type OutputFormat = "esm" | "cjs" | "preserve";

/** A transformed file: JavaScript with an inline source map, plus the tsconfig files that shaped it. */
export interface TransformResult {
  code: string;
  tsconfigFiles: string[];
}

/** A compile error carrying `file:line:col` and a code frame in its message, as `tdev` prints it. */
export class TransformError extends SyntaxError {
  /** Absolute path of the file that failed. */
  file: string;
  line: number;
  column: number;
  constructor(message: string, file: string, line: number, column: number) {
    super(message);
    this.name = "SyntaxError";
    this.file = file;
    this.line = line;
    this.column = column;
    for (const k of ["file", "line", "column"]) Object.defineProperty(this, k, { enumerable: false });
    // The stack of a compile error is the loader's, not the app's: show the message and frame only.
    this.stack = `SyntaxError: ${message}`;
  }
}

/** A few lines of `source` around `line` (1-based) with a caret under `column` (0-based). */
export function codeFrame(source: string, line: number, column: number, context = 2): string {
  const lines = source.split(/\r?\n/);
  const from = Math.max(1, line - context);
  const to = Math.min(lines.length, line + context);
  const width = String(to).length;
  const out: string[] = [];
  for (let l = from; l <= to; l++) {
    const mark = l === line ? ">" : " ";
    out.push(`${mark} ${String(l).padStart(width)} | ${lines[l - 1] ?? ""}`);
    if (l === line) out.push(`  ${" ".repeat(width)} | ${" ".repeat(Math.max(0, column))}^`);
  }
  return out.join("\n");
}

function optionsFor(file: string, format: OutputFormat): { opts: TransformOptions; tsconfigFiles: string[] } {
  const ext = path.extname(file);
  const tsconfig = tsconfigFor(file);
  return {
    tsconfigFiles: tsconfig.files,
    opts: {
      loader: ext === ".tsx" ? "tsx" : "ts",
      ...(format === "preserve" ? {} : { format }),
      sourcemap: "inline",
      sourcefile: file,
      target: `node${process.versions.node.split(".")[0]}`,
      tsconfigRaw: { compilerOptions: tsconfig.options as Record<string, never> },
    },
  };
}

let cacheDir: string | null | undefined;

/** Where transforms are cached: node_modules/.cache/typhoon under the cwd, else the OS temp dir. */
export function transformCacheDir(): string | null {
  if (cacheDir !== undefined) return cacheDir;
  if (process.env.TYPHOON_CACHE === "0") return (cacheDir = null);
  const candidates = [
    process.env.TYPHOON_CACHE_DIR,
    fs.existsSync(path.join(process.cwd(), "node_modules")) ? path.join(process.cwd(), "node_modules", ".cache", "typhoon") : undefined,
    path.join(os.tmpdir(), `typhoon-cache-${typeof process.getuid === "function" ? process.getuid() : "u"}`),
  ];
  for (const dir of candidates) {
    if (!dir) continue;
    try {
      fs.mkdirSync(dir, { recursive: true });
      fs.accessSync(dir, fs.constants.W_OK);
      return (cacheDir = dir);
    } catch {
      /* next candidate */
    }
  }
  return (cacheDir = null);
}

function cacheKey(file: string, st: fs.Stats, opts: TransformOptions): string {
  return crypto
    .createHash("sha1")
    .update(`${getEsbuildVersion()}\0${file}\0${st.mtimeMs}\0${st.size}\0${JSON.stringify(opts)}`)
    .digest("hex");
}

let esbuildVersion: string | undefined;
function getEsbuildVersion(): string {
  if (esbuildVersion === undefined) {
    try {
      esbuildVersion = (requireHere("esbuild/package.json") as { version: string }).version;
    } catch {
      esbuildVersion = "?";
    }
  }
  return esbuildVersion;
}

function readCache(key: string): string | undefined {
  const dir = transformCacheDir();
  if (!dir) return undefined;
  try {
    return fs.readFileSync(path.join(dir, key + ".js"), "utf8");
  } catch {
    return undefined;
  }
}

function writeCache(key: string, code: string): void {
  const dir = transformCacheDir();
  if (!dir) return;
  const target = path.join(dir, key + ".js");
  const tmp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  try {
    fs.writeFileSync(tmp, code);
    fs.renameSync(tmp, target);
  } catch {
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* nothing to clean */
    }
  }
}

/** Cached transform for `file` as of `st`, if any (also used to recover source maps for stacks). */
export function cachedTransform(file: string, st: fs.Stats, format: OutputFormat): string | undefined {
  return readCache(cacheKey(file, st, optionsFor(file, format).opts));
}

interface EsbuildFailure {
  errors?: { text: string; location?: { file: string; line: number; column: number; lineText: string } | null }[];
}

function toTransformError(err: unknown, file: string, source: string): unknown {
  const first = (err as EsbuildFailure)?.errors?.[0];
  if (!first) return err;
  const loc = first.location;
  const line = loc?.line ?? 1;
  const column = loc?.column ?? 0;
  const rest = ((err as EsbuildFailure).errors ?? []).slice(1).map((e) => {
    const l = e.location;
    return l ? `\n${file}:${l.line}:${l.column + 1}: ${e.text}` : `\n${e.text}`;
  });
  const message = `${file}:${line}:${column + 1}: ${first.text}\n\n${codeFrame(source, line, column)}${rest.join("")}`;
  return new TransformError(message, file, line, column + 1);
}

/** Transforms `file` (already read as `source`) asynchronously: used by the ESM hooks thread. */
export async function transformFile(file: string, source: string, format: OutputFormat, st?: fs.Stats): Promise<TransformResult> {
  const { opts, tsconfigFiles } = optionsFor(file, format);
  const key = st ? cacheKey(file, st, opts) : undefined;
  const hit = key ? readCache(key) : undefined;
  if (hit !== undefined) return { code: hit, tsconfigFiles };
  let code: string;
  try {
    code = (await getEsbuild().transform(source, opts)).code;
  } catch (err) {
    throw toTransformError(err, file, source);
  }
  if (key) writeCache(key, code);
  return { code, tsconfigFiles };
}

/** Synchronous twin of `transformFile`, for `require()` on the main thread and source-map recovery. */
export function transformFileSync(file: string, source: string, format: OutputFormat, st?: fs.Stats): TransformResult {
  const { opts, tsconfigFiles } = optionsFor(file, format);
  const key = st ? cacheKey(file, st, opts) : undefined;
  const hit = key ? readCache(key) : undefined;
  if (hit !== undefined) return { code: hit, tsconfigFiles };
  let code: string;
  try {
    code = getEsbuild().transformSync(source, opts).code;
  } catch (err) {
    throw toTransformError(err, file, source);
  }
  if (key) writeCache(key, code);
  return { code, tsconfigFiles };
}

/** Starts esbuild's service process now, so the first real transform does not pay for it. */
export async function prewarm(): Promise<void> {
  try {
    await getEsbuild().transform("let a: number = 1", { loader: "ts" });
  } catch {
    /* a broken esbuild shows up on the first real transform */
  }
}
