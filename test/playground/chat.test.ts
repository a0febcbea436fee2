// The chat demo in a real browser: a message typed in one page appears in another, by long polling and
// over the WebSocket variant, which share one room.
import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { screenshot, usePlaygroundInBrowser } from "./harness.js";

const ctx = usePlaygroundInBrowser();

/** Opens a chat page and waits until it is following the room (its long poll is waiting, or its socket is open). */
async function openRoom(path: string): Promise<Page> {
  const page = await ctx.browser.context.newPage();
  const following = path.endsWith("/ws")
    ? page.waitForEvent("websocket", { timeout: 15_000 })
    : page.waitForRequest((r) => r.url().endsWith("/chat/a/message/updates"), { timeout: 15_000 });
  await page.goto(ctx.pg.url + path.replace(/^\//, ""));
  await following;
  return page;
}

async function say(page: Page, text: string): Promise<void> {
  await page.fill("#message", text);
  await page.press("#message", "Enter");
}

const inbox = (page: Page, text: string) => page.locator("#inbox .message", { hasText: text });

describe("playground chat (Chromium)", () => {
  it("long polling: a message typed in one page appears in the other, escaped", async () => {
    const a = await openRoom("/chat/");
    const b = await openRoom("/chat/");
    await say(a, "hello from A <b>not bold</b>");
    await inbox(b, "hello from A").waitFor({ timeout: 10_000 });
    expect(await inbox(b, "hello from A").textContent()).toBe("guest: hello from A <b>not bold</b>");
    expect(await b.locator("#inbox .message b").count()).toBe(1); // only the author's name is bold
    await say(b, "and back from B");
    await inbox(a, "and back from B").waitFor({ timeout: 10_000 });
    expect(await inbox(a, "hello from A").count()).toBe(1); // the sender shows its own message once
    await screenshot(a, "chat-a");
    await screenshot(b, "chat-b");
    await a.close();
    await b.close();
  });

  it("the WebSocket variant shares the room with the long-polling page", async () => {
    const poll = await openRoom("/chat/");
    const ws = await openRoom("/chat/ws");
    expect(await ws.getAttribute("body", "data-transport")).toBe("websocket");
    await say(ws, "over the socket");
    await inbox(poll, "over the socket").waitFor({ timeout: 10_000 });
    await inbox(ws, "over the socket").waitFor({ timeout: 10_000 });
    await say(poll, "over long polling");
    await inbox(ws, "over long polling").waitFor({ timeout: 10_000 });
    expect(await inbox(ws, "over the socket").count()).toBe(1);
    await screenshot(ws, "chat-websocket");
    await poll.close();
    await ws.close();
  });

  it("posting without the XSRF token is refused", async () => {
    const r = await fetch(ctx.pg.url + "chat/a/message/new", { method: "POST", body: new URLSearchParams({ body: "forged" }) });
    expect(r.status).toBe(403);
  });
});
