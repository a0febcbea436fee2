// The home page: one link per demo.
import type { HandlerEntry } from "typhoon";
import { PlaygroundHandler } from "./base.ts";

class HomeHandler extends PlaygroundHandler {
  get() {
    return this.render("home.html");
  }
}

export const homeRoutes: HandlerEntry[] = [["/", HomeHandler, {}, "home"]];
