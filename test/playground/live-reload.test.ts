// Live reload in a real browser: editing a template, a stylesheet or TypeScript in the playground shows
// in the open page without anyone pressing reload.
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { liveReloadConnected, screenshot, usePlaygroundInBrowser } from "./harness.js";

const ctx = usePlaygroundInBrowser();

/** Opens `path` and waits for its live-reload stream; marks the window so a reload can be told apart. */
async function open(page: Page, path: string): Promise<void> {
  const connected = liveReloadConnected(page);
  await page.goto(new URL(path, ctx.pg.url).href);
  await connected;
  await page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
}

/**
 * Edits a file of the copy, then waits (up to 20 s) for `check` to hold in the page. The edit is written
 * again every 5 s while waiting: right after page load the server's file watcher may still be starting.
 */
async function editAndWait(page: Page, rel: string, edit: (text: string) => string, check: () => Promise<boolean>): Promise<boolean> {
  const file = ctx.pg.file(rel);
  const edited = edit(fs.readFileSync(file, "utf8"));
  expect(edited, `the edit changes ${rel}`).not.toBe(fs.readFileSync(file, "utf8"));
  for (let attempt = 0; attempt < 4; attempt++) {
    fs.writeFileSync(file, edited);
    const t0 = Date.now();
    while (Date.now() - t0 < 5000) {
      if (await check().catch(() => false)) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return false;
}

const reloaded = (page: Page) => page.evaluate(() => (window as unknown as { marker?: number }).marker === undefined);

describe("playground live reload (Chromium)", () => {
  it("a template edit shows in the open page", async () => {
    const page = await ctx.browser.context.newPage();
    await open(page, "/");
    await screenshot(page, "home");
    expect(await page.textContent("h1")).toBe("Typhoon playground");
    const ok = await editAndWait(
      page,
      "templates/home.html",
      (t) => t.replace("<h1>Typhoon playground</h1>", "<h1>Typhoon playground, edited</h1>"),
      async () => (await page.textContent("h1")) === "Typhoon playground, edited",
    );
    expect(ok, `the page did not update; tdev output:\n${ctx.pg.tdev.output().slice(-1500)}`).toBe(true);
    expect(await reloaded(page)).toBe(true);
    await screenshot(page, "live-reload-template");
    await page.close();
  });

  it("a stylesheet edit shows in the open page (with a new ?v= in its URL)", async () => {
    const page = await ctx.browser.context.newPage();
    await open(page, "/");
    const href = await page.getAttribute('link[rel="stylesheet"]', "href");
    expect(href).toMatch(/^\/static\/site\.css\?v=\w+/);
    const color = () => page.evaluate(() => getComputedStyle(document.querySelector("h1")!).color);
    expect(await color()).not.toBe("rgb(170, 0, 0)");
    const ok = await editAndWait(page, "static/site.css", (t) => t + "\nh1 { color: rgb(170, 0, 0); }\n", async () => (await color()) === "rgb(170, 0, 0)");
    expect(ok, `the style did not update; tdev output:\n${ctx.pg.tdev.output().slice(-1500)}`).toBe(true);
    expect(await page.getAttribute('link[rel="stylesheet"]', "href")).not.toBe(href);
    await screenshot(page, "live-reload-css");
    await page.close();
  });

  it("a TypeScript edit restarts the server and the open page shows the new code", async () => {
    const page = await ctx.browser.context.newPage();
    await open(page, "/blog/");
    await expect.poll(() => page.textContent("main"), { timeout: 5000 }).toContain("Welcome to the Typhoon blog");
    const ok = await editAndWait(
      page,
      "blog/posts.ts",
      (t) => t.replace('"Welcome to the Typhoon blog"', '"Welcome to the edited blog"'),
      async () => ((await page.textContent("main")) ?? "").includes("Welcome to the edited blog"),
    );
    expect(ok, `the page did not update; tdev output:\n${ctx.pg.tdev.output().slice(-1500)}`).toBe(true);
    expect(await reloaded(page)).toBe(true);
    expect(ctx.pg.tdev.output()).toMatch(/restarted/);
    await screenshot(page, "live-reload-ts");
    await page.close();
  });
});
