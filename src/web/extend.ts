import { RequestHandler } from "./handler.js";

/**
 * Adds methods and accessors to `RequestHandler.prototype` the way a class body would (not
 * enumerable, overridable by subclasses). Each part of the framework (arguments, cookies and XSRF,
 * static URLs, templates and locale) declares its handler methods beside its own code through module
 * augmentation and installs them with this, so handler.ts keeps only the request life cycle.
 */
export function extendRequestHandler(
  methods: Record<string, (this: RequestHandler, ...args: never[]) => unknown>,
  accessors: Record<string, { get(this: RequestHandler): unknown; set?(this: RequestHandler, value: never): void }> = {},
  defaults: Record<string, unknown> = {},
): void {
  const proto = RequestHandler.prototype as unknown as Record<string, unknown>;
  for (const [name, fn] of Object.entries(methods)) {
    Object.defineProperty(proto, name, { value: fn, writable: true, configurable: true, enumerable: false });
  }
  for (const [name, { get, set }] of Object.entries(accessors)) {
    Object.defineProperty(proto, name, { get, set, configurable: true, enumerable: false });
  }
  // Default values of instance properties: an assignment on the instance shadows them.
  for (const [name, value] of Object.entries(defaults)) {
    Object.defineProperty(proto, name, { value, writable: true, configurable: true, enumerable: false });
  }
}
