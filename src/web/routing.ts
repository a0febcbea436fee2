import type { HandlerClass } from "./handler.js";

/** The empty argument list, shared by every match of a route without groups (frozen: only read). */
export const NO_ARGS = Object.freeze([]) as unknown as string[];

/** One route: a pattern matched against the whole request path, the handler class and its init args. */
export class URLSpec {
  readonly regex: RegExp;
  readonly handlerClass: HandlerClass;
  readonly initArgs: Record<string, unknown>;
  readonly name: string | undefined;
  private readonly reversePath: { parts: string[]; groups: number } | null;
  // A pattern that is a plain path (`/`, `/about`, `/robots\\.txt`) matches by string comparison.
  private readonly literal: string | undefined;

  constructor(pattern: string | RegExp, handlerClass: HandlerClass, initArgs: Record<string, unknown> = {}, name?: string) {
    const source = typeof pattern === "string" ? pattern : pattern.source;
    const bare = source.replace(/^\^/, "").replace(/(?<!\\)\$$/, "");
    this.regex = new RegExp(`^(?:${bare})$`, typeof pattern === "string" ? "" : pattern.flags.replace(/[gy]/g, ""));
    this.handlerClass = handlerClass;
    this.initArgs = initArgs;
    this.name = name;
    this.reversePath = reversible(bare);
    this.literal = this.regex.flags === "" && this.reversePath?.groups === 0 ? this.reversePath.parts[0] : undefined;
  }

  /** The capture groups if the path matches, else `null`. */
  match(path: string): string[] | null {
    if (this.literal !== undefined) return path === this.literal ? NO_ARGS : null;
    const m = this.regex.exec(path);
    if (!m) return null;
    if (m.length === 1) return NO_ARGS;
    return m.slice(1).map((g) => g ?? "");
  }

  /** Builds a path for this route from arguments, one per capture group (each URL-encoded). */
  reverse(...args: unknown[]): string {
    if (!this.reversePath) throw new Error(`Cannot reverse the pattern ${this.regex.source}: it is not a plain path with groups`);
    const { parts, groups } = this.reversePath;
    if (args.length !== groups) throw new Error(`reverseUrl for ${this.name ?? this.regex.source} needs ${groups} argument(s), got ${args.length}`);
    let out = parts[0]!;
    for (let i = 0; i < groups; i++) out += encodeURIComponent(String(args[i])).replace(/%2F/g, "/") + parts[i + 1]!;
    return out;
  }
}

/** Splits a pattern into literal parts around top-level groups, or null if it has other regex syntax. */
function reversible(source: string): { parts: string[]; groups: number } | null {
  const parts: string[] = [];
  let literal = "";
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (ch === "(") {
      let depth = 0;
      for (; i < source.length; i++) {
        if (source[i] === "\\") { i++; continue; }
        if (source[i] === "(") depth++;
        if (source[i] === ")" && --depth === 0) break;
      }
      parts.push(literal);
      literal = "";
      i++;
    } else if (ch === "\\") {
      // An escaped letter or digit is a class or an anchor (\d, \w, \b), not a character.
      const next = source[i + 1] ?? "";
      if (/[A-Za-z0-9]/.test(next)) return null;
      literal += next;
      i += 2;
    } else if ("[]{}*+?|.^$".includes(ch)) {
      return null;
    } else {
      literal += ch;
      i++;
    }
  }
  parts.push(literal);
  return { parts, groups: parts.length - 1 };
}

/** A handler entry as given to `new Application([...])`. */
export type HandlerEntry =
  | URLSpec
  | [pattern: string | RegExp, handler: HandlerClass]
  | [pattern: string | RegExp, handler: HandlerClass, initArgs: Record<string, unknown> | undefined]
  | [pattern: string | RegExp, handler: HandlerClass, initArgs: Record<string, unknown> | undefined, name: string];

/** Tornado's `url()`: a named route. */
export function url(pattern: string | RegExp, handler: HandlerClass, initArgs?: Record<string, unknown>, name?: string): URLSpec {
  return new URLSpec(pattern, handler, initArgs, name);
}
