import fs from "node:fs";
import { fileURLToPath } from "node:url";

/** One frame of a stack, after source maps were applied. */
export interface StackFrame {
  functionName: string;
  file: string;
  line: number;
  column: number;
  /** Source lines around `line` ([lineNumber, text]), when the file can be read. */
  context: Array<[number, string]>;
  /** Node's or the framework's own frame rather than the application's. */
  internal: boolean;
}

function isFrameworkFile(path: string): boolean {
  return path.startsWith(FRAMEWORK_ROOT + "src/") || path.startsWith(FRAMEWORK_ROOT + "dist/");
}

// Frames inside the framework itself are shown dimmed and without source: the user's code is the story.
const FRAMEWORK_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const FRAME = /^\s*at (?:(.*?) \()?(.+?):(\d+):(\d+)\)?$/;
const CONTEXT_LINES = 3;

function readContext(file: string, line: number): Array<[number, string]> {
  try {
    const path = file;
    if (!path.startsWith("/") || path.includes("/node_modules/")) return [];
    const lines = fs.readFileSync(path, "utf8").split("\n");
    const from = Math.max(1, line - CONTEXT_LINES);
    const to = Math.min(lines.length, line + CONTEXT_LINES);
    const out: Array<[number, string]> = [];
    for (let n = from; n <= to; n++) out.push([n, lines[n - 1]!]);
    return out;
  } catch {
    return [];
  }
}

/**
 * Parses `err.stack` (already source-mapped by the registered source-map support, so frames name
 * `.ts` files and template files) into frames with a few lines of source around each.
 */
export function parseStack(error: unknown): StackFrame[] {
  const stack = (error as Error | undefined)?.stack;
  if (typeof stack !== "string") return [];
  const frames: StackFrame[] = [];
  for (const raw of stack.split("\n")) {
    const m = FRAME.exec(raw);
    if (!m) continue;
    const file = m[2]!;
    const path = file.startsWith("file://") ? fileURLToPath(file) : file;
    if (file.startsWith("node:") || file === "native" || isFrameworkFile(path)) {
      frames.push({ functionName: m[1] ?? "", file: path, line: Number(m[3]), column: Number(m[4]), context: [], internal: true });
      continue;
    }
    const line = Number(m[3]);
    frames.push({ functionName: m[1] ?? "", file: path, line, column: Number(m[4]), context: frames.length < 12 ? readContext(path, line) : [], internal: path.includes("/node_modules/") });
  }
  return frames;
}

/** The first line of an error's message, as `Name: message`. */
export function errorTitle(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return `Thrown: ${String(error)}`;
}
