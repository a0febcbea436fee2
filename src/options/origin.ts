import path from "node:path";
import { fileURLToPath } from "node:url";

// `--help` groups options by the file that defined them, as Tornado does. The file is read off the
// stack: the first frame outside this folder (compiled `dist/options` or, with source maps, `src/options`).
const OWN_DIRS = (() => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return [here + path.sep, path.resolve(here, "../../src/options") + path.sep];
})();

/** The file that called into the options module, relative to the working directory when inside it. */
export function callerFile(): string {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 30;
  const stack = new Error().stack ?? "";
  Error.stackTraceLimit = limit;
  for (const line of stack.split("\n").slice(1)) {
    const m = /\((.+?):\d+:\d+\)\s*$/.exec(line) ?? /at (.+?):\d+:\d+\s*$/.exec(line);
    if (!m) continue;
    let file = m[1]!;
    if (file.startsWith("node:") || file.startsWith("native")) continue;
    if (file.startsWith("file://")) {
      try {
        file = fileURLToPath(file);
      } catch {
        continue;
      }
    }
    if (!path.isAbsolute(file) || OWN_DIRS.some((dir) => file.startsWith(dir))) continue;
    const rel = path.relative(process.cwd(), file);
    return rel.startsWith("..") ? file : rel;
  }
  return "";
}
