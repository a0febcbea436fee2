// Extracts fenced code blocks from the README and docs/, so the docs tests can run every one of them.
import fs from "node:fs";
import path from "node:path";
import { projectRoot } from "../helpers/http.js";

/** One fenced block: its language, text, and the document and line it came from. */
export interface DocBlock {
  doc: string;
  line: number;
  lang: string;
  code: string;
  /** The command named by a preceding `<!-- generated: … -->` comment, for generated configs. */
  generatedBy?: string;
}

/** The Markdown files whose code must run: README.md and every docs/*.md. */
export function docFiles(): string[] {
  const docs = path.join(projectRoot, "docs");
  const extra = fs.existsSync(docs) ? fs.readdirSync(docs).filter((f) => f.endsWith(".md")).map((f) => path.join(docs, f)) : [];
  return [path.join(projectRoot, "README.md"), ...extra];
}

/** Every fenced block of a Markdown file. */
export function blocksOf(file: string): DocBlock[] {
  const lines = fs.readFileSync(file, "utf8").split("\n");
  const out: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i]!.startsWith("```"); i++) body.push(lines[i]!);
    let generatedBy: string | undefined;
    for (let j = start - 1; j >= 0 && j >= start - 3; j--) {
      const m = /<!--\s*generated:\s*(.+?)\s*-->/.exec(lines[j]!);
      if (m) { generatedBy = m[1]; break; }
    }
    out.push({ doc: path.relative(projectRoot, file), line: start + 1, lang: open[1] || "text", code: body.join("\n") + "\n", generatedBy });
  }
  return out;
}
