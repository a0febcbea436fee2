import { linkify, xhtmlEscape, type LinkifyOptions } from "../util/escape.js";
import type { Locale } from "../locale/locale.js";

/** What a UI module sees of the handler rendering it (a `RequestHandler`). */
export interface ModuleHost {
  readonly request: unknown;
  readonly currentUser: unknown;
  readonly locale: Locale;
  /** Renders a template with the handler's namespace plus `args`. */
  renderString(name: string, args?: Record<string, unknown>): string;
}

type Resource = string | null | undefined | void;

/**
 * A reusable piece of UI, used in templates as `{% module Name(args) %}`. Subclass it, implement
 * `render(...)` (which may call `this.renderString(template, args)`), and optionally return CSS and
 * JavaScript from the resource methods: each module's resources are included once per page, CSS in
 * `<head>` and JavaScript before `</body>`. One instance serves every use on one page.
 */
export class UIModule {
  /** The handler rendering the page. */
  readonly handler: ModuleHost;

  constructor(handler: ModuleHost) {
    this.handler = handler;
  }

  /** The request being served. */
  get request(): unknown {
    return this.handler.request;
  }

  /** The current user (`handler.currentUser`). */
  get currentUser(): unknown {
    return this.handler.currentUser;
  }

  /** The locale of the request. */
  get locale(): Locale {
    return this.handler.locale;
  }

  /** Returns the module's HTML (inserted unescaped). */
  render(..._args: unknown[]): string {
    throw new Error(`${this.constructor.name} must define render(...)`);
  }

  /** JavaScript inserted once per page in a `<script>` element before `</body>`. */
  embeddedJavascript(): Resource {
    return null;
  }

  /** JavaScript file(s) linked before `</body>` (relative paths go through `staticUrl`). */
  javascriptFiles(): string | string[] | null | undefined | void {
    return null;
  }

  /** CSS inserted once per page in a `<style>` element in `<head>`. */
  embeddedCss(): Resource {
    return null;
  }

  /** CSS file(s) linked in `<head>` (relative paths go through `staticUrl`). */
  cssFiles(): string | string[] | null | undefined | void {
    return null;
  }

  /** HTML inserted at the end of `<head>`. */
  htmlHead(): Resource {
    return null;
  }

  /** HTML inserted at the end of `<body>`. */
  htmlBody(): Resource {
    return null;
  }

  /** Renders a template with the handler's namespace plus `args`. */
  renderString(path: string, args: Record<string, unknown> = {}): string {
    return this.handler.renderString(path, args);
  }
}

/** A UI module class, as the `uiModules` setting lists them. */
export type UIModuleClass = new (handler: ModuleHost) => UIModule;

/** Resources a template rendered by `{% module Template(…) %}` declares with `setResources({...})`. */
export interface TemplateResources {
  embeddedJavascript?: string;
  javascriptFiles?: string | string[];
  embeddedCss?: string;
  cssFiles?: string | string[];
  htmlHead?: string;
  htmlBody?: string;
}

/**
 * `{% module Template("file.html", { args }) %}`: renders another template with its own namespace. The
 * template may call `setResources({ embeddedCss, javascriptFiles, … })` to add page resources.
 */
export class TemplateModule extends UIModule {
  private readonly resources = new Map<string, TemplateResources>();

  override render(path: string, args: Record<string, unknown> = {}): string {
    const setResources = (res: TemplateResources): string => {
      const previous = this.resources.get(path);
      if (!previous) this.resources.set(path, res);
      else if (JSON.stringify(previous) !== JSON.stringify(res)) {
        throw new Error("setResources called with different resources for the same template");
      }
      return "";
    };
    return this.renderString(path, { ...args, setResources });
  }

  private collect<K extends keyof TemplateResources>(key: K): Array<NonNullable<TemplateResources[K]>> {
    const out: Array<NonNullable<TemplateResources[K]>> = [];
    for (const r of this.resources.values()) if (r[key] != null) out.push(r[key]!);
    return out;
  }

  override embeddedJavascript(): string {
    return this.collect("embeddedJavascript").join("\n");
  }
  override javascriptFiles(): string[] {
    return this.collect("javascriptFiles").flat();
  }
  override embeddedCss(): string {
    return this.collect("embeddedCss").join("\n");
  }
  override cssFiles(): string[] {
    return this.collect("cssFiles").flat();
  }
  override htmlHead(): string {
    return this.collect("htmlHead").join("");
  }
  override htmlBody(): string {
    return this.collect("htmlBody").join("");
  }
}

/** `{% module linkify(text, options) %}`. */
class LinkifyModule extends UIModule {
  override render(text: unknown, options?: LinkifyOptions): string {
    return linkify(text, options);
  }
}

/** `{% module xsrfFormHtml() %}`. */
class XsrfFormHtmlModule extends UIModule {
  override render(): string {
    const fn = (this.handler as unknown as { xsrfFormHtml?: () => string }).xsrfFormHtml;
    if (typeof fn !== "function") throw new Error("xsrfFormHtml is not available on this handler");
    return fn.call(this.handler);
  }
}

/** Modules every application has. */
export const DEFAULT_UI_MODULES: Readonly<Record<string, UIModuleClass>> = Object.freeze({
  linkify: LinkifyModule,
  xsrfFormHtml: XsrfFormHtmlModule,
  Template: TemplateModule,
});

function isModuleClass(v: unknown): v is UIModuleClass {
  return typeof v === "function" && (v as { prototype?: unknown }).prototype instanceof UIModule;
}

const moduleCache = new WeakMap<object, Record<string, UIModuleClass>>();

/**
 * The `uiModules` setting as a name → class table: an object of UIModule subclasses, a module namespace
 * (`import * as modules`; its other exports are skipped), or an array of those. Defaults included.
 */
export function resolveUiModules(setting: unknown): Record<string, UIModuleClass> {
  if (setting && typeof setting === "object") {
    const cached = moduleCache.get(setting);
    if (cached) return cached;
  }
  const out: Record<string, UIModuleClass> = { ...DEFAULT_UI_MODULES };
  const add = (value: unknown): void => {
    if (!value) return;
    if (Array.isArray(value)) return value.forEach(add);
    if (typeof value !== "object" && typeof value !== "function") return;
    for (const [name, v] of Object.entries(value as Record<string, unknown>)) if (isModuleClass(v)) out[name] = v;
  };
  add(setting);
  if (setting && typeof setting === "object") moduleCache.set(setting, out);
  return out;
}

/**
 * The `uiMethods` setting as a name → function table: an object or module namespace of functions (or an
 * array of those). In templates each is called with the handler as its first argument.
 */
export function resolveUiMethods(setting: unknown): Record<string, (handler: unknown, ...args: unknown[]) => unknown> {
  const out: Record<string, (handler: unknown, ...args: unknown[]) => unknown> = {};
  const add = (value: unknown): void => {
    if (!value) return;
    if (Array.isArray(value)) return value.forEach(add);
    if (typeof value !== "object") return;
    for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
      if (typeof v === "function" && !isModuleClass(v) && !name.startsWith("_")) out[name] = v as (handler: unknown, ...args: unknown[]) => unknown;
    }
  };
  add(setting);
  return out;
}

/** The UI modules used while rendering one page: one instance per module name, created on first use. */
export class ActiveModules {
  private readonly active = new Map<string, UIModule>();
  /** The `modules` object templates call: `modules.Name(...args)`. */
  readonly namespace: Record<string, (...args: unknown[]) => string>;

  constructor(
    private readonly host: ModuleHost,
    classes: Record<string, UIModuleClass>,
  ) {
    const ns: Record<string, (...args: unknown[]) => string> = {};
    for (const [name, cls] of Object.entries(classes)) {
      ns[name] = (...args: unknown[]) => {
        let module = this.active.get(name);
        if (!module) {
          module = new cls(this.host);
          this.active.set(name, module);
        }
        return module.render(...args);
      };
    }
    this.namespace = ns;
  }

  /** True when some module was used. */
  get used(): boolean {
    return this.active.size > 0;
  }

  /**
   * Inserts the used modules' resources into a page, as Tornado's `RequestHandler.render` does: linked
   * and embedded JavaScript before the last `</body>`, linked and embedded CSS and `htmlHead` before
   * `</head>`, `htmlBody` before `</body>`. Files are deduplicated in order of first use.
   */
  insertResources(html: string, staticUrl: (path: string) => string): string {
    const jsEmbed: string[] = [];
    const jsFiles: string[] = [];
    const cssEmbed: string[] = [];
    const cssFiles: string[] = [];
    const heads: string[] = [];
    const bodies: string[] = [];
    const files = (v: string | string[] | null | undefined | void, into: string[]) => {
      if (!v) return;
      into.push(...(typeof v === "string" ? [v] : v));
    };
    for (const m of this.active.values()) {
      const js = m.embeddedJavascript();
      if (js) jsEmbed.push(js);
      files(m.javascriptFiles(), jsFiles);
      const css = m.embeddedCss();
      if (css) cssEmbed.push(css);
      files(m.cssFiles(), cssFiles);
      const head = m.htmlHead();
      if (head) heads.push(head);
      const body = m.htmlBody();
      if (body) bodies.push(body);
    }
    const urls = (paths: string[]) => [...new Set(paths.map((p) => (/^(?:\/|https?:)/.test(p) ? p : staticUrl(p))))];
    const beforeBody = (s: string) => {
      const i = html.lastIndexOf("</body>");
      html = i === -1 ? html + s + "\n" : html.slice(0, i) + s + "\n" + html.slice(i);
    };
    const beforeHead = (s: string) => {
      const i = html.indexOf("</head>");
      html = i === -1 ? s + "\n" + html : html.slice(0, i) + s + "\n" + html.slice(i);
    };
    if (jsFiles.length) beforeBody(urls(jsFiles).map((p) => `<script src="${xhtmlEscape(p)}" type="text/javascript"></script>`).join(""));
    if (jsEmbed.length) beforeBody(`<script type="text/javascript">\n//<![CDATA[\n${jsEmbed.join("\n")}\n//]]>\n</script>`);
    if (cssFiles.length) beforeHead(urls(cssFiles).map((p) => `<link href="${xhtmlEscape(p)}" type="text/css" rel="stylesheet"/>`).join(""));
    if (cssEmbed.length) beforeHead(`<style type="text/css">\n${cssEmbed.join("\n")}\n</style>`);
    if (heads.length) beforeHead(heads.join(""));
    if (bodies.length) beforeBody(bodies.join(""));
    return html;
  }
}
