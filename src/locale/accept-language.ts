/**
 * The language codes of an `Accept-Language` header, best first by q-value (ties keep header order).
 * Entries with q=0, a malformed or negative q (treated as 0, as Tornado does) are dropped; anything
 * unparsable is ignored, never thrown.
 */
export function parseAcceptLanguage(header: string | string[] | null | undefined): string[] {
  if (Array.isArray(header)) header = header.join(",");
  if (typeof header !== "string" || !header) return [];
  const entries: Array<{ code: string; q: number; i: number }> = [];
  header.slice(0, 4096).split(",").forEach((part, i) => {
    const [tag, ...params] = part.trim().split(";");
    const code = (tag ?? "").trim();
    let q = 1;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    if (qParam !== undefined) {
      q = /^\d+(\.\d*)?$|^\.\d+$/.test(qParam.slice(2).trim()) ? Number(qParam.slice(2)) : 0;
    }
    if (code && q > 0 && /^[A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*$/.test(code)) entries.push({ code, q, i });
  });
  entries.sort((a, b) => b.q - a.q || a.i - b.i);
  return entries.map((e) => e.code);
}
