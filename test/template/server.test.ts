// Templates, UI modules and locale through a real server: render/renderString, the compiled-template
// cache with files edited during the test, error pages pointing at template lines, UI module resources.
import fs from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Application, DictLoader, RequestHandler, UIModule, loadTranslations, type ApplicationSettings } from "typhoon";
import { serve, tempDir, type TestServer } from "../helpers/http.js";
import { BesideHandler } from "../fixtures/template/caller/handlers.js";

let tmp: { dir: string; cleanup(): void };
let server: TestServer | undefined;
const T = (name: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(tmp.dir, "templates", name)), { recursive: true });
  fs.writeFileSync(path.join(tmp.dir, "templates", name), text);
};

beforeAll(() => {
  tmp = tempDir("tpl");
});
afterAll(() => tmp.cleanup());
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(handlers: Array<[string, unknown]>, settings: ApplicationSettings = {}): Promise<TestServer> {
  const app = new Application(handlers as never, { templatePath: path.join(tmp.dir, "templates"), autoreload: false, ...settings });
  server = await serve(app);
  return server;
}

function page(name: string, args: Record<string, unknown> = {}) {
  return class extends RequestHandler {
    async get(): Promise<void> {
      await this.render(name, args);
    }
  };
}

describe("render and renderString", () => {
  it("renders inheritance, include, loops, raw and escaping with the handler namespace", async () => {
    T("base.html", "<html><head><title>{% block title %}Base{% end %}</title></head><body>{% block body %}{% end %}</body></html>");
    T("part.html", "<p>part {{ inherited }}</p>");
    T(
      "page.html",
      '{% extends "base.html" %}{% block title %}{{ title }}{% end %}{% block body %}{% set inherited = "shared" %}{% include "part.html" %}' +
        "<ul>{% for item of items %}<li>{{ item }}</li>{% end %}</ul>{% raw html %}|{{ request.path }}|{{ handler.constructor.name }}|" +
        '{{ currentUser }}|{{ locale.code }}|{{ _("Hello") }}|{{ reverseUrl("named", 5) }}|{{ shout("hi") }}{% end %}',
    );
    class Page extends RequestHandler {
      override getCurrentUser() {
        return "ann<";
      }
      async get(): Promise<void> {
        await this.render("page.html", { title: "T<1>", items: ["a&b", "c"], html: "<b>raw</b>" });
      }
    }
    class Named extends RequestHandler {
      get(id: string): void {
        this.write(id);
      }
    }
    class Str extends RequestHandler {
      get(): void {
        this.write(this.renderString("part.html", { inherited: "<direct>" }).toUpperCase());
      }
    }
    const s = await start([["/", Page], ["/str", Str], ["/n/([0-9]+)", Named, {}, "named"]] as never, {
      uiMethods: { shout: (handler: RequestHandler, text: string) => `${text}!${handler.request.method}` },
    });
    // the route tuple with a name: Application accepts [pattern, handler, initArgs, name]
    const r = await fetch(s.url + "/");
    const body = await r.text();
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/html/);
    expect(body).toBe(
      "<html><head><title>T&lt;1&gt;</title></head><body><p>part shared</p><ul><li>a&amp;b</li><li>c</li></ul><b>raw</b>|/|Page|ann&lt;|en_US|Hello|/n/5|hi!GET</body></html>",
    );
    expect(await (await fetch(s.url + "/str")).text()).toBe("<P>PART &LT;DIRECT&GT;</P>");
  });

  it("uses the handler's folder when templatePath is not set", async () => {
    const app = new Application([["/", BesideHandler]], { autoreload: false });
    server = await serve(app);
    expect((await (await fetch(server.url + "/")).text()).trim()).toBe("beside fixture");
  });

  it("uses the templateLoader setting, and createTemplateLoader/getTemplatePath overrides", async () => {
    const loader = new DictLoader({ "a.html": '{% include "b.html" %}!', "b.html": "from dict {{ request.method }}" });
    const s = await start([["/", page("a.html")]], { templateLoader: loader });
    expect(await (await fetch(s.url + "/")).text()).toBe("from dict GET!");
    await s.close();
    server = undefined;
    class Custom extends RequestHandler {
      override getTemplatePath() {
        return "/custom-folder";
      }
      override createTemplateLoader(p: string) {
        return new DictLoader({ "x.html": `custom ${p}` });
      }
      async get(): Promise<void> {
        await this.render("x.html");
      }
    }
    const s2 = await start([["/", Custom]]);
    expect(await (await fetch(s2.url + "/")).text()).toBe("custom /custom-folder");
  });

  it("honours the autoescape and templateWhitespace settings", async () => {
    T("ws.html", "{{ x }}   \n\n   y");
    const s = await start([["/", page("ws.html", { x: "<i>" })]], { autoescape: null, templateWhitespace: "oneline" });
    expect(await (await fetch(s.url + "/")).text()).toBe("<i> y");
  });
});

describe("compiledTemplateCache", () => {
  it("off: edited templates, bases and includes show on the next request", async () => {
    T("c/base.html", "base1[{% block b %}{% end %}]");
    T("c/inc.html", "inc1");
    T("c/page.html", '{% extends "base.html" %}{% block b %}page1 {% include "inc.html" %}{% end %}');
    const s = await start([["/", page("c/page.html")]], { compiledTemplateCache: false });
    expect(await (await fetch(s.url + "/")).text()).toBe("base1[page1 inc1]");
    T("c/inc.html", "inc2");
    expect(await (await fetch(s.url + "/")).text()).toBe("base1[page1 inc2]");
    T("c/base.html", "base2[{% block b %}{% end %}]");
    expect(await (await fetch(s.url + "/")).text()).toBe("base2[page1 inc2]");
    T("c/page.html", '{% extends "base.html" %}{% block b %}page3{% end %}');
    expect(await (await fetch(s.url + "/")).text()).toBe("base2[page3]");
  });

  it("on: each template, parent and include is compiled once per process", async () => {
    T("d/base.html", "base1[{% block b %}{% end %}]");
    T("d/inc.html", "inc1");
    T("d/page.html", '{% extends "base.html" %}{% block b %}{% include "inc.html" %}{% end %}');
    const s = await start([["/", page("d/page.html")]], { compiledTemplateCache: true });
    expect(await (await fetch(s.url + "/")).text()).toBe("base1[inc1]");
    T("d/inc.html", "inc2");
    T("d/base.html", "base2[{% block b %}{% end %}]");
    expect(await (await fetch(s.url + "/")).text()).toBe("base1[inc1]");
  });
});

describe("errors point at the template", () => {
  it("a runtime error shows the template file and line in the traceback page and the stack", async () => {
    T("e/broken.html", "line1\nline2\n{% for x of [1] %}\n  {{ x }}\n  {{ missingFn() }}\n{% end %}\n");
    T("e/wrapper.html", '{% extends "layout.html" %}{% block main %}\n{% include "broken.html" %}{% end %}');
    T("e/layout.html", "<main>{% block main %}{% end %}</main>");
    let stack = "";
    class Broken extends RequestHandler {
      async get(): Promise<void> {
        try {
          this.renderString("e/wrapper.html");
        } catch (err) {
          stack = (err as Error).stack ?? "";
        }
        await this.render("e/broken.html");
      }
    }
    const s = await start([["/", Broken]], { serveTraceback: true });
    const r = await fetch(s.url + "/");
    const text = (await r.text()).replace(/<[^>]*>/g, "");
    expect(r.status).toBe(500);
    expect(text).toContain("missingFn is not defined");
    expect(text).toMatch(/e\/broken\.html:5\b/);
    expect(stack).toContain(path.join(tmp.dir, "templates", "e/broken.html") + ":5:");
  });

  it("syntax errors name the file and line; a missing template is a 500", async () => {
    T("e/bad.html", "ok\n{% if x %}\n{% frob %}\n{% end %}");
    T("e/badjs.html", "ok\n\n{{ 1 + }}");
    T("e/missing-parent.html", '\n{% extends "nope.html" %}');
    const s = await start([["/bad", page("e/bad.html")], ["/badjs", page("e/badjs.html")], ["/mp", page("e/missing-parent.html")], ["/none", page("e/none.html")]], {
      serveTraceback: true,
    });
    const get = async (p: string) => {
      const r = await fetch(s.url + p);
      return { status: r.status, text: (await r.text()).replace(/<[^>]*>/g, "") };
    };
    let r = await get("/bad");
    expect(r.status).toBe(500);
    expect(r.text).toContain("unknown operator: &#x27;frob&#x27; at e/bad.html:3");
    r = await get("/badjs");
    expect(r.text).toMatch(/JavaScript syntax error\) at e\/badjs\.html:3/);
    r = await get("/mp");
    expect(r.text).toContain("extends of missing file &quot;nope.html&quot; at e/missing-parent.html:2");
    r = await get("/none");
    expect(r.status).toBe(500);
    expect(r.text).toContain("template not found: e/none.html");
  });
});

describe("UI modules", () => {
  class Entry extends UIModule {
    override render(entry: { title: string }, showComments = false): string {
      return this.renderString("m/entry.html", { entry, showComments });
    }
    override embeddedCss(): string {
      return ".entry { margin: 1em }";
    }
    override embeddedJavascript(): string {
      return "window.entries = (window.entries || 0) + 1;";
    }
    override cssFiles(): string[] {
      return ["/css/entry.css", "https://cdn.example/x.css"];
    }
    override javascriptFiles(): string {
      return "/js/entry.js";
    }
    override htmlHead(): string {
      return '<meta name="entry">';
    }
  }
  class Badge extends UIModule {
    override render(text: string): string {
      return `<span class="badge">${text}</span>`;
    }
    override cssFiles(): string[] {
      return ["/css/entry.css"];
    }
  }

  it("includes each module's resources once per page: CSS in <head>, JavaScript before </body>", async () => {
    T("m/entry.html", '<div class="entry">{{ entry.title }}{% if showComments %} +comments{% end %}</div>');
    T("m/res.html", '{{ setResources({ embeddedCss: ".t{}", javascriptFiles: "/js/t.js" }) }}<i>{{ n }}</i>');
    T(
      "m/home.html",
      "<html><head><title>x</title></head><body>{% for e of entries %}{% module Entry(e) %}{% end %}{% module Entry(entries[0], true) %}" +
        '{% module Badge("b") %}{% module Template("m/res.html", { n: 1 }) %}{% module Template("m/res.html", { n: 2 }) %}{% module linkify("http://x.org") %}</body></html>',
    );
    const s = await start([["/", page("m/home.html", { entries: [{ title: "<one>" }, { title: "two" }] })]], {
      uiModules: { Entry, Badge, notAModule: 42 },
    });
    const html = await (await fetch(s.url + "/")).text();
    const head = html.slice(0, html.indexOf("</head>"));
    const body = html.slice(html.indexOf("<body>"));
    expect(body).toContain('<div class="entry">&lt;one&gt;</div><div class="entry">two</div><div class="entry">&lt;one&gt; +comments</div><span class="badge">b</span><i>1</i><i>2</i><a href="http://x.org">http://x.org</a>');
    const count = (s: string, sub: string) => s.split(sub).length - 1;
    expect(count(html, ".entry { margin: 1em }")).toBe(1);
    expect(count(head, '<style type="text/css">\n.entry { margin: 1em }\n.t{}\n</style>')).toBe(1);
    expect(count(head, '<link href="/css/entry.css" type="text/css" rel="stylesheet"/>')).toBe(1);
    expect(head).toContain('<link href="https://cdn.example/x.css" type="text/css" rel="stylesheet"/>');
    expect(head).toContain('<meta name="entry">');
    expect(count(body, '<script src="/js/entry.js" type="text/javascript"></script><script src="/js/t.js" type="text/javascript"></script>')).toBe(1);
    expect(count(body, "window.entries = (window.entries || 0) + 1;")).toBe(1);
    expect(body.indexOf("window.entries")).toBeLessThan(body.indexOf("</body>"));
    expect(html.indexOf("/js/entry.js")).toBeGreaterThan(html.indexOf("<body>"));
  });
});

describe("locale", () => {
  beforeAll(() => {
    const dir = path.join(tmp.dir, "translations");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "es.csv"), '"Sign in","Iniciar sesión"\n"1 item","1 artículo","singular"\n"%(n)s items","%(n)s artículos","plural"\n');
    fs.writeFileSync(path.join(dir, "fr_CA.csv"), '"Sign in","Se connecter"\n');
    loadTranslations(dir);
  });

  it("translates with the Accept-Language locale, getUserLocale first, hostile headers harmless", async () => {
    T("l/i18n.html", '{{ _("Sign in") }}|{{ locale.code }}|{{ _("1 item", "%(n)s items", n) }}|{{ locale.list(["a", "b", "c"]) }}');
    class ByUser extends RequestHandler {
      override getUserLocale() {
        return this.getQueryArgument("lang", "") || null;
      }
      async get(): Promise<void> {
        await this.render("l/i18n.html", { n: 1 });
      }
    }
    const s = await start([["/", page("l/i18n.html", { n: 3 })], ["/user", ByUser]]);
    const get = async (p: string, lang?: string) => (await fetch(s.url + p, { headers: lang === undefined ? {} : { "Accept-Language": lang } })).text();
    expect(await get("/", "es-GT,es;q=0.9,en;q=0.5")).toBe("Iniciar sesión|es|%(n)s artículos|a, b and c");
    expect(await get("/", "de;q=0.2, fr-ca;q=0.8, en;q=0.5")).toBe("Se connecter|fr_CA|%(n)s items|a, b and c");
    expect(await get("/")).toBe("Sign in|en_US|%(n)s items|a, b and c");
    for (const hostile of [";;;q=abc,,,", "es;q=NaN", "x".repeat(5000), "es;q=-1", "*"]) {
      const r = await fetch(s.url + "/", { headers: { "Accept-Language": hostile } });
      expect(r.status).toBe(200);
      expect(await r.text()).toMatch(/^Sign in\|en_US\|/);
    }
    expect(await get("/user?lang=es_ES", "fr-CA")).toBe("Iniciar sesión|es|1 artículo|a, b and c");
    expect(await get("/user", "fr-CA")).toBe("Se connecter|fr_CA|1 item|a, b and c");
  });
});
