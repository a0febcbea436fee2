/**
 * Typhoon templates: Tornado's template language with JavaScript expressions.
 *
 * - `{{ expr }}` outputs a JavaScript expression, escaped by the file's autoescape function (default
 *   `xhtmlEscape`); `null`/`undefined` print as nothing. `{% raw expr %}` outputs it unescaped.
 * - `{% if a %}…{% elif b %}…{% else %}…{% end %}`; `{% while cond %}…{% end %}`.
 * - `{% for item of items %}` (JavaScript `for…of`); Tornado's `{% for item in items %}` means the same
 *   (values, not keys). `{% for k, v of pairs %}` destructures; `{% for (let i = 0; i < n; i++) %}` is
 *   used as written. Loops accept `{% else %}` (runs when the loop did not `{% break %}`), and
 *   `{% break %}`/`{% continue %}`.
 * - `{% try %}…{% except %}…{% end %}`: `{% except %}` catches everything, `{% except e %}` catches
 *   everything as `e`, `{% except TypeError as e %}` catches `instanceof TypeError` only (several may
 *   follow each other; an error none matches is rethrown); then optional `{% else %}` (no error) and
 *   `{% finally %}`.
 * - `{% set x = expr %}` declares `x` for the rest of the template (function scope, like Python); other
 *   statements (`{% set n += 1 %}`, `{% set obj.k = v %}`) run as written.
 * - `{% extends "base.html" %}` + `{% block name %}…{% end %}`; `{% include "part.html" %}` (shares
 *   local variables); `{% module Name(args) %}` (UI modules; `{% module Template("f.html", { k: v }) %}`);
 *   `{% apply fn %}…{% end %}`; `{% autoescape fn %}` / `{% autoescape None %}` (whole file);
 *   `{% whitespace all|single|oneline %}`; `{% comment … %}`, `{# … #}`; `{{!`, `{%!`, `{#!` for literals.
 */
import vm from "node:vm";
import { jsonEncode, linkify, squeeze, urlEscape, xhtmlEscape } from "../util/escape.js";
import { generateCode, type GeneratedCode, type TemplateUnit, type UnitLoader } from "./codegen.js";
import { ParseError } from "./errors.js";
import { parseTemplate, type Node } from "./parser.js";
import { buildSourceMap, registerGenerated } from "./sourcemap.js";
import { defaultWhitespace, isWhitespaceMode, type WhitespaceMode } from "./whitespace.js";

/** The loader interface a {@link Template} needs (implemented by `BaseLoader`). */
export interface TemplateLoaderLike {
  readonly autoescape: string | null;
  readonly namespace: Record<string, unknown>;
  readonly whitespace: WhitespaceMode | null;
  /** Loads `name` relative to `parent`, for `extends`/`include`. */
  loadFrom(name: string, parent: Template, line: number, kind: "extends" | "include"): Template;
}

/** Options of {@link Template}. */
export interface TemplateOptions {
  /** Name used in errors and line comments. Default `"<string>"`. */
  name?: string;
  /** Loader that resolves `{% extends %}` and `{% include %}`. */
  loader?: TemplateLoaderLike | null;
  /** Name of the escaping function for `{{ }}`, or `null`. Default: the loader's, else `"xhtmlEscape"`. */
  autoescape?: string | null;
  /** Whitespace mode. Default: the loader's, else `single` for `.html`/`.js` names and `all` otherwise. */
  whitespace?: WhitespaceMode;
  /** Path shown in stack frames of runtime errors (defaults to `name`). */
  sourcePath?: string;
}

/** The default escaping function name. */
export const DEFAULT_AUTOESCAPE = "xhtmlEscape";

/** Names every template can use. */
export const DEFAULT_NAMESPACE: Readonly<Record<string, unknown>> = Object.freeze({
  escape: xhtmlEscape,
  xhtmlEscape,
  urlEscape,
  jsonEncode,
  squeeze,
  linkify,
});

/** A render function: namespace in, text out. */
type Execute = (args: Record<string, unknown>) => string;

/** Converts an expression's value to text: strings as they are, `null`/`undefined` as "", others by `String`. */
function toText(value: unknown): string {
  return typeof value === "string" ? value : value == null ? "" : String(value);
}

/** `{% module X(…) %}` resolves X on `_tt_modules` (set by RequestHandler), else on `modules`. */
function modulesOf(args: Record<string, unknown>): Record<string, (...a: unknown[]) => unknown> {
  const m = (args["_tt_modules"] ?? args["modules"]) as Record<string, (...a: unknown[]) => unknown> | undefined;
  if (!m) throw new Error("{% module %} needs UI modules: render through RequestHandler.render()/renderString()");
  return m;
}

const RUNTIME = Object.freeze({ s: toText, mod: modulesOf });

const RESERVED = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for " +
    "function if import in instanceof new null return super switch this throw true try typeof var void while with " +
    "yield let static implements interface package private protected public await arguments eval undefined NaN Infinity"
  ).split(" "),
);

/** Namespace keys that can become local variables of the generated function. */
function bindable(keys: readonly string[]): string[] {
  return keys.filter((k) => /^[A-Za-z_$][\w$]*$/.test(k) && !RESERVED.has(k) && !k.startsWith("_tt_"));
}

const MAX_VARIANTS = 64;
let stringCounter = 0;

/**
 * A compiled template. The source is parsed, its ancestors and includes are inlined, and the result is
 * compiled once into a JavaScript function that concatenates strings. Expressions are JavaScript;
 * namespace entries are local variables of that function. Runtime errors point at the template's
 * file and line through a source map registered with source-map-support.
 */
export class Template implements TemplateUnit {
  readonly name: string;
  readonly source: string;
  readonly sourcePath: string;
  readonly loader: TemplateLoaderLike | null;
  readonly whitespace: WhitespaceMode;
  /** Name of the escaping function in the namespace, or `null`; `{% autoescape %}` sets it for the file. */
  autoescape: string | null;
  readonly nodes: Node[];
  /** The generated JavaScript (without the per-namespace prologue), for debugging. */
  readonly code: string;
  private readonly generated: GeneratedCode;
  private readonly scriptName: string;
  private readonly defaults: Record<string, unknown>;
  private readonly variants = new Map<string, Execute>();
  private lastKeys: string[] = [];
  private lastFn: Execute | null = null;

  constructor(source: string, options: TemplateOptions = {}) {
    const loader = options.loader ?? null;
    this.name = options.name ?? "<string>";
    this.source = source;
    this.loader = loader;
    this.sourcePath = options.sourcePath ?? (this.name === "<string>" ? `<string#${++stringCounter}>` : this.name);
    const ws = options.whitespace ?? loader?.whitespace ?? defaultWhitespace(this.name);
    if (!isWhitespaceMode(ws)) throw new Error(`invalid whitespace mode ${String(ws)}`);
    this.whitespace = ws;
    this.autoescape = options.autoescape !== undefined ? options.autoescape : loader ? loader.autoescape : DEFAULT_AUTOESCAPE;
    this.defaults = { ...DEFAULT_NAMESPACE, ...(loader?.namespace ?? {}) };
    this.nodes = parseTemplate(source, this, ws);
    const load: UnitLoader | null = loader ? (name, from, line, kind) => loader.loadFrom(name, from as Template, line, kind) : null;
    this.generated = generateCode(this, load);
    this.code = this.generated.body.join("\n");
    const g = this.generated;
    this.scriptName = registerGenerated(this.sourcePath, this.code, (file) =>
      buildSourceMap(file, g.sources, g.sourcesContent, [null, ...g.origins, null]),
    );
    // Compile now so JavaScript syntax errors surface at load time, pointing at the template.
    this.variant([]);
  }

  /** Renders the template with `args` (plus the default and loader namespaces) and returns the text. */
  generate(args: Record<string, unknown> = {}): string {
    const keys = Object.keys(args);
    // Usually the same names as last time: compare them without building the cache key.
    const last = this.lastKeys;
    if (this.lastFn && last.length === keys.length) {
      let same = true;
      for (let i = 0; i < keys.length; i++) {
        if (keys[i] !== last[i]) {
          same = false;
          break;
        }
      }
      if (same) return this.lastFn(args);
    }
    const fn = this.variants.get(keys.join(",")) ?? this.variant(keys);
    this.lastKeys = keys;
    this.lastFn = fn;
    return fn(args);
  }

  /** Compiles the function specialised for one set of namespace keys (they become its local variables). */
  private variant(keys: string[]): Execute {
    const key = keys.join(",");
    const cached = this.variants.get(key);
    if (cached) return cached;
    const header =
      `(function (_tt_rt, _tt_d) { "use strict"; const _tt_s = _tt_rt.s, _tt_mod = _tt_rt.mod; ` +
      `var { ${bindable(Object.keys(this.defaults)).join(", ")} } = _tt_d; ` +
      `return function _tt_execute(_tt_a) { var { ${bindable(keys).join(", ")} } = _tt_a; let _tt_b = "";`;
    const script = `${header}\n${this.code}\n  return _tt_b;\n}; })`;
    let factory: (rt: typeof RUNTIME, d: Record<string, unknown>) => Execute;
    try {
      factory = vm.runInThisContext(script, { filename: this.scriptName });
    } catch (err) {
      throw this.syntaxError(err);
    }
    const fn = factory(RUNTIME, this.defaults);
    if (this.variants.size >= MAX_VARIANTS) this.variants.clear();
    this.variants.set(key, fn);
    return fn;
  }

  /** Turns a JavaScript syntax error in the generated code into a ParseError at the template line. */
  private syntaxError(err: unknown): unknown {
    if (!(err instanceof SyntaxError)) return err;
    const m = new RegExp(`${escapeRe(this.scriptName)}:(\\d+)`).exec(err.stack ?? "");
    const origin = m ? this.generated.origins[Number(m[1]) - 2] : undefined;
    const file = origin ? this.generated.sources[origin.source]! : this.sourcePath;
    const name = file === this.sourcePath ? this.name : file;
    const e = new ParseError(`${err.message} (JavaScript syntax error)`, name, origin?.line ?? 0);
    (e as { cause?: unknown }).cause = err;
    return e;
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
