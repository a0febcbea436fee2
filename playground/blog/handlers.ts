// The blog's pages: the newest posts, one post, and the form that writes or edits a post.
import { authenticated, HTTPError } from "typhoon";
import { PlaygroundHandler } from "../base.ts";
import { createPost, getPost, recentPosts, updatePost } from "./posts.ts";

/** The blog's pages (templates in templates/blog/). */
export class BlogHandler extends PlaygroundHandler {
  /** Translates with the request's locale (from Accept-Language): Spanish when the browser prefers it. */
  _(message: string): string {
    return this.locale.translate(message);
  }
}

export class HomeHandler extends BlogHandler {
  get() {
    return this.render("blog/home.html", { posts: recentPosts() });
  }
}

export class PostHandler extends BlogHandler {
  get(slug: string) {
    const post = getPost(slug);
    if (!post) throw new HTTPError(404);
    return this.render("blog/post.html", { post });
  }
}

/** GET shows the form (filled in when `?slug=` names a post to edit), POST saves it. Login required. */
export class ComposeHandler extends BlogHandler {
  @authenticated
  get() {
    const post = getPost(this.getArgument("slug", ""));
    return this.render("blog/compose.html", { post, title: post?.title ?? "", body: post?.body ?? "", error: null });
  }

  @authenticated
  post() {
    const post = getPost(this.getArgument("slug", ""));
    const title = this.getArgument("title", "").trim();
    const body = this.getArgument("body", "").trim();
    if (!title || !body) {
      this.setStatus(400);
      return this.render("blog/compose.html", { post, title, body, error: this._("A post needs a title and some text.") });
    }
    if (post) updatePost(post, title, body);
    const saved = post ?? createPost(title, body, String(this.currentUser));
    this.redirect(`/blog/post/${saved.slug}`);
  }
}
