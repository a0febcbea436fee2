// What RequestHandler's auth methods delegate to (kept here so the handler stays thin).
export { getCookie, setCookie, clearCookie, clearAllCookies, setSecureCookie, getSecureCookie, getSecureCookieKeyVersion, handlerCreateSignedValue as createSignedValue } from "./secure-cookies.js";
export { xsrfToken, xsrfFormHtml, checkXsrfCookie } from "./xsrf.js";
export { loginUrlOf } from "./authenticated.js";
export { safeRedirectUrl } from "./redirect.js";
