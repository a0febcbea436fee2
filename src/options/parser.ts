import path from "node:path";
import { loadConfigFile } from "./config.js";
import { OptionsError } from "./errors.js";
import { formatHelp } from "./help.js";
import { camelName, flagName, optionKey } from "./names.js";
import { Option, type OptionSpec } from "./option.js";
import { callerFile } from "./origin.js";

/** Dependencies of an `OptionParser` that tests (or embedding tools) may replace. */
export interface OptionParserConfig {
  /** Shown on the usage line; defaults to the script's file name (`app.ts`). */
  program?: string;
  /** Where `--help` text goes; defaults to stdout. */
  stdout?: {
    /** Writes help text. */
    write(text: string): unknown;
  };
  /** Where `error: …` goes when parsing `process.argv` fails; defaults to stderr. */
  stderr?: {
    /** Writes an error message. */
    write(text: string): unknown;
  };
  /** Ends the program after `--help` (code 0) or a bad `process.argv` (code 2); defaults to `process.exit`. */
  exit?: (code: number) => void;
}

/** Options shared by `parseCommandLine` and `parseConfigFile`. */
export interface ParseOptions {
  /** When false, parse callbacks are not run yet (more sources follow). Default true. */
  final?: boolean;
}

/** Property names that belong to the parser itself and so cannot name an option. */
const RESERVED = new Set(["then", "constructor", "toString", "valueOf", "__proto__"]);

/**
 * A set of defined options with their values: Tornado's `OptionParser`. Options read and write as
 * properties (`parser.port`, `parser.port = 80`), in any spelling (`parser["max-body-size"]`); reading
 * an option that was never defined throws, so a typo fails loudly. The package's global `options` is
 * one instance; create others for isolated sets (libraries, tests).
 */
export class OptionParser {
  /** Lets `options.port` type-check without declaring every option. */
  [option: string]: any;

  private readonly _options = new Map<string, Option>();
  private readonly _callbacks: (() => void)[] = [];
  private readonly _config: OptionParserConfig;

  constructor(config: OptionParserConfig = {}) {
    this._config = config;
    const proxy = new Proxy(this, HANDLER);
    proxy.define("help", {
      type: Boolean,
      help: "show this help information",
      group: "",
      callback: (show: boolean) => {
        if (!show) return;
        (this._config.stdout ?? process.stdout).write(this.helpText());
        this._exit(0);
      },
    });
    return proxy;
  }

  /**
   * Defines an option. The name may be given as `maxBodySize`, `max-body-size` or `max_body_size`; it is
   * read as `options.maxBodySize` and given as `--max-body-size`. Without `type`, the default's type is
   * used (else String). Defining a name twice throws.
   */
  define<T = unknown>(name: string, spec: OptionSpec<T> = {}): void {
    if (typeof name !== "string" || !/^[A-Za-z][A-Za-z0-9_-]*$/.test(name)) {
      throw new OptionsError(`invalid option name ${JSON.stringify(name)} (letters, digits, - and _; starting with a letter)`);
    }
    const camel = camelName(name);
    const key = optionKey(camel);
    const existing = this._options.get(key);
    if (existing) {
      throw new OptionsError(`option --${existing.flag} already defined${existing.file ? ` in ${existing.file}` : ""}`);
    }
    if (RESERVED.has(camel) || camel in OptionParser.prototype) {
      throw new OptionsError(`option name ${JSON.stringify(name)} is reserved (it is an OptionParser method)`);
    }
    const file = callerFile();
    this._options.set(key, new Option(camel, spec as OptionSpec, file));
  }

  /** The option called `name` in any spelling, or undefined. */
  option(name: string): Option | undefined {
    return this._options.get(optionKey(name));
  }

  /** Whether `name` (any spelling) is defined. */
  has(name: string): boolean {
    return this._options.has(optionKey(name));
  }

  /** The value of `name`; throws `OptionsError` if it is not defined. */
  get(name: string): any {
    return this._require(name).value;
  }

  /** Sets `name` with a type check and runs its callback. */
  set(name: string, value: unknown): void {
    this._require(name).set(value);
  }

  /** The option names, camelCase, in definition order. */
  names(): string[] {
    return [...this._options.values()].map((o) => o.name);
  }

  /** `[name, value]` pairs of every option. */
  items(): [string, unknown][] {
    return [...this._options.values()].map((o) => [o.name, o.value]);
  }

  /** Every option's value by name. */
  asDict(): Record<string, unknown> {
    return Object.fromEntries(this.items());
  }

  /** The group names (by default the files that defined options). */
  groups(): Set<string> {
    return new Set([...this._options.values()].map((o) => o.group));
  }

  /**
   * The values of one group's options, e.g. to pass to `new Application(handlers, options.groupDict("application"))`.
   * With no group, every option.
   */
  groupDict(group?: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const o of this._options.values()) if (!group || o.group === group) out[o.name] = o.value;
    return out;
  }

  /** `JSON.stringify(options)` gives the values. */
  toJSON(): Record<string, unknown> {
    return this.asDict();
  }

  /**
   * Parses command-line flags and returns the positional arguments that follow them.
   *
   * `argv` is the arguments only (default `process.argv.slice(2)`). Accepted: `--name=value`,
   * `--name value` (non-boolean options; the next argument is taken unless it starts with `--`),
   * `--flag` and `--no-flag` for booleans, `-name` like `--name`, `-h` for `--help`. Parsing stops at
   * the first positional argument or at `--`; everything from there is returned untouched.
   * A bad flag throws `OptionsError`; but when `argv` is omitted the parser prints
   * `error: … (see --help)` to stderr and exits with status 2, as a command-line tool should.
   */
  parseCommandLine(argv?: readonly string[], opts: ParseOptions = {}): string[] {
    if (argv !== undefined) return this._parseArgs(argv, opts);
    try {
      return this._parseArgs(process.argv.slice(2), opts);
    } catch (err) {
      if (!(err instanceof OptionsError)) throw err;
      (this._config.stderr ?? process.stderr).write(`error: ${err.message} (see --help)\n`);
      this._exit(2);
      throw err;
    }
  }

  /**
   * Loads option values from a config file: `.json` (an object of option names to values) or a
   * JavaScript/TypeScript module (`.js`, `.mjs`, `.cjs`, `.ts`, `.mts`, `.cts`) whose default-exported
   * object and named exports give the values (named exports win). TypeScript files need the
   * `typhoon/register` loader. Strings are parsed like command-line text, other values are type-checked;
   * unknown names are errors. Names are matched in any spelling.
   */
  async parseConfigFile(file: string, opts: ParseOptions = {}): Promise<void> {
    const values = await loadConfigFile(file);
    this.parseConfig(values, file);
    if (opts.final !== false) this.runParseCallbacks();
  }

  /** Applies an object of option values, as `parseConfigFile` does; `source` prefixes error messages. */
  parseConfig(values: Record<string, unknown>, source = "config"): void {
    for (const [name, value] of Object.entries(values)) {
      const option = this.option(name);
      if (!option) throw new OptionsError(`${source}: ${unknownMessage(name, this._options.values())}`);
      try {
        if (typeof value === "string" && (option.multiple || option.type !== String)) option.parse(value);
        else option.set(value);
      } catch (err) {
        if (err instanceof OptionsError) err.message = `${source}: ${err.message}`;
        throw err;
      }
    }
  }

  /** The `--help` text. */
  helpText(): string {
    const program = this._config.program ?? (process.argv[1] ? path.basename(process.argv[1]) : "node");
    return formatHelp(program, this._options.values());
  }

  /** Writes the `--help` text (to stdout unless another stream is given). */
  printHelp(out: { write(text: string): unknown } = this._config.stdout ?? process.stdout): void {
    out.write(this.helpText());
  }

  /** Registers a function to run once parsing is final (after `parseCommandLine`/`parseConfigFile`). */
  addParseCallback(callback: () => void): void {
    this._callbacks.push(callback);
  }

  /** Runs the parse callbacks in the order they were added. */
  runParseCallbacks(): void {
    for (const callback of this._callbacks) callback();
  }

  private _parseArgs(argv: readonly string[], opts: ParseOptions): string[] {
    let remaining: string[] = [];
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i]!;
      if (arg === "--") {
        remaining = argv.slice(i + 1);
        break;
      }
      if (!arg.startsWith("-") || arg === "-") {
        remaining = argv.slice(i);
        break;
      }
      const body = arg.replace(/^-+/, "");
      const eq = body.indexOf("=");
      const name = eq < 0 ? body : body.slice(0, eq);
      let value: string | undefined = eq < 0 ? undefined : body.slice(eq + 1);
      let option = this.option(name) ?? (name === "h" ? this.option("help") : undefined);
      if (!option) {
        const negated = /^no[-_]?(.+)$/i.exec(name);
        const target = negated ? this.option(negated[1]!) : undefined;
        if (target && target.type === Boolean && !target.multiple) {
          if (value !== undefined) throw new OptionsError(`option --no-${target.flag} takes no value`);
          target.parse("false");
          continue;
        }
        throw new OptionsError(unknownMessage(name, this._options.values()));
      }
      if (value === undefined) {
        if (option.type === Boolean && !option.multiple) value = "true";
        else if (i + 1 < argv.length && !argv[i + 1]!.startsWith("--")) value = argv[++i]!;
        else throw new OptionsError(`option --${option.flag} requires a value (--${option.flag}=VALUE)`);
      }
      option.parse(value);
    }
    if (opts.final !== false) this.runParseCallbacks();
    return remaining;
  }

  private _require(name: string): Option {
    const option = this.option(name);
    if (!option) throw new OptionsError(unknownMessage(name, this._options.values()));
    return option;
  }

  private _exit(code: number): void {
    (this._config.exit ?? process.exit)(code);
  }
}

/** "unrecognized option --prot (did you mean --port?)" */
function unknownMessage(name: string, known: Iterable<Option>): string {
  const wanted = optionKey(name);
  let best: Option | undefined;
  let bestDistance = 3;
  for (const option of known) {
    const d = distance(wanted, optionKey(option.name));
    if (d < bestDistance) {
      best = option;
      bestDistance = d;
    }
  }
  return `unrecognized option --${flagName(name)}${best ? ` (did you mean --${best.flag}?)` : ""}`;
}

/** Levenshtein distance, for the "did you mean" hint (names are short). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    prev = row;
  }
  return prev[b.length]!;
}

// Property access on an OptionParser: its own members first, then options by any spelling.
const HANDLER: ProxyHandler<OptionParser> = {
  get(target, prop, receiver) {
    if (typeof prop !== "string" || prop in target) return Reflect.get(target, prop, receiver);
    const option = target.option(prop);
    if (option) return option.value;
    // Probes by promise resolution, test matchers and inspectors must not throw.
    if (prop === "then" || prop === "asymmetricMatch" || prop === "nodeType" || prop.startsWith("$$") || prop.startsWith("@@")) return undefined;
    throw new OptionsError(unknownMessage(prop, target.names().map((n) => target.option(n)!)));
  },
  set(target, prop, value, receiver) {
    if (typeof prop === "string" && !(prop in target)) {
      target.set(prop, value);
      return true;
    }
    return Reflect.set(target, prop, value, receiver);
  },
  has(target, prop) {
    return (typeof prop === "string" && target.has(prop)) || prop in target;
  },
  ownKeys(target) {
    return target.names();
  },
  getOwnPropertyDescriptor(target, prop) {
    if (typeof prop !== "string" || !target.has(prop)) return undefined;
    return { value: target.get(prop), writable: true, enumerable: true, configurable: true };
  },
  deleteProperty(target, prop) {
    if (typeof prop === "string" && target.has(prop)) target.set(prop, undefined);
    return true;
  },
};
