// What every playground page shares: who is logged in. The blog's login (blog/login.ts) sets a secure
// cookie "user"; every demo reads it, so the chat shows your name once you have logged in to the blog.
import { RequestHandler } from "typhoon";

/** The base handler of all playground demos. */
export class PlaygroundHandler extends RequestHandler {
  /** The user name signed into the "user" cookie at login, or null (anyone may read, logged in or not). */
  override getCurrentUser(): string | null {
    return this.getSecureCookie("user");
  }
}
