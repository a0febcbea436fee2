/**
 * What `new Application(..., { autoreload: true })` (or `debug: true`) does: start autoreload and, when
 * a launcher owns restarts (tdev, or the in-app supervisor's child) and `liveReload` is on, install
 * the browser live reload. Without a launcher (test runners, `TYPHOON_AUTORELOAD=0`) pages are left as
 * they are: no restart can happen there, so a reload script would only add noise.
 */
import type { Application } from "../web/application.js";
import { isEnabled, start } from "./index.js";
import { installLiveReload } from "./live-reload.js";

/** Called by the Application constructor when `settings.autoreload` is true. */
export function setupAutoreload(app: Application): void {
  start();
  if (isEnabled() && app.settings.liveReload) installLiveReload(app);
}
