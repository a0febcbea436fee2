import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { OptionsError } from "./errors.js";

const MODULE_EXTENSIONS = new Set([".js", ".mjs", ".cjs", ".ts", ".mts", ".cts"]);
const TS_EXTENSIONS = new Set([".ts", ".mts", ".cts"]);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Reads a config file into `{ optionName: value }`. Tornado's config files are Python executed for
 * their globals; ours are JSON, or a module whose default-exported object and named exports are the
 * values (a module can compute them, read `process.env`, import other files).
 */
export async function loadConfigFile(file: string): Promise<Record<string, unknown>> {
  const abs = path.resolve(file);
  const ext = path.extname(abs).toLowerCase();
  if (ext !== ".json" && !MODULE_EXTENSIONS.has(ext)) {
    throw new OptionsError(`${file}: unsupported config file type ${JSON.stringify(ext || "(none)")} (use .json, .js, .mjs, .cjs or .ts)`);
  }
  if (!fs.existsSync(abs)) throw new OptionsError(`config file not found: ${file}`);
  if (ext === ".json") {
    let data: unknown;
    try {
      data = JSON.parse(fs.readFileSync(abs, "utf8"));
    } catch (err) {
      throw new OptionsError(`${file}: invalid JSON: ${(err as Error).message}`);
    }
    if (!isPlainObject(data)) throw new OptionsError(`${file}: must hold a JSON object of option values`);
    return data;
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (TS_EXTENSIONS.has(ext) && code === "ERR_UNKNOWN_FILE_EXTENSION") {
      throw new OptionsError(`${file}: a TypeScript config file needs the loader: run node --import typhoon/register`);
    }
    throw err;
  }
  const values: Record<string, unknown> = {};
  const dflt = mod.default;
  if (isPlainObject(dflt)) Object.assign(values, dflt);
  else if (dflt !== undefined && ext !== ".cjs") throw new OptionsError(`${file}: the default export must be an object of option values`);
  for (const [name, value] of Object.entries(mod)) {
    if (name !== "default" && name !== "module.exports") values[name] = value;
  }
  return values;
}
