// UI modules: `{% module Entry(post) %}` renders one post, on the home page and on the post's own page.
// Its CSS goes into <head> once per page, however many posts the page shows.
import { UIModule } from "typhoon";
import type { Post } from "./posts.ts";

export class Entry extends UIModule {
  override render(post: Post, full = false): string {
    return this.renderString("blog/modules/entry.html", { post, full });
  }

  override embeddedCss(): string {
    return ".entry { margin: 1.5rem 0; } .entry h2 { margin-bottom: 0; } .entry .meta { color: #777; font-size: .9rem; }";
  }
}
