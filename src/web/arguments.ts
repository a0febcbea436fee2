// RequestHandler's argument accessors (Tornado's get_argument family).
import type { Arguments } from "../http/request.js";
import { MissingArgumentError } from "./errors.js";
import type { RequestHandler } from "./handler.js";
import { extendRequestHandler } from "./extend.js";

declare module "./handler.js" {
  interface RequestHandler {
    /**
     * The last value of argument `name` from the query or body. Without a default, a missing argument
     * is a 400 naming it. Control characters become spaces; values are stripped unless `strip` is false.
     */
    getArgument(name: string, defaultValue?: string, strip?: boolean): string;
    /** All values of argument `name` (query and body), possibly none. */
    getArguments(name: string, strip?: boolean): string[];
    /** Like `getArgument`, from the query string only. */
    getQueryArgument(name: string, defaultValue?: string, strip?: boolean): string;
    /** All values of a query argument. */
    getQueryArguments(name: string, strip?: boolean): string[];
    /** Like `getArgument`, from the form body only. */
    getBodyArgument(name: string, defaultValue?: string, strip?: boolean): string;
    /** All values of a body argument. */
    getBodyArguments(name: string, strip?: boolean): string[];
  }
}

const CONTROL_CHARS = /[\x00-\x08\x0e-\x1f]/g;

function clean(value: string, strip = true): string {
  const cleaned = value.replace(CONTROL_CHARS, " ");
  return strip ? cleaned.trim() : cleaned;
}

// `hasDefault` rather than `defaultValue === undefined`: getArgument("x", undefined) asks for no 400.
function last(source: Arguments, name: string, hasDefault: boolean, defaultValue: string | undefined, strip?: boolean): string {
  const values = source[name];
  if (!values || values.length === 0) {
    if (!hasDefault) throw new MissingArgumentError(name);
    return defaultValue as string;
  }
  return clean(values[values.length - 1]!, strip);
}

extendRequestHandler({
  getArgument(this: RequestHandler, name: string, defaultValue?: string, strip?: boolean): string {
    return last(this.request.arguments, name, arguments.length >= 2, defaultValue, strip);
  },
  getArguments(this: RequestHandler, name: string, strip?: boolean): string[] {
    return (this.request.arguments[name] ?? []).map((v) => clean(v, strip));
  },
  getQueryArgument(this: RequestHandler, name: string, defaultValue?: string, strip?: boolean): string {
    return last(this.request.queryArguments, name, arguments.length >= 2, defaultValue, strip);
  },
  getQueryArguments(this: RequestHandler, name: string, strip?: boolean): string[] {
    return (this.request.queryArguments[name] ?? []).map((v) => clean(v, strip));
  },
  getBodyArgument(this: RequestHandler, name: string, defaultValue?: string, strip?: boolean): string {
    return last(this.request.bodyArguments, name, arguments.length >= 2, defaultValue, strip);
  },
  getBodyArguments(this: RequestHandler, name: string, strip?: boolean): string[] {
    return (this.request.bodyArguments[name] ?? []).map((v) => clean(v, strip));
  },
});
