import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeApp, rmrf, run } from "./helpers.js";

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) rmrf(dirs.pop()!);
});
function app(files: Record<string, string>, pkg?: Record<string, unknown> | null): string {
  const d = makeApp(files, pkg);
  dirs.push(d);
  return d;
}

describe("typhoon/register", () => {
  it("runs TypeScript and resolves .js, .ts, extensionless and directory specifiers to .ts files", () => {
    const d = app({
      "main.ts": `import { a } from "./a.js";
import { a as a2 } from "./a.ts";
import { a as a3 } from "./a";
import { b } from "./b.mjs";
import { x } from "./lib";
import { t } from "./t.jsx";
const n: number = a + a2 + a3;
console.log(JSON.stringify({ n, b, x, t }));`,
      "a.ts": `export const a: number = 1;`,
      "b.mts": `export const b: string = "mts";`,
      "lib/index.ts": `export const x: string = "dir";`,
      "t.tsx": `const h = (tag: string) => tag; export const t: string = h("tsx");`,
    });
    const r = run(d, "main.ts");
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({ n: 3, b: "mts", x: "dir", t: "tsx" });
  });

  it("prefers x.ts over a stale compiled x.js beside it when a .ts file imports ./x.js", () => {
    const d = app({ "main.ts": `import { v } from "./x.js"; console.log(v);`, "x.ts": `export const v: string = "ts";`, "x.js": `export const v = "js";` });
    expect(run(d, "main.ts").stdout.trim()).toBe("ts");
  });

  it("requires .ts/.cts from CommonJS, including ./x.js pointing at x.ts", () => {
    const d = app({
      "main.ts": `import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const { c } = require("./c.cts");
const { d } = require("./d.js");
console.log(c + d);`,
      "c.cts": `const c: number = 40; module.exports = { c };`,
      "d.ts": `export const d: number = 2;`,
    });
    const r = run(d, "main.ts");
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("42");
  });

  it("treats .ts in a CommonJS package as CommonJS unless it uses module syntax (Node's rule)", () => {
    const d = app(
      {
        "cjs.ts": `const h = require("./helper.js"); const n: number = 1; console.log(typeof module, h.helper(), n);`,
        "esm.ts": `import { helper } from "./helper"; console.log(typeof require, helper());`,
        "helper.ts": `export function helper(): string { return "ok"; }`,
      },
      { name: "cjs-app" },
    );
    expect(run(d, "cjs.ts").stdout.trim()).toBe("object ok 1");
    expect(run(d, "esm.ts").stdout.trim()).toBe("undefined ok");
  });

  it("maps stack frames to .ts lines, for ES modules and for CommonJS", () => {
    const d = app({
      "main.ts": `import { boom } from "./boom.ts";
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
try { boom(); } catch (e) { console.log((e as Error).stack!.split("\\n")[1]); }
try { require("./cboom.cts").cboom(); } catch (e) { console.log((e as Error).stack!.split("\\n")[1]); }`,
      "boom.ts": `type T = { a: number };\ninterface U { b: string }\nexport function boom(): never {\n  throw new Error("x");\n}`,
      "cboom.cts": `type T = number;\n\n\nfunction cboom(): never {\n    throw new Error("y");\n}\nmodule.exports = { cboom };`,
    });
    const r = run(d, "main.ts");
    const [esm, cjs] = r.stdout.trim().split("\n");
    expect(esm).toMatch(/boom\.ts:4:9\)?$/);
    expect(cjs).toMatch(/cboom\.cts:5:11\)?$/);
  });

  it("reports a syntax error as file:line:col with a code frame", () => {
    const d = app({ "main.ts": `import "./bad.ts";`, "bad.ts": `export const x = 1;\nlet y = ;\n` });
    const r = run(d, "main.ts");
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/bad\.ts:2:9: Unexpected ";"/);
    expect(r.stderr).toContain("> 2 | let y = ;");
  });

  it("reads the nearest tsconfig.json (JSONC, extends): experimentalDecorators gives legacy decorators", () => {
    const src = `function log(_t: any, _k: string, desc: PropertyDescriptor) { const o = desc.value; desc.value = function (this: unknown) { return "legacy:" + o.call(this); }; }
class K { @log hi() { return "hi"; } }
console.log(new K().hi());`;
    const d = app({
      "main.ts": src,
      "base.json": `{ "compilerOptions": { "experimentalDecorators": true, } }`,
      "tsconfig.json": `// comment\n{ "extends": "./base.json", /* more */ "compilerOptions": { "strict": true } }`,
    });
    expect(run(d, "main.ts").stdout.trim()).toBe("legacy:hi");
    // Without it, esbuild compiles TC39 standard decorators: (value, context) → the legacy decorator misbehaves.
    const std = app({
      "main.ts": `function log(value: Function, ctx: ClassMethodDecoratorContext) { return function (this: unknown) { return "std:" + String(ctx.name) + value.call(this); }; }
class K { @log hi() { return "hi"; } }
console.log(new K().hi());`,
    });
    expect(run(std, "main.ts").stdout.trim()).toBe("std:hihi");
  });

  it("reports every loaded file (ESM, CommonJS, tsconfig) on TYPHOON_REPORT_FD, a broken file before it fails", () => {
    const d = app({
      "main.ts": `import "./ok.ts"; import { createRequire } from "node:module"; createRequire(import.meta.url)("./c.cjs"); await import("./broken.ts");`,
      "ok.ts": `export const ok = 1;`,
      "c.cjs": `require("./d.cjs");`,
      "d.cjs": `module.exports = 1;`,
      "broken.ts": `export const = ;`,
      "tsconfig.json": `{}`,
    });
    const out = path.join(d, "report.txt");
    const fd = fs.openSync(out, "w");
    try {
      const r = run(d, "main.ts", { env: { TYPHOON_REPORT_FD: "3" }, extra: [fd] });
      expect(r.status).not.toBe(0);
    } finally {
      fs.closeSync(fd);
    }
    const files = new Set(
      fs.readFileSync(out, "utf8").trim().split("\n").map((l) => (JSON.parse(l) as { path: string }).path),
    );
    const real = fs.realpathSync(d);
    for (const f of ["main.ts", "ok.ts", "c.cjs", "d.cjs", "broken.ts", "tsconfig.json"]) {
      expect([...files].some((p) => p === path.join(real, f) || p === path.join(d, f))).toBe(true);
    }
  });

  it("caches transforms on disk and still picks up edits (key includes mtime and size)", () => {
    const cache = app({});
    const d = app({ "main.ts": `import { v } from "./v.ts"; console.log(v);`, "v.ts": `export const v: string = "one";` });
    const env = { TYPHOON_CACHE_DIR: cache };
    expect(run(d, "main.ts", { env }).stdout.trim()).toBe("one");
    const entries = fs.readdirSync(cache).filter((f) => f.endsWith(".js"));
    expect(entries.length).toBeGreaterThanOrEqual(2);
    fs.writeFileSync(path.join(d, "v.ts"), `export const v: string = "two!";`);
    expect(run(d, "main.ts", { env }).stdout.trim()).toBe("two!");
  });
});
