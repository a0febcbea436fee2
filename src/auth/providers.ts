import { createHmac } from "node:crypto";
import type { HandlerBase, OAuth2HandlerClass } from "./oauth2.js";
import { OAuth2Mixin } from "./oauth2.js";

/** A user as a provider describes them, mapped to common fields. */
export interface OAuth2User {
  /** The provider's stable user id (as a string). */
  id: string;
  /** Display name. */
  name?: string;
  /** E-mail address, if the provider gave one (and, where it says, verified). */
  email?: string;
  /** Avatar URL. */
  picture?: string;
  /** Handle (GitHub login). */
  username?: string;
  /** The provider's answer as received. */
  raw: Record<string, unknown>;
}

/** An access token answer. */
export interface OAuth2Token {
  accessToken: string;
  tokenType?: string;
  expiresIn?: number;
  refreshToken?: string;
  scope?: string;
  idToken?: string;
  /** The token endpoint's answer as received. */
  raw: Record<string, unknown>;
}

/** Endpoints, scopes and user mapping of an OAuth 2 provider. */
export interface OAuth2Provider {
  /** Short name, used in the state cookie's name and log lines. */
  name: string;
  /** Application setting holding `{ key, secret }` (e.g. `"googleOAuth"`). */
  settingsKey: string;
  authorizeUrl: string;
  tokenUrl: string;
  userInfoUrl: string;
  /** Default scopes. */
  scope: string[];
  /** How scopes are joined. Default `" "`. */
  scopeSeparator?: string;
  /** How the token endpoint is called. Default `"POST"` (form body). */
  tokenMethod?: "GET" | "POST";
  /** Extra authorization parameters (e.g. Google's `access_type`). */
  authorizeParams?: Record<string, string>;
  /** Query parameters for the user-info request. */
  userInfoParams?: (accessToken: string, clientSecret: string) => Record<string, string>;
  /** Maps the user-info answer to an {@link OAuth2User}. */
  mapUser(info: Record<string, unknown>): OAuth2User;
  /** Completes a user with further API calls (e.g. GitHub's e-mail list). */
  complete?(user: OAuth2User, request: (url: string) => Promise<Record<string, unknown>>): Promise<OAuth2User>;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v ? v : typeof v === "number" ? String(v) : undefined);

/** Google (OpenID Connect user info; settings key `googleOAuth`). */
export const googleProvider: OAuth2Provider = {
  name: "google",
  settingsKey: "googleOAuth",
  authorizeUrl: "https://accounts.google.com/o/oauth2/v2/auth",
  tokenUrl: "https://oauth2.googleapis.com/token",
  userInfoUrl: "https://openidconnect.googleapis.com/v1/userinfo",
  scope: ["openid", "email", "profile"],
  mapUser: (info) => ({
    id: str(info.sub) ?? str(info.id) ?? "",
    name: str(info.name),
    email: info.email_verified === false ? undefined : str(info.email),
    picture: str(info.picture),
    raw: info,
  }),
};

/** GitHub (settings key `githubOAuth`); fills in the primary verified e-mail when the profile hides it. */
export const githubProvider: OAuth2Provider = {
  name: "github",
  settingsKey: "githubOAuth",
  authorizeUrl: "https://github.com/login/oauth/authorize",
  tokenUrl: "https://github.com/login/oauth/access_token",
  userInfoUrl: "https://api.github.com/user",
  scope: ["read:user", "user:email"],
  mapUser: (info) => ({
    id: str(info.id) ?? "",
    name: str(info.name) ?? str(info.login),
    email: str(info.email),
    picture: str(info.avatar_url),
    username: str(info.login),
    raw: info,
  }),
  async complete(user, request) {
    if (user.email) return user;
    try {
      const answer = await request(`${this.userInfoUrl.replace(/\/+$/, "")}/emails`);
      // The API answers a JSON array; oauth2Fetch hands non-objects back as a failure, so accept both shapes.
      const list = (Array.isArray(answer) ? answer : Object.values(answer)) as Array<Record<string, unknown>>;
      const primary = list.find((e) => e && e.primary === true && e.verified === true);
      return primary && typeof primary.email === "string" ? { ...user, email: primary.email } : user;
    } catch {
      return user;
    }
  },
};

/** Facebook Graph API (settings key `facebookOAuth`); signs API calls with `appsecret_proof`. */
export const facebookProvider: OAuth2Provider = {
  name: "facebook",
  settingsKey: "facebookOAuth",
  authorizeUrl: "https://www.facebook.com/v19.0/dialog/oauth",
  tokenUrl: "https://graph.facebook.com/v19.0/oauth/access_token",
  userInfoUrl: "https://graph.facebook.com/v19.0/me",
  scope: ["public_profile", "email"],
  scopeSeparator: ",",
  tokenMethod: "GET",
  userInfoParams: (accessToken, clientSecret) => ({
    fields: "id,name,email,picture",
    appsecret_proof: createHmac("sha256", clientSecret).update(accessToken).digest("hex"),
  }),
  mapUser: (info) => {
    const pic = info.picture as { data?: { url?: unknown } } | undefined;
    return { id: str(info.id) ?? "", name: str(info.name), email: str(info.email), picture: str(pic?.data?.url), raw: info };
  },
};

/** Google login for a handler class (`{ googleOAuth: { key, secret } }`). */
export function GoogleOAuth2Mixin<TBase extends HandlerBase>(Base: TBase): OAuth2HandlerClass<TBase> {
  return OAuth2Mixin(Base, googleProvider);
}

/** GitHub login for a handler class (`{ githubOAuth: { key, secret } }`). */
export function GitHubOAuth2Mixin<TBase extends HandlerBase>(Base: TBase): OAuth2HandlerClass<TBase> {
  return OAuth2Mixin(Base, githubProvider);
}

/** Facebook login for a handler class (`{ facebookOAuth: { key, secret } }`). */
export function FacebookOAuth2Mixin<TBase extends HandlerBase>(Base: TBase): OAuth2HandlerClass<TBase> {
  return OAuth2Mixin(Base, facebookProvider);
}
