// Shared by the playground's browser tests: a copy of playground/ run by the real `tdev` (edits made by
// a test never touch the real files), and Debian's Chromium driven by playwright-core (no download).
import { afterAll, beforeAll } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { freePort, projectRoot, spawnProcess, tempDir, until, type Spawned } from "../helpers/http.js";

export const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOTS = path.join(projectRoot, "test-results", "screenshots");

/** A running copy of the playground. */
export interface Playground {
  /** The copy's folder (edit files here). */
  dir: string;
  url: string;
  tdev: Spawned;
  /** Path of a file in the copy, e.g. `file("templates/home.html")`. */
  file(rel: string): string;
  stop(): Promise<void>;
}

/** Copies playground/ into .verify/tests (inside the project, so `import "typhoon"` resolves) and runs it under tdev. */
export async function startPlayground(): Promise<Playground> {
  const tmp = tempDir("pg");
  const dir = path.join(tmp.dir, "playground");
  fs.cpSync(path.join(projectRoot, "playground"), dir, { recursive: true });
  const port = await freePort();
  const tdev = spawnProcess(process.execPath, [path.join(projectRoot, "bin", "tdev.js"), path.join(dir, "server.ts")], { PORT: String(port) });
  const url = `http://127.0.0.1:${port}/`;
  const stop = async () => {
    if (tdev.child.exitCode === null) {
      tdev.kill("SIGTERM");
      await Promise.race([tdev.exited, new Promise((r) => setTimeout(r, 5000))]);
      tdev.kill("SIGKILL");
    }
    tmp.cleanup();
  };
  try {
    await tdev.waitFor(new RegExp(`http://127\\.0\\.0\\.1:${port}/`), 30_000);
    const up = await until(async () => (await fetch(url, { signal: AbortSignal.timeout(2000) }).catch(() => null))?.status === 200, 15_000);
    if (!up) throw new Error(`the playground did not answer on ${url}:\n${tdev.output().slice(-2000)}`);
  } catch (err) {
    await stop();
    throw err;
  }
  return { dir, url, tdev, file: (rel) => path.join(dir, rel), stop };
}

/** A headless Chromium with a fresh profile. */
export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "typhoon-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    viewport: { width: 1000, height: 700 },
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(15_000);
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot as test-results/screenshots/<name>.png for a reviewer to look at. */
export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/**
 * Waits until the page's live-reload event stream is connected (its first message arrived), so that a
 * change made next is one the page hears about. Set up before the navigation that opens the stream.
 */
export function liveReloadConnected(page: Page): Promise<unknown> {
  return page.waitForResponse((r) => r.url().includes("/__typhoon/livereload") && r.status() === 200, { timeout: 15_000 });
}

/** A playground copy and a browser for one test file: started before its tests, stopped after. */
export function usePlaygroundInBrowser(): { readonly pg: Playground; readonly browser: Browser } {
  let pg: Playground | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    pg = await startPlayground();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await pg?.stop();
  });
  return {
    get pg() { return pg!; },
    get browser() { return browser!; },
  };
}
