import path from "node:path";
import { fileURLToPath } from "node:url";
import { Loader, type BaseLoader } from "./loader.js";
import type { WhitespaceMode } from "./whitespace.js";

/** The template-related settings a handler reads. */
export interface TemplateSettings {
  templatePath?: string;
  templateLoader?: unknown;
  autoescape?: string | null;
  templateWhitespace?: WhitespaceMode;
  compiledTemplateCache?: boolean;
}

/** Anything with `load(name)` (and optionally `reset()`) can serve as the `templateLoader` setting. */
export interface LoaderLike {
  load(name: string, parentPath?: string): { generate(args?: Record<string, unknown>): string };
  reset?(): void;
}

// Process-global like Tornado's `RequestHandler._template_loaders`, keyed by folder and by the options
// that shape compilation, so two applications with different `autoescape` never share templates.
const loaders = new Map<string, BaseLoader>();

/** Creates the default loader for a template folder (`RequestHandler.createTemplateLoader`). */
export function createDefaultLoader(templatePath: string, settings: TemplateSettings): BaseLoader {
  const options: { autoescape?: string | null; whitespace?: WhitespaceMode } = {};
  if (settings.autoescape !== undefined) options.autoescape = settings.autoescape;
  if (settings.templateWhitespace !== undefined) options.whitespace = settings.templateWhitespace;
  return new Loader(templatePath, options);
}

/** The shared loader for a folder, created by `create` on first use. */
export function sharedLoader(templatePath: string, settings: TemplateSettings, create: (p: string) => LoaderLike): LoaderLike {
  if (settings.templateLoader) return settings.templateLoader as LoaderLike;
  const key = `${path.resolve(templatePath)}\0${settings.autoescape === undefined ? "" : String(settings.autoescape)}\0${settings.templateWhitespace ?? ""}`;
  let loader = loaders.get(key);
  if (!loader) {
    loader = create(templatePath) as BaseLoader;
    loaders.set(key, loader);
  }
  return loader;
}

const FRAMEWORK_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..") + path.sep;
const FRAME_FILE = /\(?((?:file:\/\/)?\/[^():]+|[A-Za-z]:\\[^():]+):\d+:\d+\)?$/;

/**
 * The folder of the code that called into the framework: Tornado's default template folder when
 * `templatePath` is not set (the folder of the handler's source file). Falls back to the working directory.
 */
export function callerDirectory(): string {
  const stack = new Error().stack ?? "";
  for (const line of stack.split("\n").slice(1)) {
    const m = FRAME_FILE.exec(line.trim());
    if (!m) continue;
    const file = m[1]!.startsWith("file://") ? fileURLToPath(m[1]!) : m[1]!;
    if (file.startsWith(FRAMEWORK_ROOT + "src" + path.sep) || file.startsWith(FRAMEWORK_ROOT + "dist" + path.sep)) continue;
    if (file.includes(`${path.sep}node_modules${path.sep}`) || file.startsWith("node:")) continue;
    return path.dirname(file);
  }
  return process.cwd();
}
