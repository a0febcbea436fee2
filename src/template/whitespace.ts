/** How a template's literal text is filtered (Tornado's `filter_whitespace` modes). */
export type WhitespaceMode = "all" | "single" | "oneline";

const MODES = new Set<string>(["all", "single", "oneline"]);

/** True when `mode` names a whitespace mode. */
export function isWhitespaceMode(mode: unknown): mode is WhitespaceMode {
  return typeof mode === "string" && MODES.has(mode);
}

/**
 * Transforms whitespace in `text` according to `mode`: `all` leaves it alone, `single` collapses runs
 * of spaces/tabs to one space and whitespace around newlines to one newline, `oneline` collapses every
 * whitespace run to one space.
 */
export function filterWhitespace(mode: WhitespaceMode, text: string): string {
  switch (mode) {
    case "all":
      return text;
    case "single":
      return text.replace(/[\t ]+/g, " ").replace(/\s*\n\s*/g, "\n");
    case "oneline":
      return text.replace(/\s+/g, " ");
    default:
      throw new Error(`invalid whitespace mode ${String(mode)}`);
  }
}

/** The default mode for a template name: `single` for `.html` and `.js`, `all` otherwise. */
export function defaultWhitespace(name: string): WhitespaceMode {
  return name.endsWith(".html") || name.endsWith(".js") ? "single" : "all";
}
