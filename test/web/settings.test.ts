import { describe, expect, it } from "vitest";
import { Application, resolveSettings } from "typhoon";

describe("debug settings", () => {
  it("are off by default, with caches on", () => {
    const s = new Application([], {}).settings;
    expect([s.debug, s.autoreload, s.serveTraceback, s.compiledTemplateCache, s.staticHashCache]).toEqual([false, false, false, true, true]);
  });

  it("debug: true turns on autoreload and tracebacks and turns off both caches", () => {
    const s = resolveSettings({ debug: true, autoreload: undefined });
    expect([s.autoreload, s.serveTraceback, s.compiledTemplateCache, s.staticHashCache]).toEqual([true, true, false, false]);
  });

  it("an explicit setting wins over debug, either way", () => {
    const s = resolveSettings({ debug: true, autoreload: false, serveTraceback: false, compiledTemplateCache: true, staticHashCache: true });
    expect([s.autoreload, s.serveTraceback, s.compiledTemplateCache, s.staticHashCache]).toEqual([false, false, true, true]);
    const t = resolveSettings({ debug: false, serveTraceback: true, staticHashCache: false });
    expect([t.autoreload, t.serveTraceback, t.compiledTemplateCache, t.staticHashCache]).toEqual([false, true, true, false]);
  });

  it("keeps the application's own keys", () => {
    expect(resolveSettings({ myKey: 5 }).myKey).toBe(5);
  });
});
