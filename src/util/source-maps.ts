import sourceMapSupport from "source-map-support";

let installed = false;

/**
 * Makes `err.stack` name original source lines (TypeScript, templates) for code that ships source maps,
 * such as the compiled framework itself or an app built with `tsc --sourceMap`. Idempotent.
 */
export function installSourceMapSupport(): void {
  if (installed) return;
  installed = true;
  // Node's own support covers code loaded through typhoon/register (its maps come with the loaded
  // source); source-map-support covers compiled files on disk and generated code that registers maps.
  if (!process.execArgv.some((a) => a.startsWith("--enable-source-maps"))) {
    sourceMapSupport.install({ environment: "node", handleUncaughtExceptions: false, hookRequire: false });
  }
}
