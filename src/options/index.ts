/**
 * Command-line and config-file options, Tornado's `tornado.options` for Typhoon.
 *
 * ```ts
 * import { define, options, parseCommandLine } from "typhoon";
 * define("port", { default: 8888, type: Number, help: "port to listen on" });
 * const rest = parseCommandLine();          // node app.ts --port=8000 extra → rest = ["extra"]
 * await app.listen(options.port);
 * ```
 *
 * Decisions where Node and Tornado differ:
 * - Names are camelCase in code (`options.maxBodySize`) and kebab-case on the command line
 *   (`--max-body-size`); every spelling (`max_body_size`, `maxBodySize`) is accepted both ways.
 * - Besides Tornado's `--name=value` and bare `--flag`, `--name value` (non-boolean options) and
 *   `--no-flag` (booleans) are accepted. Booleans never take the next argument, so
 *   `--debug app.ts` leaves `app.ts` positional. Parsing stops at the first positional or `--`.
 * - Booleans accept true/false, 1/0, yes/no, on/off, t/f, y/n; anything else is an error (Tornado
 *   treats every other word as true). Numbers must be numbers; `multiple` Number lists accept
 *   `LOW:HIGH` ranges, as Tornado's integer lists do.
 * - Config files are `.json` or a JS/TS module (default-exported object and/or named exports)
 *   instead of Python; unknown names are errors instead of being ignored. `parseConfigFile` is async.
 * - `--help` prints to stdout and exits 0; a bad flag on `process.argv` prints
 *   `error: … (see --help)` to stderr and exits 2 (with an explicit argv it throws `OptionsError`).
 * - Tornado's logging options (`--logging`, `--log-file-prefix`, …) are not defined here.
 *
 * @module
 */
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
