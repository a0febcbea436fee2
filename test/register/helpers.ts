import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The project root (the `typhoon` package). */
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** A temp dir whose node_modules/typhoon links to this checkout, so `typhoon/register` resolves as for a user. */
export function makeApp(files: Record<string, string>, pkg: Record<string, unknown> | null = { type: "module" }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "typhoon-reg-"));
  fs.mkdirSync(path.join(dir, "node_modules"));
  fs.symlinkSync(root, path.join(dir, "node_modules", "typhoon"), "dir");
  if (pkg) fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify(pkg));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

/** Runs `node --import typhoon/register <entry>` in `dir`. */
export function run(dir: string, entry: string, opts: { env?: NodeJS.ProcessEnv; extra?: (string | number)[] } = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ["--import", "typhoon/register", entry], {
    cwd: dir,
    encoding: "utf8",
    timeout: 30_000,
    env: { ...process.env, NO_COLOR: "1", ...opts.env },
    stdio: ["ignore", "pipe", "pipe", ...(opts.extra ?? [])] as never,
  });
}

export function rmrf(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
