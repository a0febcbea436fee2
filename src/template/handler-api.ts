// RequestHandler's render(), renderString(), template namespace and locale.
import type { RequestHandler } from "../web/handler.js";
import { extendRequestHandler } from "../web/extend.js";
import { Locale } from "../locale/locale.js";
import { parseAcceptLanguage } from "../locale/accept-language.js";
import { ActiveModules, resolveUiMethods, resolveUiModules } from "./ui-modules.js";
import { callerDirectory, createDefaultLoader, sharedLoader, type LoaderLike } from "./handler-support.js";

declare module "../web/handler.js" {
  interface RequestHandler {
    /**
     * Renders template `name` with `args` and finishes the response with it, inserting the CSS and
     * JavaScript of the UI modules the page used (CSS before `</head>`, JavaScript before `</body>`).
     */
    render(name: string, args?: Record<string, unknown>): Promise<void>;
    /** Renders template `name` with the handler's namespace plus `args`, and returns the text. */
    renderString(name: string, args?: Record<string, unknown>): string;
    /**
     * Names every template rendered by this handler sees: `handler`, `request`, `currentUser`, `locale`,
     * `_`, `pgettext`, `staticUrl`, `xsrfFormHtml`, `reverseUrl`, `modules` and the `uiMethods`.
     */
    getTemplateNamespace(): Record<string, unknown>;
    /** Creates the loader for a template folder: a `Loader` honouring `autoescape` and `templateWhitespace`. */
    createTemplateLoader(templatePath: string): LoaderLike;
    /** The template folder: the `templatePath` setting, else (undefined) the folder of the calling file. */
    getTemplatePath(): string | undefined;
    /**
     * The locale of this request, resolved once: `getUserLocale()` when it returns one, else
     * `getBrowserLocale()` from `Accept-Language`. Assignable.
     */
    locale: Locale;
    /** Override to choose the locale from the user's preferences; return null to use `Accept-Language`. */
    getUserLocale(): Locale | string | null | undefined;
    /** The closest supported locale for the request's `Accept-Language` (by q-value), else `defaultCode`. */
    getBrowserLocale(defaultCode?: string): Locale;
  }
}

/** Per-request template state, kept off the handler's public surface. */
interface TemplateState {
  locale?: Locale;
  modules?: ActiveModules;
  resetLoaders?: Set<LoaderLike>;
}

const STATE = Symbol("typhoon.template");

function stateOf(handler: RequestHandler): TemplateState {
  const holder = handler as unknown as { [STATE]?: TemplateState };
  return (holder[STATE] ??= {});
}

// staticUrl and xsrfFormHtml come from other parts; a template that uses one the app lacks gets a clear error.
function call(handler: RequestHandler, method: string, args: unknown[]): unknown {
  const fn = (handler as unknown as Record<string, unknown>)[method];
  if (typeof fn !== "function") throw new Error(`${method}() is not available on this handler`);
  return (fn as (...a: unknown[]) => unknown).apply(handler, args);
}

function modulesOf(handler: RequestHandler): ActiveModules {
  const state = stateOf(handler);
  return (state.modules ??= new ActiveModules(handler, resolveUiModules(handler.settings.uiModules)));
}

extendRequestHandler(
  {
    render(this: RequestHandler, name: string, args: Record<string, unknown> = {}) {
      if (this.finished) throw new Error("Cannot render() after finish()");
      let html = this.renderString(name, args);
      const modules = stateOf(this).modules;
      if (modules?.used) html = modules.insertResources(html, (p) => String(call(this, "staticUrl", [p])));
      return this.finish(html);
    },

    renderString(this: RequestHandler, name: string, args: Record<string, unknown> = {}) {
      const templatePath = this.getTemplatePath() ?? callerDirectory();
      const loader = sharedLoader(templatePath, this.settings, (p) => this.createTemplateLoader(p));
      // compiledTemplateCache off: each request starts from the files as they are now.
      if (!this.settings.compiledTemplateCache && typeof loader.reset === "function") {
        const state = stateOf(this);
        state.resetLoaders ??= new Set();
        if (!state.resetLoaders.has(loader)) {
          loader.reset();
          state.resetLoaders.add(loader);
        }
      }
      return loader.load(name).generate({ ...this.getTemplateNamespace(), ...args });
    },

    getTemplateNamespace(this: RequestHandler) {
      const locale = this.locale;
      const modules = modulesOf(this);
      const ns: Record<string, unknown> = {
        handler: this,
        request: this.request,
        currentUser: this.currentUser,
        locale,
        _: locale.translate,
        pgettext: locale.pgettext.bind(locale),
        staticUrl: (p: string, ...rest: unknown[]) => String(call(this, "staticUrl", [p, ...rest])),
        xsrfFormHtml: () => call(this, "xsrfFormHtml", []),
        reverseUrl: (routeName: string, ...rest: unknown[]) => this.reverseUrl(routeName, ...rest),
        modules: modules.namespace,
        _tt_modules: modules.namespace,
      };
      for (const [k, fn] of Object.entries(resolveUiMethods(this.settings.uiMethods))) ns[k] = (...a: unknown[]) => fn(this, ...a);
      return ns;
    },

    createTemplateLoader(this: RequestHandler, templatePath: string) {
      return createDefaultLoader(templatePath, this.settings);
    },

    getTemplatePath(this: RequestHandler) {
      return this.settings.templatePath;
    },

    getUserLocale(this: RequestHandler) {
      return null;
    },

    getBrowserLocale(this: RequestHandler, defaultCode = "en_US") {
      const codes = parseAcceptLanguage(this.request.headers["accept-language"]);
      return codes.length ? Locale.get(...codes) : Locale.get(defaultCode);
    },
  },
  {
    locale: {
      get(this: RequestHandler) {
        const state = stateOf(this);
        if (!state.locale) {
          const user = this.getUserLocale();
          state.locale = user ? (typeof user === "string" ? Locale.get(user) : user) : this.getBrowserLocale();
        }
        return state.locale;
      },
      set(this: RequestHandler, value: Locale) {
        stateOf(this).locale = value;
      },
    },
  },
);
