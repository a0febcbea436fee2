// Every code block in README.md and docs/*.md is run here, so the docs cannot rot:
// TypeScript blocks run as programs, shell blocks name real scripts, binaries and flags, and
// generated configs match what the generator prints today.
import { afterAll, describe, expect, it } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { freePort, projectRoot, tempDir } from "../helpers/http.js";
import { blocksOf, docFiles, type DocBlock } from "./blocks.js";

const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot, "package.json"), "utf8"));
const blocks = docFiles().flatMap(blocksOf);
const tmp = tempDir("docs");
afterAll(() => tmp.cleanup());

const label = (b: DocBlock) => `${b.doc}:${b.line} (${b.lang})`;

// Blocks of one document share a folder, so a later block may import an earlier one (`// file: x.ts`).
function writeBlock(b: DocBlock, index: number): string {
  const dir = path.join(tmp.dir, b.doc.replace(/[^\w]/g, "_"));
  fs.mkdirSync(dir, { recursive: true });
  const named = /^\/\/ file: ([\w./-]+)/.exec(b.code)?.[1];
  const file = path.join(dir, named ?? `block-${index}.ts`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, b.code);
  return file;
}

/** Runs a TypeScript block: it must exit 0, or serve GET / on $PORT with a status below 500. */
async function runProgram(file: string): Promise<{ ok: boolean; detail: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "typhoon/register", file], {
    cwd: path.dirname(file), detached: true, env: { ...process.env, PORT: String(port), NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  let exitCode: number | null = null;
  child.on("exit", (code) => (exitCode = code ?? -1));
  try {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (exitCode !== null) return { ok: exitCode === 0, detail: `exited ${exitCode}: ${out.slice(-800)}` };
      const status = await fetch(`http://127.0.0.1:${port}/`).then((r) => r.status, () => 0);
      if (status > 0) return { ok: status < 500, detail: `GET / → ${status}: ${out.slice(-800)}` };
      await new Promise((r) => setTimeout(r, 100));
    }
    return { ok: false, detail: `neither exited nor served within 15 s: ${out.slice(-800)}` };
  } finally {
    try { process.kill(-child.pid!, "SIGKILL"); } catch { /* gone */ }
  }
}

const bins: Record<string, string> = pkg.bin;
function helpOf(bin: string): string {
  const r = spawnSync(process.execPath, [path.join(projectRoot, bins[bin]!), "--help"], { encoding: "utf8", cwd: projectRoot });
  return r.stdout + r.stderr;
}

/** Checks one shell command line: npm scripts exist, binaries exist, and every flag is documented. */
function checkCommand(line: string): string | null {
  const words = line.replace(/#.*$/, "").trim().split(/\s+/).filter(Boolean);
  if (!words.length) return null;
  let [cmd, ...args] = words;
  if (cmd === "npx") [cmd, ...args] = args;
  if (cmd === "npm") {
    const sub = args[0];
    if (["install", "ci", "test", "start"].includes(sub!)) return sub === "test" || sub === "start" ? (pkg.scripts[sub!] ? null : `no npm script ${sub}`) : null;
    if (sub === "run") return pkg.scripts[args[1]!] ? null : `no npm script ${args[1]}`;
    return `unknown npm command ${sub}`;
  }
  if (cmd && bins[cmd]) {
    const help = helpOf(cmd);
    for (const a of args) {
      const flag = /^(--?[\w-]+)/.exec(a)?.[1];
      if (flag && !help.includes(flag)) return `${cmd} --help does not document ${flag}`;
    }
    return null;
  }
  if (["node", "kill", "curl", "nginx", "supervisord", "systemctl", "sudo", "cp", "PORT=8000", "export"].some((c) => cmd === c || cmd!.includes("="))) return null;
  return `unknown command ${cmd}`;
}

describe("docs code blocks", () => {
  it("there are blocks to check", () => {
    expect(blocks.length).toBeGreaterThan(3);
  });

  const tsBlocks = blocks.map((b, i) => [b, i] as const).filter(([b]) => b.lang === "ts" || b.lang === "typescript");
  it.each(tsBlocks.map(([b, i]) => [label(b), b, i] as const))("%s runs", async (_l, b, i) => {
    const file = writeBlock(b, i);
    const r = await runProgram(file);
    expect(r.ok, r.detail).toBe(true);
  });

  const shBlocks = blocks.filter((b) => b.lang === "sh" || b.lang === "bash" || b.lang === "shell");
  it.each(shBlocks.map((b) => [label(b), b] as const))("%s names real commands and flags", (_l, b) => {
    const problems = b.code.split("\n").flatMap((l) => l.split(/&&|\|\|/)).map(checkCommand).filter(Boolean);
    expect(problems).toEqual([]);
  });

  const generated = blocks.filter((b) => b.generatedBy);
  it.each(generated.map((b) => [label(b), b] as const))("%s is what its generator prints", (_l, b) => {
    const [bin, ...args] = b.generatedBy!.split(/\s+/);
    const r = spawnSync(process.execPath, [path.join(projectRoot, bins[bin!]!), ...args], { encoding: "utf8", cwd: projectRoot, timeout: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    // The docs show the project as installed in /srv/site; the generator prints wherever it runs.
    expect(r.stdout.replaceAll(projectRoot, "/srv/site").trim()).toBe(b.code.trim());
  });

  it("every block has a known language", () => {
    const unknown = blocks.filter((b) => !["ts", "typescript", "sh", "bash", "shell", "nginx", "ini", "json", "jsonc", "text", "html"].includes(b.lang) && !b.generatedBy);
    expect(unknown.map(label)).toEqual([]);
  });
});
