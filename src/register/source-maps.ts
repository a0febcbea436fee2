/**
 * Makes `err.stack` show TypeScript lines. source-map-support rewrites stack frames; it finds the map of
 * a compiled .ts file here: the code the CommonJS hook compiled (kept in memory), else the hooks
 * thread's on-disk transform cache (same key: path, mtime, size), else a fresh synchronous transform.
 * Compiled JavaScript with `//# sourceMappingURL` (tsc output such as dist/) is read from disk as usual.
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { cachedTransform, isTypeScript, transformFileSync } from "./transform.js";

const compiled = new Map<string, string>();
const maps = new Map<string, { url: string; map: string } | null>();

/** Records code the CommonJS hook produced, for stack mapping. */
export function rememberCompiled(file: string, code: string): void {
  compiled.set(file, code);
  maps.delete(file);
}

const INLINE = /\/\/# sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,([A-Za-z0-9+/=]+)\s*$/;

function inlineMap(code: string): string | null {
  const m = INLINE.exec(code);
  return m ? Buffer.from(m[1], "base64").toString("utf8") : null;
}

function mapFor(source: string): { url: string; map: string } | null {
  let file = source;
  if (file.startsWith("file:")) {
    try {
      file = fileURLToPath(file);
    } catch {
      return null;
    }
  }
  if (!isTypeScript(file)) return null;
  if (maps.has(file)) return maps.get(file) ?? null;
  let code = compiled.get(file);
  if (code === undefined) {
    try {
      const st = fs.statSync(file);
      code = cachedTransform(file, st, "esm") ?? cachedTransform(file, st, "preserve") ?? cachedTransform(file, st, "cjs");
      if (code === undefined) code = transformFileSync(file, fs.readFileSync(file, "utf8"), "esm").code;
    } catch {
      code = undefined;
    }
  }
  const map = code ? inlineMap(code) : null;
  const entry = map ? { url: source, map } : null;
  maps.set(file, entry);
  return entry;
}

/** Installs source-map-support once per process (no uncaught-exception handler of its own). */
export function installSourceMaps(): void {
  const g = globalThis as Record<symbol, unknown>;
  const key = Symbol.for("typhoon.register.sourcemaps");
  if (g[key]) return;
  g[key] = true;
  const req = createRequire(import.meta.url);
  const sms = req("source-map-support") as typeof import("source-map-support");
  sms.install({
    environment: "node",
    handleUncaughtExceptions: false,
    hookRequire: false,
    retrieveSourceMap: (source: string) => mapFor(source),
  });
}
