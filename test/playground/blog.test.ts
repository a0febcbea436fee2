// The blog demo in a real browser: login through a form (secure cookie), an XSRF-protected post, the
// UI module with its CSS, static files through staticUrl, and the Spanish translation.
import { describe, expect, it } from "vitest";
import { screenshot, usePlaygroundInBrowser } from "./harness.js";

const ctx = usePlaygroundInBrowser();

describe("playground blog (Chromium)", () => {
  it("lists posts with the Entry module, its CSS in <head> once, and a versioned stylesheet", async () => {
    const page = await ctx.browser.context.newPage();
    await page.goto(ctx.pg.url + "blog/");
    expect(await page.locator("article.entry").count()).toBeGreaterThanOrEqual(2);
    const head = await page.innerHTML("head");
    expect(head.match(/\.entry \{ margin/g)?.length).toBe(1);
    expect(await page.getAttribute('link[href^="/static/blog/blog.css"]', "href")).toMatch(/\?v=\w+/);
    await screenshot(page, "blog-home");
    await page.close();
  });

  it("logs in with a form, then publishes a post through an XSRF-protected form", async () => {
    const page = await ctx.browser.context.newPage();
    // Composing needs a login: the blog sends us to the login page, remembering where we were going.
    await page.goto(ctx.pg.url + "blog/compose");
    expect(new URL(page.url()).pathname).toBe("/blog/login");
    expect(new URL(page.url()).searchParams.get("next")).toBe("/blog/compose");

    await page.fill("#name", "alice");
    await page.fill("#password", "not her password");
    const [refused] = await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
    expect(refused?.status()).toBe(403);
    expect(await page.textContent(".error")).toContain("Wrong name or password");
    await screenshot(page, "blog-login-refused");

    await page.fill("#password", "wonderland");
    await Promise.all([page.waitForURL("**/blog/compose"), page.click('button[type="submit"]')]);
    const cookies = await ctx.browser.context.cookies(ctx.pg.url);
    expect(cookies.find((c) => c.name === "user")?.value).toMatch(/^2\|/); // Tornado's signed value, version 2
    expect(await page.textContent("nav")).toContain("alice");
    // The form carries the XSRF token.
    expect(await page.locator('form[action="/blog/compose"] input[name="_xsrf"]').count()).toBe(1);
    await screenshot(page, "blog-compose");

    await page.fill("#title", "Hello from <Chromium>");
    await page.fill("#body", "First paragraph.\n\nSecond one, with a link: https://example.com/");
    await Promise.all([page.waitForURL("**/blog/post/**"), page.click('button[type="submit"]')]);
    expect(await page.textContent("article.entry h2")).toBe("Hello from <Chromium>"); // escaped, shown as text
    expect(await page.locator("article.entry p").count()).toBe(2);
    expect(await page.getAttribute('article.entry a[href="https://example.com/"]', "href")).toBe("https://example.com/");
    await screenshot(page, "blog-post");

    // The same POST without the token is refused, even from the logged-in ctx.browser.
    const forged = await page.evaluate(async () => {
      const r = await fetch("/blog/compose", { method: "POST", body: new URLSearchParams({ title: "forged", body: "forged" }) });
      return r.status;
    });
    expect(forged).toBe(403);
    await page.goto(ctx.pg.url + "blog/");
    expect(await page.textContent("main")).not.toContain("forged");
    expect(await page.textContent("main")).toContain("Hello from <Chromium>");

    // Signing out is a POST too (with its token), and clears the login.
    await Promise.all([page.waitForURL("**/blog/"), page.click("nav button")]);
    expect(await page.textContent("nav")).toContain("Sign in");
    await page.close();
  });

  it("speaks Spanish to a ctx.browser that asks for it (Accept-Language)", async () => {
    const page = await ctx.browser.context.newPage();
    await page.setExtraHTTPHeaders({ "Accept-Language": "es-ES,es;q=0.9,en;q=0.5" });
    await page.goto(ctx.pg.url + "blog/");
    expect(await page.textContent("header h1")).toBe("Blog de Typhoon");
    expect(await page.getAttribute("html", "lang")).toBe("es");
    expect(await page.textContent("main")).toMatch(/hace \d+ minutos|ayer a las/);
    await screenshot(page, "blog-es");
    await page.close();
  });
});
