import { describe, expect, it } from "vitest";
import { DictLoader } from "../../src/template/loader.js";
import { ParseError } from "../../src/template/errors.js";
import { Template } from "../../src/template/template.js";
import { xhtmlEscape } from "../../src/util/escape.js";

const render = (src: string, args: Record<string, unknown> = {}, name?: string) => new Template(src, { name }).generate(args);

function parseError(fn: () => unknown): ParseError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ParseError) return err;
    throw err;
  }
  throw new Error("expected a ParseError");
}

describe("expressions", () => {
  it("renders simple expressions (Tornado vectors)", () => {
    expect(render("Hello {{ name }}!", { name: "Ben" })).toBe("Hello Ben!");
    expect(render("{{ 2 + 2 }}")).toBe("4");
    expect(render("{{ a }}{{ b }}", { a: null, b: undefined })).toBe("");
  });
  it("escapes by default and {% raw %} does not", () => {
    expect(render(`{{ x }}|{% raw x %}`, { x: `<a href="x">'&'</a>` })).toBe(
      "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;&#x27;&lt;/a&gt;|<a href=\"x\">'&'</a>",
    );
  });
  it("has the default helpers in the namespace", () => {
    expect(render(`{{ urlEscape("a b&c") }}`)).toBe("a+b%26c");
    expect(render(`{% raw jsonEncode({a: "</script>"}) %}`)).toBe(`{"a":"<\\/script>"}`);
    expect(render(`{{ squeeze("  a \\n b ") }}`)).toBe("a b");
    expect(render(`{% raw linkify("see http://x.org/a now") %}`)).toBe(`see <a href="http://x.org/a">http://x.org/a</a> now`);
    expect(render(`{{ escape("<") }}`)).toBe("&amp;lt;");
  });
  it("lets render arguments override helpers", () => {
    expect(render(`{{ squeeze }}`, { squeeze: "mine" })).toBe("mine");
  });
  it("reports empty expressions and unclosed tags", () => {
    expect(parseError(() => new Template("{{ }}")).message).toBe("Empty expression at <string>:1");
    const e = parseError(() => new Template("\n\n{{", { name: "foo.html" }));
    expect(e.message).toBe("Missing end expression }} at foo.html:3");
    expect(e.filename).toBe("foo.html");
    expect(e.lineno).toBe(3);
    expect(new ParseError("asdf").message).toBe("asdf at None:0");
    expect(parseError(() => new Template("{%")).detail).toBe("Missing end block %}");
    expect(parseError(() => new Template("{#")).detail).toBe("Missing end comment #}");
    expect(parseError(() => new Template("{% %}")).detail).toBe("Empty block tag ({% %})");
  });
  it("supports the {{! {%! {#! escapes and comments", () => {
    expect(render("{{!")).toBe("{{");
    expect(render("{%!")).toBe("{%");
    expect(render("{#!")).toBe("{#");
    expect(render("{{! x }}")).toBe("{{ x }}");
    expect(render("a{# a comment #}b{% comment blah %}c")).toBe("abc");
    expect(render("{{{ 1 }}}")).toBe("{1}");
  });
  it("turns JavaScript syntax errors into a ParseError at the template line", () => {
    const e = parseError(() => new Template("a\nb\n{{ 1 + }}\n", { name: "bad.html" }));
    expect(e.filename).toBe("bad.html");
    expect(e.lineno).toBe(3);
    expect(e.message).toMatch(/JavaScript syntax error.* at bad\.html:3$/);
  });
});

describe("control flow", () => {
  it("if/elif/else, empty bodies", () => {
    const t = new Template("{% if x > 1 %}big{% elif x === 1 %}one{% else %}small{% end %}");
    expect([t.generate({ x: 5 }), t.generate({ x: 1 }), t.generate({ x: 0 })]).toEqual(["big", "one", "small"]);
    expect(render("{% if true %}{% else %}no{% end %}x")).toBe("x");
  });
  it("for … of and Tornado's for … in both iterate values", () => {
    expect(render("{% for i of xs %}{{ i }},{% end %}", { xs: [1, 2, 3] })).toBe("1,2,3,");
    expect(render("{% for i in xs %}{{ i }},{% end %}", { xs: ["a", "b"] })).toBe("a,b,");
    expect(render("{% for k, v of Object.entries(o) %}{{ k }}={{ v }};{% end %}", { o: { a: 1, b: 2 } })).toBe("a=1;b=2;");
    expect(render("{% for (let i = 0; i < 3; i++) %}{{ i }}{% end %}")).toBe("012");
    expect(render("{% for x of [] %}a{% else %}empty{% end %}")).toBe("empty");
    expect(render("{% for x of [1,2] %}{% if x == 2 %}{% break %}{% end %}{% else %}no{% end %}")).toBe("");
  });
  it("while, break and continue (Tornado vector 013456)", () => {
    const src = "{% for i of [0,1,2,3,4,5,6,7,8,9] %}{% if i == 2 %}{% continue %}{% end %}{{ i }}{% if i == 6 %}{% break %}{% end %}{% end %}";
    expect(render(src)).toBe("013456");
    expect(render("{% set i = 0 %}{% while i < 3 %}{{ i }}{% set i += 1 %}{% end %}")).toBe("012");
  });
  it("rejects break outside a loop and inside apply", () => {
    expect(parseError(() => new Template("{% break %}")).detail).toBe("break outside {for, while} block");
    expect(parseError(() => new Template("{% for x of xs %}{% apply f %}{% break %}{% end %}{% end %}")).detail).toBe(
      "break outside {for, while} block",
    );
  });
  it("try/except/else/finally", () => {
    const src = "{% try %}try{% set y = f() %}{% except %}-except{% else %}-else{% finally %}-finally{% end %}";
    const t = new Template(src);
    expect(t.generate({ f: () => 1 })).toBe("try-else-finally");
    expect(t.generate({ f: () => { throw new Error("x"); } })).toBe("try-except-finally");
    expect(render("{% try %}{{ f() }}{% except e %}caught {{ e.message }}{% end %}", { f: () => { throw new Error("boom"); } })).toBe(
      "caught boom",
    );
    const filtered = new Template("{% try %}{{ f() }}{% except TypeError as e %}T{% except RangeError as e %}R{% end %}");
    expect(filtered.generate({ f: () => { throw new TypeError(); } })).toBe("T");
    expect(filtered.generate({ f: () => { throw new RangeError(); } })).toBe("R");
    expect(() => filtered.generate({ f: () => { throw new SyntaxError("other"); } })).toThrow("other");
    expect(parseError(() => new Template("{% try %}x{% end %}")).detail).toBe("try block needs an except or finally block");
  });
  it("set declares variables visible after the block", () => {
    expect(render("{% if true %}{% set x = 5 %}{% end %}{{ x }}")).toBe("5");
    expect(render("{% set [a, b] = [1, 2] %}{{ a + b }}")).toBe("3");
  });
  it("apply passes the block's output through a function", () => {
    expect(render("{% apply upper %}foo{% end %}", { upper: (s: string) => s.toUpperCase() })).toBe("FOO");
  });
  it("reports unknown words, unclosed blocks, stray end and misplaced intermediates with file and line", () => {
    let e = parseError(() => new Template("a\n{% frobnicate x %}", { name: "t.html" }));
    expect(e.message).toBe("unknown operator: 'frobnicate' at t.html:2");
    e = parseError(() => new Template("a\n{% if x %}\n\nhello", { name: "t.html" }));
    expect(e.message).toBe("Missing {% end %} block for if at t.html:2");
    expect(parseError(() => new Template("{% end %}")).detail).toBe("Extra {% end %} block");
    expect(parseError(() => new Template("{% else %}")).detail).toBe("else outside {if, for, while, try} block");
    expect(parseError(() => new Template("{% for x of y %}{% elif z %}{% end %}")).detail).toBe("elif block cannot be attached to for block");
    expect(parseError(() => new Template("{% for x %}{% end %}")).detail).toMatch(/^for expects/);
    expect(parseError(() => new Template("{% set %}")).detail).toBe("set missing statement");
  });
});

describe("autoescape and whitespace", () => {
  it("{% autoescape %} applies to the whole file", () => {
    expect(render("{{ a }}{% autoescape None %}{{ a }}", { a: "<x>" })).toBe("<x><x>");
    expect(render("{% autoescape upper %}{{ a }}", { a: "x", upper: (s: string) => s.toUpperCase() })).toBe("X");
    expect(new Template("{{ a }}", { autoescape: null }).generate({ a: "<" })).toBe("<");
  });
  it("compresses whitespace in .html/.js but not .txt", () => {
    expect(render("   \n\t\n asdf\t   ", {}, "foo.html")).toBe("\nasdf ");
    expect(render("   \n\t\n asdf\t   ", {}, "foo.js")).toBe("\nasdf ");
    expect(render("   \n\t\n asdf\t   ", {}, "foo.txt")).toBe("   \n\t\n asdf\t   ");
    expect(render("  a  <pre>  b  </pre>", {}, "x.html")).toBe("  a  <pre>  b  </pre>");
  });
  it("{% whitespace %} switches mode for the rest of the file", () => {
    const src = "{% whitespace oneline %}\n    {% for i of [0, 1, 2] %}\n      {{ i }}\n    {% end %}\n{% whitespace all %}\n    pre\tformatted\n";
    expect(render(src, {}, "foo.html")).toBe("  0  1  2  \n    pre\tformatted\n");
    expect(parseError(() => new Template("{% whitespace bogus %}")).detail).toBe("invalid whitespace mode bogus");
  });
  it("loader whitespace option", () => {
    const src = "a  \n\n  b";
    expect(new DictLoader({ "x.html": src }, { whitespace: "all" }).load("x.html").generate()).toBe(src);
    expect(new DictLoader({ "x.txt": src }, { whitespace: "single" }).load("x.txt").generate()).toBe("a\nb");
    expect(new DictLoader({ "x.txt": src }, { whitespace: "oneline" }).load("x.txt").generate()).toBe("a b");
  });
});

describe("loader: include, extends, blocks", () => {
  it("include shares locals", () => {
    const loader = new DictLoader({
      "index.html": '{% include "header.html" %}\nbody text',
      "header.html": "header text",
    });
    expect(loader.load("index.html").generate()).toBe("header text\nbody text");
    const l2 = new DictLoader({ "a.html": '{% set x = 7 %}{% include "b.html" %}', "b.html": "{{ x }}{{ y }}" });
    expect(l2.load("a.html").generate({ y: 1 })).toBe("71");
  });
  it("extends with blocks, most derived wins", () => {
    const loader = new DictLoader({
      "base.html": "<title>{% block title %}default title{% end %}</title>\n<body>{% block body %}default body{% end %}</body>\n",
      "page.html": '{% extends "base.html" %}{% block title %}page title{% end %}{% block body %}page body{% end %}',
      "sub.html": '{% extends "page.html" %}{% block body %}sub {{ x }}{% end %}ignored',
    });
    expect(loader.load("page.html").generate()).toBe("<title>page title</title>\n<body>page body</body>\n");
    expect(loader.load("sub.html").generate({ x: 1 })).toBe("<title>page title</title>\n<body>sub 1</body>\n");
  });
  it("resolves relative includes", () => {
    const loader = new DictLoader({
      "a/1.html": '{% include "2.html" %}',
      "a/2.html": '{% include "../b/3.html" %}',
      "b/3.html": "ok",
    });
    expect(loader.load("a/1.html").generate()).toBe("ok");
  });
  it("include keeps each file's autoescape", () => {
    const loader = new DictLoader({
      "escaped.html": '{{ x }}{% include "raw.html" %}',
      "raw.html": "{% autoescape None %}{{ x }}",
    });
    expect(loader.load("escaped.html").generate({ x: "<" })).toBe("&lt;<");
    const off = new DictLoader({ "a.html": "{{ x }}" }, { autoescape: null });
    expect(off.load("a.html").generate({ x: "<" })).toBe("<");
  });
  it("non-ASCII template names", () => {
    const loader = new DictLoader({ "t\u00e9st.html": "hello" });
    expect(loader.load("t\u00e9st.html").generate()).toBe("hello");
  });
  it("reports extends of a missing file and circular extends/include with file and line", () => {
    const loader = new DictLoader({
      "child.html": 'x\n{% extends "nope.html" %}',
      "inc.html": '\n\n{% include "gone.html" %}',
      "a.html": '{% include "b.html" %}',
      "b.html": '\n{% include "a.html" %}',
      "self.html": '{% extends "self.html" %}',
      "c1.html": '{% extends "c2.html" %}',
      "c2.html": '{% extends "c1.html" %}',
    });
    expect(parseError(() => loader.load("child.html")).message).toBe('extends of missing file "nope.html" at child.html:2');
    expect(parseError(() => loader.load("inc.html")).message).toBe('include of missing file "gone.html" at inc.html:3');
    expect(parseError(() => loader.load("a.html")).message).toBe("circular include: a.html → b.html → a.html at b.html:2");
    expect(parseError(() => loader.load("self.html")).message).toBe("circular extends: self.html → self.html at self.html:1");
    expect(parseError(() => loader.load("c1.html")).message).toBe("circular extends: c1.html → c2.html → c1.html at c2.html:1");
  });
  it("extends without a loader is an error", () => {
    expect(parseError(() => new Template('{% extends "x.html" %}')).detail).toBe("{% extends %} block found, but no template loader");
  });
  it("caches until reset", () => {
    const dict: Record<string, string> = { "a.html": '{% include "b.html" %}', "b.html": "one" };
    const loader = new DictLoader(dict);
    expect(loader.load("a.html").generate()).toBe("one");
    dict["b.html"] = "two";
    expect(loader.load("a.html").generate()).toBe("one");
    loader.reset();
    expect(loader.load("a.html").generate()).toBe("two");
  });
  it("generated code carries Tornado-style line comments", () => {
    const loader = new DictLoader({
      "base.html": '{% include "sub.html" %}',
      "sub.html": "\n{{ x }}",
      "page.html": '{% extends "base.html" %}',
    });
    expect(loader.load("page.html").code).toContain("// sub.html:2 (via base.html:1)");
  });
});

describe("many namespaces", () => {
  it("renders correctly as the set of argument names changes", () => {
    const t = new Template("{{ typeof a === 'undefined' ? '-' : a }}{{ b }}");
    expect(t.generate({ b: 1 })).toBe("-1");
    expect(t.generate({ a: 2, b: 1 })).toBe("21");
    expect(t.generate({ b: 3, a: 4 })).toBe("43");
    for (let i = 0; i < 100; i++) expect(t.generate({ b: i, ["k" + i]: 1 })).toBe("-" + i);
  });
  it("ignores keys that cannot be variables", () => {
    expect(render("{{ a }}", { a: 1, "not-valid": 2, class: 3, _tt_x: 4 })).toBe("1");
  });
});

describe("escaping", () => {
  it("xhtmlEscape gives exactly a plain regex escape's output", () => {
    const map: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;" };
    const reference = (v: unknown) => (v == null ? "" : String(v)).replace(/[&<>"']/g, (c) => map[c]!);
    const samples: unknown[] = ["", "plain", "<>&\"'", "a<b>c&d\"e'f", "&&", "<", "x>", 0, 12.5, null, undefined, true, { toString: () => "<o>" }];
    for (let i = 0; i < 300; i++) samples.push(Array.from({ length: i % 13 }, (_, j) => "a<&>\"'é😀 "[(i * 7 + j * 3) % 11]).join(""));
    for (const s of samples) expect(xhtmlEscape(s)).toBe(reference(s));
  });
});
