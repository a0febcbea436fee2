import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "../web/handler.js";
import { ConfigurationError, HTTPError } from "../web/errors.js";
import { genLog } from "../log/logger.js";
import { safeRedirectUrl } from "./redirect.js";
import type { OAuth2Provider, OAuth2Token, OAuth2User } from "./providers.js";

/** What `getAuthenticatedUser` resolves to. */
export interface OAuth2Result {
  /** The provider's user, mapped to common fields (`raw` keeps the provider's answer). */
  user: OAuth2User;
  /** The access token and what came with it. */
  token: OAuth2Token;
  /** The same-site path given as `next` to `authorizeRedirect` (default `/`), safe to redirect to. */
  next: string;
}

/** Options of `authorizeRedirect`. */
export interface AuthorizeRedirectOptions {
  /** Where the provider sends the user back (must be registered with it). Default: this URL without its query. */
  redirectUri?: string;
  /** Scopes to ask for. Default: the provider's. */
  scope?: string[];
  /** More query parameters for the authorization URL (e.g. `{ prompt: "select_account" }`). */
  extraParams?: Record<string, string>;
  /** Where to go after login; kept only if it is a same-site path. Default: the `next` argument, else `/`. */
  next?: string;
}

/** Options of `getAuthenticatedUser`. */
export interface GetAuthenticatedUserOptions {
  /** The redirect URI used in `authorizeRedirect` (default: the one remembered in the state cookie). */
  redirectUri?: string;
}

/** Client credentials and endpoint overrides, from the provider's settings key (e.g. `googleOAuth`). */
export interface OAuth2Settings {
  /** Client id (Tornado's `key`; `clientId` is accepted too). */
  key?: string;
  /** Client secret (Tornado's `secret`; `clientSecret` is accepted too). */
  secret?: string;
  clientId?: string;
  clientSecret?: string;
  /** Override the provider's endpoints (tests, self-hosted providers). */
  authorizeUrl?: string;
  tokenUrl?: string;
  userInfoUrl?: string;
}

/**
 * A failed third-party login: the provider refused (401), the `state` did not match (403), or the
 * provider could not be reached or answered nonsense (502). `code` is the provider's error code if any;
 * details go to the log, not to the page.
 */
export class OAuth2Error extends HTTPError {
  readonly code: string;
  constructor(status: number, code: string, logMessage: string) {
    super(status, logMessage, { reason: status === 403 ? "Invalid OAuth2 state" : status === 401 ? "Login refused" : status === 502 ? "Login provider error" : undefined });
    this.name = "OAuth2Error";
    this.code = code;
  }
}

const STATE_MAX_AGE_MS = 10 * 60 * 1000;
const FETCH_TIMEOUT_MS = 15_000;

const b64url = (b: Buffer): string => b.toString("base64url");

/** The PKCE S256 challenge of a verifier (RFC 7636). */
export function pkceChallenge(verifier: string): string {
  return b64url(createHash("sha256").update(verifier).digest());
}

interface StoredState { s: string; v: string; n: string; r: string }

/** Any handler class a mixin can extend. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type HandlerBase = new (...args: any[]) => RequestHandler;

/** The methods {@link OAuth2Mixin} adds to a handler class. */
export interface OAuth2Methods {
  /** The provider, with endpoint overrides from its settings key applied. */
  oauth2Provider(): OAuth2Provider;
  /** The provider's settings (`{ key, secret }` under e.g. `googleOAuth`); a configuration error if absent. */
  oauth2Settings(): OAuth2Settings;
  /** Client id and secret from the settings. */
  oauth2Credentials(): { clientId: string; clientSecret: string };
  /** The name of the signed cookie holding the state and PKCE verifier. */
  oauth2StateCookieName(): string;
  /** Redirects to the provider's authorization page with a fresh `state` and PKCE challenge. */
  authorizeRedirect(options?: AuthorizeRedirectOptions): Promise<void>;
  /** Completes the login on the redirect back: checks `error` and `state`, exchanges the code, fetches the user. */
  getAuthenticatedUser(options?: GetAuthenticatedUserOptions): Promise<OAuth2Result>;
  /** Calls a provider API with the access token (Bearer) and returns its JSON answer; 502 on failure. */
  oauth2Request(url: string, accessToken: string, init?: { method?: string; params?: Record<string, string>; body?: Record<string, string> }): Promise<Record<string, unknown>>;
  /** `fetch` with JSON answers, a timeout, the request's abort signal, and failures as 502s. */
  oauth2Fetch(what: string, url: string, init: RequestInit): Promise<Record<string, unknown>>;
}

/** A handler class with the OAuth 2 methods mixed in. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OAuth2HandlerClass<TBase extends HandlerBase> = TBase & (new (...args: any[]) => OAuth2Methods);

async function readJsonOrForm(res: Response): Promise<Record<string, unknown>> {
  const text = await res.text();
  if (text.length > 1_000_000) throw new Error("answer too large");
  const type = res.headers.get("content-type") ?? "";
  if (/application\/x-www-form-urlencoded|text\/plain/.test(type) && !text.trimStart().startsWith("{")) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  const parsed: unknown = JSON.parse(text);
  // Arrays pass too (GitHub's e-mail list); callers that need fields check them.
  if (parsed === null || typeof parsed !== "object") throw new Error("answer is not a JSON object");
  return parsed as Record<string, unknown>;
}

/**
 * Adds the OAuth 2 authorization-code flow (with `state` and PKCE S256) to a handler class, as Tornado's
 * `OAuth2Mixin`: `authorizeRedirect()` sends the user to the provider, `getAuthenticatedUser()` checks
 * the answer, exchanges the code for a token and fetches the user. The state and PKCE verifier travel in
 * a short-lived signed cookie (so `cookieSecret` is required).
 *
 * ```ts
 * class GoogleLogin extends GoogleOAuth2Mixin(RequestHandler) {
 *   async get() {
 *     if (this.getArgument("code", "") || this.getArgument("error", "")) {
 *       const { user, next } = await this.getAuthenticatedUser();
 *       this.setSecureCookie("user", user.email ?? user.id);
 *       return this.redirect(next);
 *     }
 *     await this.authorizeRedirect();
 *   }
 * }
 * ```
 */
export function OAuth2Mixin<TBase extends HandlerBase>(Base: TBase, provider: OAuth2Provider): OAuth2HandlerClass<TBase> {
  class OAuth2Handler extends Base implements OAuth2Methods {
    /** The provider, with endpoint overrides from its settings key applied. */
    oauth2Provider(): OAuth2Provider {
      const s = this.oauth2Settings();
      return {
        ...provider,
        authorizeUrl: s.authorizeUrl ?? provider.authorizeUrl,
        tokenUrl: s.tokenUrl ?? provider.tokenUrl,
        userInfoUrl: s.userInfoUrl ?? provider.userInfoUrl,
      };
    }

    /** The provider's settings (`{ key, secret }` under e.g. `googleOAuth`); a configuration error if absent. */
    oauth2Settings(): OAuth2Settings {
      const s = this.settings[provider.settingsKey] as OAuth2Settings | undefined;
      if (!s || typeof s !== "object") throw new ConfigurationError(`${provider.name} login needs the "${provider.settingsKey}" setting: { key, secret }`);
      return s;
    }

    /** Client id and secret from the settings. */
    oauth2Credentials(): { clientId: string; clientSecret: string } {
      const s = this.oauth2Settings();
      const clientId = s.clientId ?? s.key;
      const clientSecret = s.clientSecret ?? s.secret;
      if (!clientId || !clientSecret) throw new ConfigurationError(`"${provider.settingsKey}" needs a client id (key) and secret`);
      return { clientId, clientSecret };
    }

    /** The name of the signed cookie holding the state and PKCE verifier. */
    oauth2StateCookieName(): string {
      return `_oauth2_${provider.name}`;
    }

    /** Redirects to the provider's authorization page with a fresh `state` and PKCE challenge. */
    async authorizeRedirect(options: AuthorizeRedirectOptions = {}): Promise<void> {
      const p = this.oauth2Provider();
      const { clientId } = this.oauth2Credentials();
      const redirectUri = options.redirectUri ?? `${this.request.protocol}://${this.request.host}${this.request.path}`;
      const state = b64url(randomBytes(24));
      const verifier = b64url(randomBytes(32));
      const next = safeRedirectUrl(options.next ?? this.getArgument("next", ""), "/");
      const stored: StoredState = { s: state, v: verifier, n: next, r: redirectUri };
      this.setSecureCookie(this.oauth2StateCookieName(), b64url(Buffer.from(JSON.stringify(stored))), {
        expires: Date.now() + STATE_MAX_AGE_MS,
        expiresDays: undefined,
        httpOnly: true,
        // Lax, not strict: the provider's redirect back is a cross-site top-level GET.
        sameSite: "lax",
        secure: this.request.protocol === "https",
      });
      const url = new URL(p.authorizeUrl);
      const params: Record<string, string> = {
        response_type: "code",
        client_id: clientId,
        redirect_uri: redirectUri,
        scope: (options.scope ?? p.scope).join(p.scopeSeparator ?? " "),
        state,
        code_challenge: pkceChallenge(verifier),
        code_challenge_method: "S256",
        ...(p.authorizeParams ?? {}),
        ...(options.extraParams ?? {}),
      };
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      this.redirect(url.toString());
    }

    /**
     * Completes the login on the redirect back from the provider: checks `error` and `state`, exchanges
     * the code (with the PKCE verifier) for a token and fetches the user.
     */
    async getAuthenticatedUser(options: GetAuthenticatedUserOptions = {}): Promise<OAuth2Result> {
      const p = this.oauth2Provider();
      const cookieName = this.oauth2StateCookieName();
      const raw = this.getSecureCookie(cookieName, { maxAgeDays: STATE_MAX_AGE_MS / 86_400_000 });
      this.clearCookie(cookieName);
      const error = this.getArgument("error", "");
      if (error) {
        throw new OAuth2Error(401, error.slice(0, 100), `${p.name} refused the login: ${error.slice(0, 100)} ${this.getArgument("error_description", "").slice(0, 200)}`);
      }
      let stored: StoredState | null = null;
      try {
        const parsed: unknown = raw === null ? null : JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
        if (parsed && typeof parsed === "object" && ["s", "v", "n", "r"].every((k) => typeof (parsed as Record<string, unknown>)[k] === "string")) stored = parsed as StoredState;
      } catch { /* treated as missing */ }
      if (!stored) throw new OAuth2Error(403, "state_missing", `${p.name} login: no valid OAuth2 state cookie (expired, or the flow did not start here)`);
      const state = Buffer.from(this.getArgument("state", ""));
      const expected = Buffer.from(stored.s);
      if (state.length !== expected.length || !timingSafeEqual(state, expected)) {
        throw new OAuth2Error(403, "state_mismatch", `${p.name} login: the state parameter does not match the state cookie`);
      }
      const code = this.getArgument("code", "");
      if (!code) throw new OAuth2Error(400, "code_missing", `${p.name} login: no code in the redirect`);
      const { clientId, clientSecret } = this.oauth2Credentials();
      const form = new URLSearchParams({
        grant_type: "authorization_code",
        code,
        redirect_uri: options.redirectUri ?? stored.r,
        client_id: clientId,
        client_secret: clientSecret,
        code_verifier: stored.v,
      });
      const tokenAnswer = await this.oauth2Fetch("token", p.tokenMethod === "GET" ? `${p.tokenUrl}${p.tokenUrl.includes("?") ? "&" : "?"}${form}` : p.tokenUrl, p.tokenMethod === "GET"
        ? { method: "GET" }
        : { method: "POST", body: form.toString(), headers: { "Content-Type": "application/x-www-form-urlencoded" } });
      if (typeof tokenAnswer.error === "string" || typeof tokenAnswer.access_token !== "string") {
        throw new OAuth2Error(401, String(tokenAnswer.error ?? "no_token").slice(0, 100), `${p.name} token endpoint refused the code: ${JSON.stringify(tokenAnswer).slice(0, 300)}`);
      }
      const token: OAuth2Token = {
        accessToken: tokenAnswer.access_token,
        tokenType: typeof tokenAnswer.token_type === "string" ? tokenAnswer.token_type : undefined,
        expiresIn: tokenAnswer.expires_in === undefined ? undefined : Number(tokenAnswer.expires_in),
        refreshToken: typeof tokenAnswer.refresh_token === "string" ? tokenAnswer.refresh_token : undefined,
        scope: typeof tokenAnswer.scope === "string" ? tokenAnswer.scope : undefined,
        idToken: typeof tokenAnswer.id_token === "string" ? tokenAnswer.id_token : undefined,
        raw: tokenAnswer,
      };
      const info = await this.oauth2Request(p.userInfoUrl, token.accessToken, { params: p.userInfoParams?.(token.accessToken, clientSecret) });
      let user = p.mapUser(info);
      if (p.complete) user = await p.complete(user, (url) => this.oauth2Request(url, token.accessToken));
      return { user, token, next: safeRedirectUrl(stored.n, "/") };
    }

    /** Calls a provider API with the access token (Bearer) and returns its JSON answer; 502 on failure. */
    async oauth2Request(url: string, accessToken: string, init: { method?: string; params?: Record<string, string>; body?: Record<string, string> } = {}): Promise<Record<string, unknown>> {
      const u = new URL(url);
      for (const [k, v] of Object.entries(init.params ?? {})) u.searchParams.set(k, v);
      return this.oauth2Fetch("API", u.toString(), {
        method: init.method ?? (init.body ? "POST" : "GET"),
        headers: { Authorization: `Bearer ${accessToken}`, ...(init.body ? { "Content-Type": "application/x-www-form-urlencoded" } : {}) },
        body: init.body ? new URLSearchParams(init.body).toString() : undefined,
      });
    }

    /** `fetch` with JSON answers, a timeout, the request's abort signal, and failures as 502s. */
    async oauth2Fetch(what: string, url: string, init: RequestInit): Promise<Record<string, unknown>> {
      const name = provider.name;
      let res: Response;
      try {
        res = await fetch(url, {
          ...init,
          redirect: "error",
          headers: { Accept: "application/json", "User-Agent": "Typhoon", ...(init.headers as Record<string, string> | undefined) },
          signal: AbortSignal.any([this.request.signal, AbortSignal.timeout(FETCH_TIMEOUT_MS)]),
        });
      } catch (err) {
        throw new OAuth2Error(502, "unreachable", `${name} ${what} request failed: ${(err as Error).message}`);
      }
      let body: Record<string, unknown>;
      try {
        body = await readJsonOrForm(res);
      } catch (err) {
        throw new OAuth2Error(502, "bad_answer", `${name} ${what} answered ${res.status} with an unreadable body: ${(err as Error).message}`);
      }
      if (!res.ok && typeof body.error !== "string" && typeof body.error !== "object") {
        throw new OAuth2Error(502, `http_${res.status}`, `${name} ${what} answered ${res.status}`);
      }
      if (!res.ok && what !== "token") {
        genLog.warning(`${name} ${what} answered ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
        throw new OAuth2Error(502, `http_${res.status}`, `${name} ${what} answered ${res.status}`);
      }
      return body;
    }
  }
  return OAuth2Handler;
}
