// The home page: one link per demo.
import path from "node:path";
import type { HandlerEntry } from "typhoon";
import { PlaygroundHandler } from "../base.ts";

class HomeHandler extends PlaygroundHandler {
  override getTemplatePath(): string {
    return path.join(import.meta.dirname, "templates");
  }

  get() {
    return this.render("home.html");
  }
}

export const homeRoutes: HandlerEntry[] = [["/", HomeHandler, {}, "home"]];
