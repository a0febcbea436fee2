/**
 * The link between app code and the process that owns restarts. A launcher (`tdev`, or the in-app
 * autoreload supervisor) installs it on `globalThis` from its preload, before the app runs; the app's
 * `autoreload` module finds it there even when the launcher and the app load different copies of
 * Typhoon (a global `tdev`, a local `typhoon`).
 */

/** What the launcher's preload offers the app. */
export interface LauncherBridge {
  /** Which launcher owns restarts. */
  readonly kind: "tdev" | "autoreload";
  /** Changes on every restart (the live-reload script compares it). */
  readonly id: string;
  /** False when live reload was turned off on the launcher's command line. */
  readonly liveReload: boolean;
  /** Adds a file or directory to the launcher's watch list. */
  watch(path: string): void;
  /** Registers a hook the launcher runs (in this process) before it restarts. */
  addReloadHook(fn: () => unknown): void;
  /** Registers a callback for "this process is about to be replaced": close long-lived streams. */
  onDrain(fn: () => void): void;
}

const KEY = Symbol.for("typhoon.launcher");

/** The launcher's bridge, or undefined when no launcher runs this process. */
export function launcherBridge(): LauncherBridge | undefined {
  return (globalThis as Record<symbol, LauncherBridge | undefined>)[KEY];
}

/** Installs the bridge (called by a launcher's preload). */
export function installLauncherBridge(bridge: LauncherBridge): void {
  (globalThis as Record<symbol, LauncherBridge | undefined>)[KEY] = bridge;
}
