/**
 * Whether `url` is a same-site relative path that is safe to redirect to: it starts with a single `/`,
 * and holds no backslash, control character or whitespace (browsers read `/\evil.com` and
 * `/\t/evil.com` as `//evil.com`, another host).
 */
export function isSafeRedirect(url: unknown): url is string {
  return typeof url === "string" && url.length > 0 && url.length <= 4096 && url[0] === "/" && url[1] !== "/" && !/[\\\x00-\x20\x7f]/.test(url);
}

/** `url` if it is a safe same-site path (see {@link isSafeRedirect}), else `fallback`. */
export function safeRedirectUrl(url: unknown, fallback = "/"): string {
  return isSafeRedirect(url) ? url : fallback;
}
