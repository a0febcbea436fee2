// Runtime errors inside templates map to the template's file and line: in err.stack and through
// source-map-support's wrapCallSite/mapSourcePosition (which the traceback page uses).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import sourceMapSupport from "source-map-support";
import { afterAll, describe, expect, it } from "vitest";
import { Loader } from "../../src/template/loader.js";
import { Template } from "../../src/template/template.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "typhoon-stack-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text);

function callSites(fn: () => unknown): NodeJS.CallSite[] {
  const original = Error.prepareStackTrace;
  let sites: NodeJS.CallSite[] = [];
  Error.prepareStackTrace = (_e, cs) => {
    sites = cs;
    return "";
  };
  try {
    fn();
  } catch (err) {
    void (err as Error).stack;
  } finally {
    Error.prepareStackTrace = original;
  }
  return sites;
}

describe("template frames", () => {
  write("base.html", "<html>\n{% block body %}{% end %}\n</html>");
  write("inc.html", "a\nb\n{{ boom() }}\n");
  write("page.html", '{% extends "base.html" %}\n{% block body %}\nx\n{% include "inc.html" %}\n{{ missing }}\n{% end %}');
  const loader = new Loader(dir);

  it("err.stack names the template file and line, through include and extends", () => {
    let stack = "";
    try {
      loader.load("page.html").generate({ boom: () => null });
    } catch (err) {
      stack = (err as Error).stack!;
    }
    expect(stack).toMatch(/^ReferenceError: missing is not defined/);
    expect(stack).toContain(`at _tt_execute (${path.join(dir, "page.html")}:5:1)`);
    try {
      loader.load("page.html").generate({
        boom: () => {
          throw new Error("inner");
        },
      });
    } catch (err) {
      stack = (err as Error).stack!;
    }
    expect(stack).toContain(`${path.join(dir, "inc.html")}:3:1`);
  });

  it("wrapCallSite and mapSourcePosition resolve generated frames", () => {
    const sites = callSites(() => loader.load("page.html").generate({ boom: () => null }));
    const generated = sites.find((s) => /\.generated(-\d+)?\.js$/.test(s.getFileName() ?? ""));
    expect(generated).toBeDefined();
    const wrapped = sourceMapSupport.wrapCallSite(generated! as unknown as Parameters<typeof sourceMapSupport.wrapCallSite>[0]);
    expect(wrapped.getFileName()).toBe(path.join(dir, "page.html"));
    expect(wrapped.getLineNumber()).toBe(5);
    const pos = sourceMapSupport.mapSourcePosition({ source: generated!.getFileName()!, line: generated!.getLineNumber()!, column: 1 });
    expect(pos).toMatchObject({ source: path.join(dir, "page.html"), line: 5 });
  });

  it("recompiled (edited) templates map to their new lines", () => {
    write("edit.html", "{{ nope1 }}");
    const l = new Loader(dir);
    expect(() => l.load("edit.html").generate()).toThrow(/nope1/);
    write("edit.html", "\n\n\n{{ nope2 }}");
    l.reset();
    let stack = "";
    try {
      l.load("edit.html").generate();
    } catch (err) {
      stack = (err as Error).stack!;
    }
    expect(stack).toContain(`${path.join(dir, "edit.html")}:4:1`);
  });

  it("string templates map too", () => {
    let stack = "";
    try {
      new Template("a\n\n{{ oops.x }}", { name: "inline.html" }).generate({ oops: null });
    } catch (err) {
      stack = (err as Error).stack!;
    }
    // source-map-support resolves a bare name against the working directory.
    expect(stack).toMatch(/at _tt_execute \((?:.*\/)?inline\.html:3:1\)/);
  });
});
