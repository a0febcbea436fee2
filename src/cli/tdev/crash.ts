/**
 * Turns a crash report from an app process into what tdev prints and what the error page shows: the
 * (source-mapped) stack, and a code frame around the first frame in the app's own code.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { codeFrame } from "../../register/transform.js";
import type { AppChild } from "./child.js";
import type { Report } from "./protocol.js";
import type { BrokenState } from "./error-page.js";

type Crash = Extract<Report, { t: "crash" }>;

/** The first stack frame in the app's own files: path, line, column. */
export function firstAppFrame(stack: string, cwd = process.cwd()): { file: string; line: number; column: number } | undefined {
  const re = /^\s*at (?:.*?\()?((?:file:\/\/)?[^()]+?):(\d+):(\d+)\)?\s*$/gm;
  for (const m of stack.matchAll(re)) {
    let file = m[1];
    if (file.startsWith("file://")) {
      try {
        file = fileURLToPath(file);
      } catch {
        continue;
      }
    }
    if (file.includes(`${path.sep}node_modules${path.sep}`) || !fs.existsSync(file)) continue;
    if (!path.resolve(file).startsWith(cwd) && !/\.(c|m)?tsx?$/.test(file)) continue;
    return { file, line: Number(m[2]), column: Number(m[3]) };
  }
  return undefined;
}

/** Text for the terminal and the error page. */
export function describeCrash(c: Crash, cwd = process.cwd()): BrokenState {
  const firstLine = c.message.split("\n")[0] ?? "";
  if (c.file && c.line) {
    // A compile error: the message already holds file:line:col and the code frame.
    return { title: `${c.name}: ${path.relative(cwd, c.file) || c.file}:${c.line}:${c.column ?? 1}`, text: c.stack || `${c.name}: ${c.message}` };
  }
  let text = c.stack || `${c.name}: ${c.message}`;
  const frame = firstAppFrame(text, cwd);
  if (frame) {
    try {
      const src = fs.readFileSync(frame.file, "utf8");
      text += `\n\n${path.relative(cwd, frame.file) || frame.file}:${frame.line}:${frame.column}\n${codeFrame(src, frame.line, frame.column - 1)}`;
    } catch {
      /* no frame */
    }
  }
  return { title: `${c.name}: ${firstLine}`.slice(0, 200), text };
}

/** How an app process ended, as tdev words it: `exit code 1`, `killed by SIGSEGV`. */
export function exitHow(child: Pick<AppChild, "exitCode" | "exitSignal">): string {
  return child.exitSignal ? `killed by ${child.exitSignal}` : `exit code ${child.exitCode}`;
}

/** What the error page shows for an app process that exited: its crash, or how it ended without one. */
export function exitState(child: Pick<AppChild, "crash" | "exitCode" | "exitSignal">, cwd = process.cwd()): BrokenState {
  if (child.crash) return describeCrash(child.crash, cwd);
  const how = exitHow(child);
  return { title: `the app exited (${how})`, text: `The app process exited (${how}) without an uncaught exception.\nSee its output in the terminal.` };
}
