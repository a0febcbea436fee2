// Where benches load Typhoon from: the compiled package root (`dist/index.js`), run by plain node
// without any loader, so Typhoon is measured the way it runs in production.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** Absolute path of the project root (the folder above bench/). */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** URL of the compiled package entry. */
export const typhoonEntry = pathToFileURL(path.join(projectRoot, "dist/index.js")).href;

/** Throws a helpful error unless `npm run build` has produced dist/. */
export function assertBuilt() {
  if (!fs.existsSync(path.join(projectRoot, "dist/index.js"))) {
    throw new Error("dist/index.js is missing: run `npm run build` in the project root first");
  }
}

/** Imports the compiled package. */
export async function importTyphoon() {
  assertBuilt();
  return import(typhoonEntry);
}
