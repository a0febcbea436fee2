// Black-box: real apps that import "typhoon", run by node (with and without the TypeScript loader).
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const fixtures = path.join(root, "test/fixtures/options");
const APP = "test/fixtures/options/app.ts";
const PLAIN = "test/fixtures/options/plain.mjs";

function run(args: string[]) {
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8", timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const runApp = (...args: string[]) => run(["--import", "typhoon/register", APP, ...args]);

let tmp: string;
const children: ReturnType<typeof spawn>[] = [];

beforeAll(() => {
  if (!fs.existsSync(path.join(root, "dist/index.js"))) throw new Error("run `npm run build` first");
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "typhoon-options-cli-"));
});
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.pid) process.kill(child.pid, "SIGKILL");
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("an app run with node --import typhoon/register app.ts", () => {
  it("serves on --port and uses the other flags", async () => {
    const child = spawn(process.execPath, ["--import", "typhoon/register", APP, "--port=0", "--greeting", "hi there", "--max-body-size=7", "extra"], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    let out = "";
    let err = "";
    child.stderr!.on("data", (c) => (err += c));
    const line = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line: ${out} ${err}`)), 20_000);
      child.stdout!.on("data", (c) => {
        out += c;
        if (out.includes("\n")) {
          clearTimeout(timer);
          resolve(out.split("\n")[0]!);
        }
      });
    });
    const m = /^listening (\d+) (.*)$/.exec(line);
    expect(m, line).not.toBeNull();
    expect(JSON.parse(m![2]!)).toEqual(["extra"]);
    const res = await fetch(`http://127.0.0.1:${m![1]}/`);
    expect(await res.text()).toBe("hi there 7");
  });

  it("prints --help grouped by group and file, with defaults, and exits 0", () => {
    const r = runApp("--port=1234", "--help");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Usage: app.ts [OPTIONS]\n\nOptions:\n\n  --help                           show this help information\n");
    expect(r.stdout).toContain("\nlimits options:\n\n  --max-body-size=NUMBER           largest request body in bytes (default 1024)\n");
    expect(r.stdout).toContain(`\n${APP} options:\n\n`);
    expect(r.stdout).toContain("  --port=NUMBER                    port to listen on (default 8888)\n");
    expect(r.stdout).toContain("  --debug                          debug mode (default false)\n");
    expect(r.stdout.indexOf("limits options")).toBeLessThan(r.stdout.indexOf(`${APP} options`));
  });

  it("rejects unknown and ill-typed flags with exit status 2 and one clear line", () => {
    const unknown = runApp("--prot=1234");
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toBe("error: unrecognized option --prot (did you mean --port?) (see --help)\n");
    expect(unknown.stdout).toBe("");
    const typed = runApp("--port=eighty");
    expect(typed.status).toBe(2);
    expect(typed.stderr).toBe('error: option --port expects a number, got "eighty" (see --help)\n');
    const missing = runApp("--greeting");
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe("error: option --greeting requires a value (--greeting=VALUE) (see --help)\n");
  });

  it("loads a .json and a .ts config file given by --config", () => {
    const json = path.join(tmp, "site.json");
    fs.writeFileSync(json, JSON.stringify({ port: 9001, "max-body-size": "2048", debug: true }));
    const a = runApp("--dry-run", `--config=${json}`, "pos");
    expect(a.status, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ port: 9001, maxBodySize: 2048, debug: true, greeting: "hello", rest: ["pos"] });
    const ts = path.join(tmp, "site.ts");
    fs.writeFileSync(ts, 'const kib: number = 1024;\nexport default { greeting: "from ts" };\nexport const maxBodySize = 3 * kib;\n');
    const b = runApp("--dry-run", "--config", ts);
    expect(b.status, b.stderr).toBe(0);
    expect(JSON.parse(b.stdout)).toMatchObject({ greeting: "from ts", maxBodySize: 3072, port: 8888 });
    const bad = path.join(tmp, "bad.json");
    fs.writeFileSync(bad, JSON.stringify({ prot: 1 }));
    const c = runApp("--dry-run", `--config=${bad}`);
    expect(c.status).not.toBe(0);
    expect(c.stderr).toContain("bad.json: unrecognized option --prot (did you mean --port?)");
  });
});

describe("compiled JS under plain node", () => {
  it("parses --name value, lists, --no-flag and keeps isolated parsers apart", () => {
    expect(fs.existsSync(path.join(fixtures, "plain.mjs"))).toBe(true);
    const r = run([PLAIN, "--port", "99", "--hosts=a,b", "--no-verbose", "--", "--x"]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ port: 99, hosts: ["a", "b"], verbose: false, rest: ["--x"], isolated: 1 });
    const bad = run([PLAIN, "--verbose=perhaps"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('error: option --verbose expects true or false, got "perhaps" (see --help)\n');
  });
});
