/**
 * Reads the nearest `tsconfig.json` for a source file, the way `tsc` and esbuild's bundler do, and keeps
 * only the `compilerOptions` that change how a single file is transformed (decorators, class fields, JSX,
 * import elision, strictness). esbuild's `transform` API does not read tsconfig files itself, so the
 * loader passes this subset as `tsconfigRaw`. `paths`/`baseUrl` are not applied (Node resolves bare
 * specifiers; use package.json `imports` for aliases).
 */
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

/** The compiler options that matter to a per-file transform. */
export interface TransformCompilerOptions {
  experimentalDecorators?: boolean;
  emitDecoratorMetadata?: boolean;
  useDefineForClassFields?: boolean;
  target?: string;
  jsx?: string;
  jsxFactory?: string;
  jsxFragmentFactory?: string;
  jsxImportSource?: string;
  importsNotUsedAsValues?: string;
  preserveValueImports?: boolean;
  verbatimModuleSyntax?: boolean;
  alwaysStrict?: boolean;
  strict?: boolean;
}

const KEPT = [
  "experimentalDecorators", "emitDecoratorMetadata", "useDefineForClassFields", "target", "jsx", "jsxFactory",
  "jsxFragmentFactory", "jsxImportSource", "importsNotUsedAsValues", "preserveValueImports", "verbatimModuleSyntax",
  "alwaysStrict", "strict",
] as const;

/** The resolved options for a directory, and every tsconfig file that contributed (so a watcher can watch them). */
export interface TsconfigInfo {
  options: TransformCompilerOptions;
  files: string[];
}

const byDir = new Map<string, TsconfigInfo>();
const EMPTY: TsconfigInfo = { options: {}, files: [] };

/** Strips comments and trailing commas, the JSONC dialect tsconfig files are written in. */
export function parseJsonc(text: string): unknown {
  let out = "";
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < n && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < n && text[i] !== "\n") i++;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? n : end + 2;
    } else {
      out += c;
      i++;
    }
  }
  out = out.replace(/,(\s*[}\]])/g, "$1");
  if (out.charCodeAt(0) === 0xfeff) out = out.slice(1);
  return JSON.parse(out);
}

function resolveExtends(spec: string, fromFile: string): string | undefined {
  const dir = path.dirname(fromFile);
  if (spec.startsWith(".") || path.isAbsolute(spec)) {
    const p = path.resolve(dir, spec);
    for (const cand of [p, p + ".json", path.join(p, "tsconfig.json")]) {
      if (isFile(cand)) return cand;
    }
    return undefined;
  }
  const req = createRequire(fromFile);
  for (const cand of [spec, spec + ".json", spec + "/tsconfig.json"]) {
    try {
      return req.resolve(cand);
    } catch {
      /* try the next form */
    }
  }
  return undefined;
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function readConfig(file: string, seen: Set<string>, files: string[]): Record<string, unknown> {
  if (seen.has(file)) return {};
  seen.add(file);
  files.push(file);
  let json: { extends?: string | string[]; compilerOptions?: Record<string, unknown> };
  try {
    json = parseJsonc(fs.readFileSync(file, "utf8")) as typeof json;
  } catch {
    return {};
  }
  let merged: Record<string, unknown> = {};
  const ext = json.extends === undefined ? [] : Array.isArray(json.extends) ? json.extends : [json.extends];
  for (const spec of ext) {
    const base = resolveExtends(spec, file);
    if (base) merged = { ...merged, ...readConfig(base, seen, files) };
  }
  return { ...merged, ...(json.compilerOptions ?? {}) };
}

/** The transform options of the tsconfig.json nearest to `filename` (searching up; none → `{}`). */
export function tsconfigFor(filename: string): TsconfigInfo {
  if (process.env.TYPHOON_TSCONFIG === "0") return EMPTY;
  const start = path.dirname(filename);
  const walked: string[] = [];
  let dir = start;
  let found: TsconfigInfo | undefined;
  for (;;) {
    const cached = byDir.get(dir);
    if (cached) {
      found = cached;
      break;
    }
    walked.push(dir);
    const cand = path.join(dir, "tsconfig.json");
    if (path.basename(dir) !== "node_modules" && isFile(cand)) {
      const files: string[] = [];
      const raw = readConfig(cand, new Set(), files);
      const options: Record<string, unknown> = {};
      for (const k of KEPT) if (raw[k] !== undefined) options[k] = raw[k];
      found = { options: options as TransformCompilerOptions, files };
      break;
    }
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  const info = found ?? EMPTY;
  for (const d of walked) byDir.set(d, info);
  return info;
}

/** Forgets cached tsconfig lookups (tests, long-lived processes after a tsconfig edit). */
export function clearTsconfigCache(): void {
  byDir.clear();
}
