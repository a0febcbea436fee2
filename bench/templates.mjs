// Template rendering speed: the same page (a base layout with blocks, an included partial, a 100-item
// loop with escaped values) rendered by Typhoon, EJS, Eta and Handlebars, each compiled once, plus
// Tornado 6 itself when python3-tornado is installed. `npm run bench -- templates [--rounds=5 --time=1000]`.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { intFlag } from "./lib/args.mjs";
import { importTyphoon } from "./lib/typhoon.mjs";
import { median, formatInt, renderTable } from "./lib/table.mjs";

export const description = "pages/s rendering one page (extends, include, 100-item loop): Typhoon, EJS, Eta, Handlebars, Tornado";

const DATA = {
  title: "Catalogue <2025>",
  user: { name: "Ann & Bob" },
  items: Array.from({ length: 100 }, (_, i) => ({ id: i, name: `Item <${i}> & "co"`, price: (i * 1.5).toFixed(2), onSale: i % 3 === 0 })),
};

// Each engine gets the same structure in its own syntax: layout with title+content, nav partial, loop.
const TEMPLATES = {
  typhoon: {
    "base.html": `<!DOCTYPE html>
<html><head><title>{% block title %}Site{% end %}</title></head>
<body>
{% block content %}{% end %}
<footer>footer</footer>
</body></html>
`,
    "nav.html": `<nav><a href="/">Home</a> | Signed in as {{ user.name }}</nav>
`,
    "page.html": `{% extends "base.html" %}
{% block title %}{{ title }}{% end %}
{% block content %}
{% include "nav.html" %}
<ul>
{% for item of items %}
  <li class="{{ item.onSale ? "sale" : "regular" }}"><a href="/item/{{ item.id }}">{{ item.name }}</a> <span>{{ item.price }}</span></li>
{% end %}
</ul>
{% end %}
`,
  },
  tornado: {
    // Tornado's own syntax (Python expressions) for the same page.
    "base.html": null,
    "nav.html": null,
    "page.html": `{% extends "base.html" %}
{% block title %}{{ title }}{% end %}
{% block content %}
{% include "nav.html" %}
<ul>
{% for item in items %}
  <li class="{{ "sale" if item.onSale else "regular" }}"><a href="/item/{{ item.id }}">{{ item.name }}</a> <span>{{ item.price }}</span></li>
{% end %}
</ul>
{% end %}
`,
  },
  ejs: {
    "base.ejs": `<!DOCTYPE html>
<html><head><title><%= title %></title></head>
<body>
<%- body %>
<footer>footer</footer>
</body></html>
`,
    "nav.ejs": `<nav><a href="/">Home</a> | Signed in as <%= user.name %></nav>
`,
    "page.ejs": `<%_ const body = include("content", locals) _%>
<%- include("base", { title, body }) %>`,
    "content.ejs": `<%- include("nav", locals) %>
<ul>
<% for (const item of items) { %>
  <li class="<%= item.onSale ? "sale" : "regular" %>"><a href="/item/<%= item.id %>"><%= item.name %></a> <span><%= item.price %></span></li>
<% } %>
</ul>
`,
  },
  eta: {
    "base.eta": `<!DOCTYPE html>
<html><head><title><%= it.title %></title></head>
<body>
<%~ it.body %>
<footer>footer</footer>
</body></html>
`,
    "nav.eta": `<nav><a href="/">Home</a> | Signed in as <%= it.user.name %></nav>
`,
    "page.eta": `<% layout("./base") %>
<%~ include("./nav", it) %>
<ul>
<% for (const item of it.items) { %>
  <li class="<%= item.onSale ? "sale" : "regular" %>"><a href="/item/<%= item.id %>"><%= item.name %></a> <span><%= item.price %></span></li>
<% } %>
</ul>
`,
  },
  handlebars: {
    base: `<!DOCTYPE html>
<html><head><title>{{> title}}</title></head>
<body>
{{> content}}
<footer>footer</footer>
</body></html>
`,
    nav: `<nav><a href="/">Home</a> | Signed in as {{user.name}}</nav>
`,
    page: `{{#> base}}
{{#*inline "title"}}{{title}}{{/inline}}
{{#*inline "content"}}
{{> nav}}
<ul>
{{#each items}}
  <li class="{{#if onSale}}sale{{else}}regular{{/if}}"><a href="/item/{{id}}">{{name}}</a> <span>{{price}}</span></li>
{{/each}}
</ul>
{{/inline}}
{{/base}}
`,
  },
};

const TORNADO = `
import sys, time, json
import tornado.template as t
loader = t.Loader(sys.argv[1], whitespace="all")
data = json.loads(sys.argv[2])
tpl = loader.load("page.html")
ms = int(sys.argv[3]); rounds = int(sys.argv[4])
class O(dict):
    __getattr__ = dict.__getitem__
items = [O(i) for i in data["items"]]
user = O(data["user"])
for r in range(rounds + 1):
    n = 0; start = time.perf_counter()
    while time.perf_counter() - start < ms / 1000:
        tpl.generate(title=data["title"], user=user, items=items); n += 1
    if r: print(n / (time.perf_counter() - start))
`;

function write(dir, files) {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text ?? TEMPLATES.typhoon[name]);
}

async function renderers(dir) {
  const { Loader } = await importTyphoon();
  const out = {};
  const loader = new Loader(path.join(dir, "typhoon"), { whitespace: "all" });
  const page = loader.load("page.html");
  out.Typhoon = () => page.generate(DATA);

  const ejs = (await import("ejs")).default;
  const ejsPage = ejs.compile(TEMPLATES.ejs["page.ejs"], { filename: path.join(dir, "ejs", "page.ejs"), cache: true });
  out.EJS = () => ejsPage(DATA);

  const { Eta } = await import("eta");
  const eta = new Eta({ views: path.join(dir, "eta"), cache: true });
  out.Eta = () => eta.render("./page", DATA);

  const Handlebars = (await import("handlebars")).default;
  const hb = Handlebars.create();
  hb.registerPartial("base", hb.compile(TEMPLATES.handlebars.base));
  hb.registerPartial("nav", hb.compile(TEMPLATES.handlebars.nav));
  const hbPage = hb.compile(TEMPLATES.handlebars.page);
  out.Handlebars = () => hbPage(DATA);
  return out;
}

function measure(fn, ms) {
  let n = 0;
  let sink = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    // byteLength flattens the string, as writing it to a socket would.
    for (let i = 0; i < 20; i++) sink += Buffer.byteLength(fn());
    n += 20;
    now = performance.now();
  }
  if (sink === 0) throw new Error("nothing rendered");
  return (n * 1000) / (now - start);
}

export async function main(args) {
  const { values } = parseArgs({ args, options: { rounds: { type: "string", default: "5" }, time: { type: "string", default: "1000" }, help: { type: "boolean", short: "h" } } });
  if (values.help) {
    console.log("npm run bench -- templates [--rounds=5] [--time=1000 (ms per round)]");
    return;
  }
  const rounds = intFlag(values, "rounds", 1, 50);
  const ms = intFlag(values, "time", 100, 10000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "typhoon-bench-templates-"));
  try {
    for (const [engine, files] of Object.entries(TEMPLATES)) write(path.join(dir, engine), files);
    const engines = await renderers(dir);
    // Sanity: every engine renders the whole page, escaped.
    for (const [name, fn] of Object.entries(engines)) {
      const html = fn();
      const rows = html.split("<li ").length - 1;
      if (rows !== 100 || !html.includes("Item &lt;99&gt; &amp;") || !html.includes("<footer>") || !html.includes("Ann &amp; Bob")) {
        throw new Error(`${name} rendered an unexpected page (${rows} rows):\n${html.slice(0, 400)}`);
      }
    }
    const results = Object.fromEntries(Object.keys(engines).map((k) => [k, []]));
    for (const fn of Object.values(engines)) measure(fn, Math.min(ms, 500)); // warm up
    for (let r = 0; r < rounds; r++) for (const [name, fn] of Object.entries(engines)) results[name].push(measure(fn, ms));

    const py = spawnSync("/usr/bin/python3", ["-c", TORNADO, path.join(dir, "tornado"), JSON.stringify(DATA), String(ms), String(Math.min(rounds, 3))], { encoding: "utf8", timeout: 120_000 });
    if (py.status === 0) results["Tornado 6 (python3)"] = py.stdout.trim().split("\n").map(Number);
    else console.error(`(Tornado skipped: ${(py.stderr || py.error?.message || "").trim().split("\n").pop()})`);

    const rows = Object.entries(results).map(([name, v]) => ({ name, rate: median(v) }));
    const fastestPeer = Math.max(...rows.filter((r) => r.name !== "Typhoon").map((r) => r.rate));
    const typhoon = rows.find((r) => r.name === "Typhoon").rate;
    console.log(`Template rendering, ${rounds} rounds × ${ms} ms per engine (median), Node ${process.version}\n`);
    console.log(
      renderTable(
        [
          { title: "engine", get: (r) => r.name },
          { title: "pages/s", get: (r) => formatInt(r.rate) },
          { title: "vs Typhoon", get: (r) => (r.rate / typhoon).toFixed(2) + "×" },
        ],
        rows.sort((a, b) => b.rate - a.rate),
      ),
    );
    console.log(`\nTyphoon / fastest peer: ${(typhoon / fastestPeer).toFixed(2)}× (target ≥ 1.5×)`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
