const ETAG_TOKEN = /\*|(?:W\/)?"[^"]*"/g;

/**
 * Tornado's `If-None-Match` check: `*` matches anything, otherwise a weak comparison of each listed
 * tag with `etag`. An empty or unparsable header never matches.
 */
export function checkEtagHeader(ifNoneMatch: string | string[] | undefined, etag: string | undefined): boolean {
  if (!ifNoneMatch || !etag) return false;
  const header = Array.isArray(ifNoneMatch) ? ifNoneMatch.join(",") : ifNoneMatch;
  const tokens = header.match(ETAG_TOKEN);
  if (!tokens) return false;
  if (tokens[0] === "*") return true;
  const weak = (t: string) => (t.startsWith("W/") ? t.slice(2) : t);
  const target = weak(etag);
  return tokens.some((t) => weak(t) === target);
}
