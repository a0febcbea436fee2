import sourceMapSupport from "source-map-support";

/** Where one generated line came from: index into the map's sources, 1-based line, 0-based column. */
export interface LineOrigin {
  source: number;
  line: number;
  col: number;
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function vlq(value: number): string {
  let v = value < 0 ? (-value << 1) | 1 : value << 1;
  let out = "";
  do {
    let digit = v & 31;
    v >>>= 5;
    if (v > 0) digit |= 32;
    out += BASE64[digit];
  } while (v > 0);
  return out;
}

/**
 * A version-3 source map with one segment per generated line (column 0 → template line/column).
 * `origins[i]` describes generated line `i + 1`; `null` lines are unmapped.
 */
export function buildSourceMap(
  file: string,
  sources: string[],
  sourcesContent: string[],
  origins: Array<LineOrigin | null>,
): string {
  let prevSource = 0;
  let prevLine = 0;
  let prevCol = 0;
  const lines: string[] = [];
  for (const o of origins) {
    if (!o) {
      lines.push("");
      continue;
    }
    const line0 = o.line - 1;
    lines.push("A" + vlq(o.source - prevSource) + vlq(line0 - prevLine) + vlq(o.col - prevCol));
    prevSource = o.source;
    prevLine = line0;
    prevCol = o.col;
  }
  return JSON.stringify({ version: 3, file, sources, sourcesContent, names: [], mappings: lines.join(";") });
}

// Generated script name → its source map. source-map-support caches a map per script name for the
// life of the process, so a name is only ever reused for identical code.
const maps = new Map<string, { body: string; map: string }>();
let installed = false;

/** source-map-support's hook: answers for the scripts compiled from templates, nothing else. */
function retrieveSourceMap(source: string): { url: string; map: string } | null {
  const entry = maps.get(source);
  return entry ? { url: source, map: entry.map } : null;
}

/** Makes stack traces (and source-map-support's `wrapCallSite`/`mapSourcePosition`) map template frames. */
export function installTemplateSourceMaps(): void {
  if (installed) return;
  installed = true;
  sourceMapSupport.install({
    environment: "node",
    retrieveSourceMap,
    handleUncaughtExceptions: false,
    hookRequire: false,
  });
}

/**
 * Registers the map of a generated script and returns the script name to compile it under:
 * `<base>.generated.js`, or `<base>.generated-N.js` when that name already holds different code.
 */
export function registerGenerated(base: string, body: string, makeMap: (file: string) => string): string {
  installTemplateSourceMaps();
  for (let n = 1; ; n++) {
    const file = n === 1 ? `${base}.generated.js` : `${base}.generated-${n}.js`;
    const entry = maps.get(file);
    if (entry && entry.body === body) return file;
    if (!entry) {
      maps.set(file, { body, map: makeMap(file) });
      return file;
    }
  }
}

/** The source map registered for a generated script name (for tests and tools). */
export function generatedSourceMap(file: string): string | undefined {
  return maps.get(file)?.map;
}
