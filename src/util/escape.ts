/** Escaping helpers shared by error pages, templates and handlers. */

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;" };
const HTML_SPECIAL = /[&<>"']/g;

/** Escapes a string so it is safe in HTML text and quoted attributes (Tornado's `xhtml_escape`). */
export function xhtmlEscape(value: unknown): string {
  const s = typeof value === "string" ? value : value == null ? "" : String(value);
  return HTML_SPECIAL.test(s) ? s.replace(HTML_SPECIAL, (c) => HTML_ESCAPES[c]!) : s;
}

/** Alias of {@link xhtmlEscape}, the name Tornado templates use. */
export const escape = xhtmlEscape;
