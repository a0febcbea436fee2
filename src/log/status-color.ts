import kleur from "kleur";
import { logColor } from "./logger.js";

/** The status code coloured by class (green 2xx/3xx, yellow 4xx, red 5xx) when colour is on. */
export function colorStatus(status: number): string {
  const text = String(status);
  if (!logColor()) return text;
  if (status >= 500) return kleur.red(text);
  if (status >= 400) return kleur.yellow(text);
  if (status >= 300) return kleur.cyan(text);
  return kleur.green(text);
}
