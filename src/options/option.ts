import { OptionsError } from "./errors.js";
import { flagName } from "./names.js";

/**
 * What an option's text is turned into: `Number`, `String`, `Boolean`, `Date`, a parser function
 * `(text) => value`, or a class taking the text in its constructor (`URL`). A parser signals bad input
 * by throwing; its message is shown to the user.
 */
export type OptionType<T = unknown> =
  | NumberConstructor
  | StringConstructor
  | BooleanConstructor
  | DateConstructor
  | ((text: string) => T)
  | (new (text: string) => T);

/** The second argument of `define()`. Every field is optional; see `OptionParser.define`. */
export interface OptionSpec<T = unknown> {
  /** Value before anything is parsed; also fixes the type when `type` is omitted. */
  default?: T | T[] | null;
  type?: OptionType<T>;
  /** One line for `--help`. */
  help?: string;
  /** Placeholder in `--help` (`--port=PORT`); defaults to the type's name. */
  metavar?: string;
  /** A comma-separated list on the command line; an array in code and config files. */
  multiple?: boolean;
  /** `--help` heading; defaults to the file that called `define`. */
  group?: string;
  /** Called with the new value whenever the option is set or parsed. */
  callback?: (value: any) => void;
}

const TRUE_WORDS = new Set(["true", "t", "1", "yes", "y", "on"]);
const FALSE_WORDS = new Set(["false", "f", "0", "no", "n", "off"]);
/** A `--ports=8000:9000` range would otherwise let one flag allocate without bound. */
const MAX_RANGE = 100_000;

/** A class (rather than a parser function) is recognised by having methods on its prototype. */
function isClass(fn: Function): boolean {
  if (/^class[\s{]/.test(Function.prototype.toString.call(fn))) return true;
  const proto = (fn as { prototype?: object }).prototype;
  return proto !== undefined && Object.getOwnPropertyNames(proto).length > 1;
}

/** Name of a type for `--help` and error messages: NUMBER, STRING, DATE, URL, … */
export function typeLabel(type: OptionType): string {
  if (type === Number) return "number";
  if (type === String) return "string";
  if (type === Boolean) return "boolean";
  if (type === Date) return "date";
  return type.name || "value";
}

/** Infers the type from the default, as Tornado does (`define("port", { default: 80 })` is a Number). */
export function inferType(spec: OptionSpec): OptionType {
  if (spec.type !== undefined) return spec.type;
  const sample = Array.isArray(spec.default) ? spec.default[0] : spec.default;
  if (typeof sample === "number") return Number;
  if (typeof sample === "boolean") return Boolean;
  if (sample instanceof Date) return Date;
  return String;
}

/** One defined option: its description and its current value. */
export class Option {
  readonly name: string;
  readonly flag: string;
  readonly type: OptionType;
  readonly help: string;
  readonly metavar: string | undefined;
  readonly multiple: boolean;
  readonly group: string;
  readonly file: string;
  readonly default: unknown;
  private readonly callback: ((value: any) => void) | undefined;
  private current: unknown;
  private isSet = false;

  constructor(name: string, spec: OptionSpec, file: string) {
    this.name = name;
    this.flag = flagName(name);
    this.type = inferType(spec);
    if (typeof this.type !== "function") {
      throw new OptionsError(`option --${this.flag}: type must be Number, String, Boolean, Date or a function`);
    }
    this.help = spec.help ?? "";
    this.metavar = spec.metavar;
    this.multiple = spec.multiple === true;
    this.file = file;
    this.group = spec.group ?? file;
    this.callback = spec.callback;
    const dflt = spec.default === undefined ? (this.multiple ? [] : undefined) : spec.default;
    if (dflt !== undefined && dflt !== null) this.check(dflt, "default");
    this.default = dflt;
  }

  /** The current value: the last one set or parsed, else the default. */
  get value(): unknown {
    return this.isSet ? this.current : this.default;
  }

  /** Whether a value has been set or parsed (as opposed to the default showing through). */
  get wasSet(): boolean {
    return this.isSet;
  }

  /** Sets a value given in code or a config file, checking it against the type. `undefined` restores the default. */
  set(value: unknown): void {
    if (value === undefined) {
      this.isSet = false;
      this.current = undefined;
    } else {
      if (value !== null) this.check(value, "value");
      this.current = value;
      this.isSet = true;
    }
    this.callback?.(this.value);
  }

  /** Parses command-line text (`8080`, `a,b,c`, `1:4`) and sets the result. */
  parse(text: string): unknown {
    let value: unknown;
    if (this.multiple) {
      const parts = text.split(",").map((p) => p.trim()).filter((p) => p !== "");
      const list: unknown[] = [];
      for (const part of parts) {
        const range = this.type === Number ? /^([-+]?\d+):([-+]?\d+)$/.exec(part) : null;
        if (range) {
          const lo = Number(range[1]);
          const hi = Number(range[2]);
          if (hi < lo || hi - lo >= MAX_RANGE) {
            throw new OptionsError(`option --${this.flag}: bad range "${part}" (want LOW:HIGH, at most ${MAX_RANGE} numbers)`);
          }
          for (let n = lo; n <= hi; n++) list.push(n);
        } else {
          list.push(this.convert(part));
        }
      }
      value = list;
    } else {
      value = this.convert(text);
    }
    this.current = value;
    this.isSet = true;
    this.callback?.(value);
    return value;
  }

  /** Turns one piece of text into a value of the option's type. */
  private convert(text: string): unknown {
    const type = this.type;
    const bad = (want: string) => new OptionsError(`option --${this.flag} expects ${want}, got ${JSON.stringify(text)}`);
    if (type === String) return text;
    if (type === Number) {
      const trimmed = text.trim();
      const n = Number(trimmed);
      if (trimmed === "" || Number.isNaN(n)) throw bad("a number");
      return n;
    }
    if (type === Boolean) {
      const word = text.trim().toLowerCase();
      if (TRUE_WORDS.has(word)) return true;
      if (FALSE_WORDS.has(word)) return false;
      throw bad("true or false");
    }
    if (type === Date) {
      const d = new Date(text.trim());
      if (text.trim() === "" || Number.isNaN(d.getTime())) throw bad("a date such as 2024-05-01 or 2024-05-01T12:30:00Z");
      return d;
    }
    try {
      return isClass(type) ? new (type as new (t: string) => unknown)(text) : (type as (t: string) => unknown)(text);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new OptionsError(`option --${this.flag}: invalid value ${JSON.stringify(text)}: ${why}`);
    }
  }

  /** Type check for values that arrive already typed (code, JSON, JS config modules). */
  private check(value: unknown, what: string): void {
    if (this.multiple) {
      if (!Array.isArray(value)) throw new OptionsError(`option --${this.flag}: ${what} must be a list of ${typeLabel(this.type)}s, got ${describe(value)}`);
      for (const item of value) {
        if (item !== null && !this.fits(item)) {
          throw new OptionsError(`option --${this.flag}: ${what} must be a list of ${typeLabel(this.type)}s, got an item ${describe(item)}`);
        }
      }
    } else if (!this.fits(value)) {
      throw new OptionsError(`option --${this.flag}: ${what} must be a ${typeLabel(this.type)}, got ${describe(value)}`);
    }
  }

  private fits(value: unknown): boolean {
    const type = this.type;
    if (type === Number) return typeof value === "number" && !Number.isNaN(value);
    if (type === String) return typeof value === "string";
    if (type === Boolean) return typeof value === "boolean";
    if (type === Date) return value instanceof Date && !Number.isNaN(value.getTime());
    // A parser function's result type is unknown; a class's instances are recognisable.
    return isClass(type) ? value instanceof (type as new (t: string) => unknown) : true;
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (value instanceof Date) return "a Date";
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}

/** How a value is shown in `--help` defaults. */
export function formatValue(value: unknown): string {
  if (Array.isArray(value)) return value.map(formatValue).join(",");
  if (value instanceof Date) return value.toISOString();
  if (value instanceof URL) return value.href;
  return String(value);
}
