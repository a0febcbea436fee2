import { OptionParser, type ParseOptions } from "./parser.js";
import type { OptionSpec } from "./option.js";

export { OptionParser, type OptionParserConfig, type ParseOptions } from "./parser.js";
export { OptionsError } from "./errors.js";
export type { OptionSpec, OptionType } from "./option.js";

/** The global options: `define()` adds to it, `options.port` reads it (Tornado's `tornado.options.options`). */
export const options: OptionParser = new OptionParser();

/** Defines an option on the global `options`; see `OptionParser.define`. */
export function define<T = unknown>(name: string, spec: OptionSpec<T> = {}): void {
  options.define(name, spec);
}

/** Parses `process.argv` (or `argv`) into the global `options`; see `OptionParser.parseCommandLine`. */
export function parseCommandLine(argv?: readonly string[], opts?: ParseOptions): string[] {
  return options.parseCommandLine(argv, opts);
}

/** Loads a `.json`/`.js`/`.ts` config file into the global `options`; see `OptionParser.parseConfigFile`. */
export function parseConfigFile(file: string, opts?: ParseOptions): Promise<void> {
  return options.parseConfigFile(file, opts);
}

/** Prints the global `--help` text. */
export function printHelp(out?: { write(text: string): unknown }): void {
  options.printHelp(out);
}

/** Adds a callback run when global parsing is final. */
export function addParseCallback(callback: () => void): void {
  options.addParseCallback(callback);
}
