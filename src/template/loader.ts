import fs from "node:fs";
import path from "node:path";
import { ParseError } from "./errors.js";
import { DEFAULT_AUTOESCAPE, Template, type TemplateLoaderLike } from "./template.js";
import { isWhitespaceMode, type WhitespaceMode } from "./whitespace.js";

/** Options shared by every loader. */
export interface LoaderOptions {
  /** Name of the escaping function for `{{ }}`, or `null` to disable escaping. Default `"xhtmlEscape"`. */
  autoescape?: string | null;
  /** Extra names for every template of this loader. */
  namespace?: Record<string, unknown>;
  /** Whitespace mode for every template (default: by file extension). */
  whitespace?: WhitespaceMode | null;
}

/** Thrown by `createTemplate` when a template does not exist. */
export class TemplateNotFoundError extends Error {
  constructor(readonly templateName: string, readonly path?: string) {
    super(`template not found: ${templateName}${path && path !== templateName ? ` (${path})` : ""}`);
    this.name = "TemplateNotFoundError";
  }
}

class CircularTemplateError extends Error {
  constructor(readonly chain: string[]) {
    super(`circular template reference: ${chain.join(" → ")}`);
  }
}

/**
 * Base class of template loaders: resolves names, compiles each template once and caches it until
 * {@link BaseLoader.reset}. `extends` and `include` go through the same cache, and a template that
 * (directly or not) extends or includes itself is a {@link ParseError} at the offending tag.
 */
export abstract class BaseLoader implements TemplateLoaderLike {
  readonly autoescape: string | null;
  readonly namespace: Record<string, unknown>;
  readonly whitespace: WhitespaceMode | null;
  /** Compiled templates by resolved name. */
  readonly templates = new Map<string, Template>();
  private readonly loading: string[] = [];

  constructor(options: LoaderOptions = {}) {
    this.autoescape = options.autoescape !== undefined ? options.autoescape : DEFAULT_AUTOESCAPE;
    this.namespace = options.namespace ?? {};
    const ws = options.whitespace ?? null;
    if (ws !== null && !isWhitespaceMode(ws)) throw new Error(`invalid whitespace mode ${String(ws)}`);
    this.whitespace = ws;
  }

  /** Forgets every compiled template: the next `load` reads and compiles again. */
  reset(): void {
    this.templates.clear();
  }

  /** Converts a name relative to `parentPath` into the loader's canonical name. */
  abstract resolvePath(name: string, parentPath?: string): string;

  /** Reads and compiles one template (no caching; {@link load} caches). */
  protected abstract createTemplate(name: string): Template;

  /** Returns the compiled template `name` (relative to `parentPath`), compiling it on first use. */
  load(name: string, parentPath?: string): Template {
    const resolved = this.resolvePath(name, parentPath);
    const cached = this.templates.get(resolved);
    if (cached) return cached;
    if (this.loading.includes(resolved)) {
      throw new CircularTemplateError([...this.loading.slice(this.loading.indexOf(resolved)), resolved]);
    }
    this.loading.push(resolved);
    try {
      const template = this.createTemplate(resolved);
      this.templates.set(resolved, template);
      return template;
    } finally {
      this.loading.pop();
    }
  }

  /** Loads the target of an `extends`/`include` tag, reporting problems at that tag. */
  loadFrom(name: string, parent: Template, line: number, kind: "extends" | "include"): Template {
    try {
      return this.load(name, parent.name);
    } catch (err) {
      if (err instanceof TemplateNotFoundError) throw new ParseError(`${kind} of missing file "${name}"`, parent.name, line);
      if (err instanceof CircularTemplateError) throw new ParseError(`circular ${kind}: ${err.chain.join(" → ")}`, parent.name, line);
      throw err;
    }
  }
}

/** Loads templates from files under one root directory (Tornado's `Loader`). */
export class Loader extends BaseLoader {
  /** Absolute root directory. */
  readonly root: string;

  constructor(rootDirectory: string, options: LoaderOptions = {}) {
    super(options);
    this.root = path.resolve(rootDirectory);
  }

  resolvePath(name: string, parentPath?: string): string {
    if (parentPath && !parentPath.startsWith("<") && !parentPath.startsWith("/") && !name.startsWith("/")) {
      const fileDir = path.dirname(path.resolve(this.root, parentPath));
      const relative = path.resolve(fileDir, name);
      if (relative.startsWith(this.root + path.sep)) return relative.slice(this.root.length + 1);
    }
    return name;
  }

  protected createTemplate(name: string): Template {
    const file = path.join(this.root, name);
    let source: string;
    try {
      source = fs.readFileSync(file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT" || (err as NodeJS.ErrnoException).code === "EISDIR") {
        throw new TemplateNotFoundError(name, file);
      }
      throw err;
    }
    if (source.charCodeAt(0) === 0xfeff) source = source.slice(1);
    return new Template(source, { name, loader: this, sourcePath: file });
  }
}

/** Loads templates from an object of `name → source` (Tornado's `DictLoader`). */
export class DictLoader extends BaseLoader {
  constructor(
    readonly dict: Record<string, string>,
    options: LoaderOptions = {},
  ) {
    super(options);
  }

  resolvePath(name: string, parentPath?: string): string {
    if (parentPath && !parentPath.startsWith("<") && !parentPath.startsWith("/") && !name.startsWith("/")) {
      return path.posix.normalize(path.posix.join(path.posix.dirname(parentPath), name));
    }
    return name;
  }

  protected createTemplate(name: string): Template {
    if (!Object.prototype.hasOwnProperty.call(this.dict, name)) throw new TemplateNotFoundError(name);
    return new Template(this.dict[name]!, { name, loader: this });
  }
}
