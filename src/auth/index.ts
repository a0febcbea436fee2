// Users and security: cookies, signed values, current user, authenticated, XSRF, third-party login.
export { CookieError, parseCookieHeader, serializeCookie, unquoteCookieValue, type CookieOptions } from "./cookies.js";
export {
  createSignedValue,
  decodeSignedValue,
  decodeSignedValueBytes,
  getSignatureKeyVersion,
  type CookieSecret,
  type CreateSignedValueOptions,
  type DecodeSignedValueOptions,
} from "./signed-value.js";
export type { SecureCookieOptions, GetSecureCookieOptions, ClearCookieOptions } from "./secure-cookies.js";
export { authenticated } from "./authenticated.js";
export { isSafeRedirect, safeRedirectUrl } from "./redirect.js";
export { decodeXsrfToken } from "./xsrf.js";
export {
  OAuth2Mixin,
  OAuth2Error,
  pkceChallenge,
  type OAuth2Result,
  type OAuth2Settings,
  type AuthorizeRedirectOptions,
  type GetAuthenticatedUserOptions,
  type HandlerBase,
  type OAuth2Methods,
  type OAuth2HandlerClass,
} from "./oauth2.js";
export {
  googleProvider,
  githubProvider,
  facebookProvider,
  GoogleOAuth2Mixin,
  GitHubOAuth2Mixin,
  FacebookOAuth2Mixin,
  type OAuth2Provider,
  type OAuth2User,
  type OAuth2Token,
} from "./providers.js";
