// The blog's routes, mounted under /blog/ by ../server.ts.
import type { HandlerEntry } from "typhoon";
import { ComposeHandler, HomeHandler, PostHandler } from "./handlers.ts";
import { LoginHandler, LogoutHandler } from "./login.ts";

export const blogRoutes: HandlerEntry[] = [
  ["/blog/", HomeHandler, {}, "blog"],
  ["/blog/post/([^/]+)", PostHandler, {}, "post"],
  ["/blog/compose", ComposeHandler, {}, "compose"],
  ["/blog/login", LoginHandler],
  ["/blog/logout", LogoutHandler],
];
