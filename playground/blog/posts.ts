// The blog's posts, kept in memory: they last until the server restarts (an edit under tdev restarts it,
// so the two first posts come back each time).

/** One blog post. */
export interface Post {
  slug: string;
  title: string;
  /** Plain text; blank lines separate paragraphs, URLs become links. */
  body: string;
  author: string;
  published: Date;
  updated: Date;
}

const posts = new Map<string, Post>();

/** Newest first. */
export function recentPosts(limit = 10): Post[] {
  return [...posts.values()].sort((a, b) => b.published.getTime() - a.published.getTime()).slice(0, limit);
}

export function getPost(slug: string): Post | undefined {
  return posts.get(slug);
}

/** Creates a post with a slug made from its title (unique: "-2", "-3"… when taken). */
export function createPost(title: string, body: string, author: string, published = new Date()): Post {
  const base = title.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 60) || "post";
  let slug = base;
  for (let n = 2; posts.has(slug); n++) slug = `${base}-${n}`;
  const post: Post = { slug, title, body, author, published, updated: published };
  posts.set(slug, post);
  return post;
}

export function updatePost(post: Post, title: string, body: string): void {
  Object.assign(post, { title, body, updated: new Date() });
}

createPost(
  "Welcome to the Typhoon blog",
  "This blog is a small Typhoon app: templates with inheritance (templates/blog/base.html), a UI module " +
    "(blog/modules.ts, with its own CSS), static files through staticUrl, and a login kept in a secure cookie.\n\n" +
    "Sign in as alice (password wonderland) to write a post. Every form carries an XSRF token.",
  "alice",
  new Date(Date.now() - 26 * 3600_000),
);
createPost(
  "Edit me",
  "Open playground/templates/blog/modules/entry.html in your editor, change something and save: this page " +
    "reloads by itself. See https://www.tornadoweb.org/ for the framework Typhoon follows.",
  "bob",
  new Date(Date.now() - 5 * 60_000),
);
