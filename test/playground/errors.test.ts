// The errors demo in a real browser: a handler that throws and a template that throws show the
// traceback page with the TypeScript and template lines; an HTTPError keeps its status; unknown URLs are 404.
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { screenshot, usePlaygroundInBrowser } from "./harness.js";

const ctx = usePlaygroundInBrowser();

/** 1-based line of `needle` in a file of the playground copy. */
const lineIn = (rel: string, needle: string) => fs.readFileSync(ctx.pg.file(rel), "utf8").split("\n").findIndex((l) => l.includes(needle)) + 1;

describe("playground errors demo (Chromium)", () => {
  it("a handler that throws shows the traceback page, source-mapped to the .ts lines", async () => {
    const page = await ctx.browser.context.newPage();
    await page.goto(ctx.pg.url + "errors/");
    await screenshot(page, "errors-index");
    const [response] = await Promise.all([page.waitForNavigation(), page.click('a[href="/errors/throw"]')]);
    expect(response?.status()).toBe(500);
    const text = await page.textContent("body");
    expect(text).toContain("TypeError");
    expect(text).toContain("Cannot read properties of undefined (reading 'name')");
    // Both frames, each at its TypeScript line, with the source line shown.
    expect(text).toContain(`errors/errors.ts:${lineIn("errors/errors.ts", "order.customer!.name")}:`);
    expect(text).toContain(`errors/errors.ts:${lineIn("errors/errors.ts", "customerName({})")}:`);
    expect(text).toContain("return order.customer!.name;");
    await screenshot(page, "traceback");
    await page.close();
  });

  it("an error inside a template points at the template's file and line", async () => {
    const page = await ctx.browser.context.newPage();
    const response = await page.goto(ctx.pg.url + "errors/template");
    expect(response?.status()).toBe(500);
    const text = await page.textContent("body");
    expect(text).toContain(`templates/errors/broken.html:${lineIn("templates/errors/broken.html", "order.customer.name")}:`);
    await screenshot(page, "traceback-template");
    await page.close();
  });

  it("an HTTPError gives its own status, and an unknown URL a 404 page", async () => {
    const page = await ctx.browser.context.newPage();
    let response = await page.goto(ctx.pg.url + "errors/status/403");
    expect(response?.status()).toBe(403);
    expect(await page.title()).toContain("403: Forbidden");
    response = await page.goto(ctx.pg.url + "no/such/page");
    expect(response?.status()).toBe(404);
    expect(await page.title()).toContain("404");
    await screenshot(page, "not-found");
    await page.close();
  });
});
