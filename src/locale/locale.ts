import fs from "node:fs";
import path from "node:path";
import { genLog } from "../log/logger.js";
import { parseCsv, TranslationFileError } from "./csv.js";
import { LOCALE_NAMES } from "./names.js";

type Plural = "plural" | "singular" | "unknown";
/** Translations of one locale: plural indicator → English message → translation. */
export type Translations = Partial<Record<Plural, Record<string, string>>>;

let defaultLocale = "en_US";
let translations: Record<string, Translations> = {};
let supported = new Set<string>([defaultLocale]);
const cache = new Map<string, Locale>();

/**
 * Loads translations from Tornado's CSV files in `directory`, one per locale (`es_GT.csv`, `fr.csv`):
 * each line is `"message","translation"` with an optional third column `plural`, `singular` or
 * `unknown`/empty. UTF-8 (with or without BOM) and UTF-16 with BOM are read. Replaces previously
 * loaded translations. A malformed line throws a {@link TranslationFileError} naming file and line.
 */
export function loadTranslations(directory: string, encoding?: string): void {
  const loaded: Record<string, Translations> = {};
  for (const entry of fs.readdirSync(directory).sort()) {
    if (!entry.endsWith(".csv")) continue;
    const code = entry.slice(0, -4);
    const full = path.join(directory, entry);
    if (!/^[a-z]+(_[A-Z]+)?$/.test(code)) {
      genLog.error(`Unrecognized locale ${JSON.stringify(code)} (path: ${full})`);
      continue;
    }
    const table: Translations = {};
    for (const row of parseCsv(decode(fs.readFileSync(full), encoding), full)) {
      if (row.fields.length < 2) continue;
      const [english, translation, indicator] = row.fields.map((f) => f.trim()) as [string, string, string | undefined];
      const plural = indicator || "unknown";
      if (plural !== "plural" && plural !== "singular" && plural !== "unknown") {
        throw new TranslationFileError(`unrecognized plural indicator ${JSON.stringify(plural)}`, full, row.line);
      }
      (table[plural] ??= {})[english] = translation;
    }
    loaded[code] = table;
  }
  translations = loaded;
  supported = new Set([...Object.keys(loaded), defaultLocale]);
  cache.clear();
  genLog.debug(`Supported locales: ${[...supported].sort().join(", ")}`);
}

function decode(data: Buffer, encoding?: string): string {
  if (encoding) return new TextDecoder(encoding).decode(data);
  if (data[0] === 0xff && data[1] === 0xfe) return new TextDecoder("utf-16le").decode(data.subarray(2));
  if (data[0] === 0xfe && data[1] === 0xff) return new TextDecoder("utf-16be").decode(data.subarray(2));
  return new TextDecoder("utf-8").decode(data); // drops a UTF-8 BOM
}

/** Sets the locale the application's own strings are written in (default `en_US`). */
export function setDefaultLocale(code: string): void {
  defaultLocale = code;
  supported = new Set([...Object.keys(translations), defaultLocale]);
  cache.clear();
}

/** The locale codes with translations, plus the default locale. */
export function getSupportedLocales(): string[] {
  return [...supported].sort();
}

/** The closest supported locale for the codes, in order (`es-GT` → `es_GT`, else `es`); default `en_US`. */
export function getLocale(...codes: Array<string | null | undefined>): Locale {
  return Locale.get(...codes);
}

/** Python's `%(name)s` / `%(name)d` formatting, as used in Tornado's translation strings. */
export function formatMessage(message: string, values: Record<string, unknown>): string {
  return message.replace(/%(?:\(([^)]*)\))?([sdif%])/g, (all, name: string | undefined, type: string) => {
    if (type === "%") return "%";
    if (name === undefined || !(name in values)) return all;
    const v = values[name];
    return type === "d" || type === "i" ? String(Math.trunc(Number(v))) : String(v);
  });
}

/** Python's `round()`: halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const DAY = 86_400_000;

/**
 * A locale: translations plus date, list and number formatting (Tornado's `Locale`/`CSVLocale`).
 * Get one with {@link Locale.get}; a handler has `this.locale`, templates `locale` and `_`.
 */
export class Locale {
  /** The locale code, e.g. `es_GT`. */
  readonly code: string;
  /** Native display name (e.g. "Español"), or "Unknown". */
  readonly name: string;
  /** Right-to-left script (Farsi, Arabic, Hebrew). */
  readonly rtl: boolean;
  private readonly translations: Translations;
  private readonly months: string[];
  private readonly weekdays: string[];

  /**
   * The closest supported locale for the given codes, tried in order: an exact match (`es_GT`, also
   * written `es-gt`), else the language alone (`es`). Falls back to the default locale (`en_US`).
   */
  static get(...codes: Array<string | null | undefined>): Locale {
    for (const raw of codes) {
      if (!raw || typeof raw !== "string") continue;
      const parts = raw.replace(/-/g, "_").split("_");
      if (parts.length > 2) continue;
      const code = parts.length === 2 ? `${parts[0]!.toLowerCase()}_${parts[1]!.toUpperCase()}` : raw;
      if (supported.has(code)) return Locale.forCode(code);
      if (supported.has(parts[0]!.toLowerCase())) return Locale.forCode(parts[0]!.toLowerCase());
    }
    return Locale.forCode(defaultLocale);
  }

  /** Alias of {@link Locale.get} (Tornado's `get_closest`). */
  static getClosest(...codes: Array<string | null | undefined>): Locale {
    return Locale.get(...codes);
  }

  private static forCode(code: string): Locale {
    let locale = cache.get(code);
    if (!locale) {
      locale = new Locale(code, translations[code] ?? {});
      cache.set(code, locale);
    }
    return locale;
  }

  /** Prefer {@link Locale.get}; this builds a locale from a translation table directly. */
  constructor(code: string, table: Translations = {}) {
    this.code = code;
    this.translations = table;
    this.name = LOCALE_NAMES[code]?.name ?? "Unknown";
    this.rtl = ["fa", "ar", "he"].some((p) => code.startsWith(p));
    this.translate = this.translate.bind(this);
    const _ = this.translate;
    this.months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"].map((m) => _(m));
    this.weekdays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"].map((d) => _(d));
  }

  /**
   * Translates `message`; with `pluralMessage` and `count`, uses the plural form when `count !== 1`.
   * Untranslated messages come back unchanged. Bound, so it can be passed around as `_`.
   */
  translate(message: string, pluralMessage?: string, count?: number): string {
    let table: Record<string, string> | undefined;
    if (pluralMessage !== undefined && pluralMessage !== null) {
      if (count === undefined || count === null) throw new TypeError("translate(message, pluralMessage, count): count is required");
      if (count !== 1) {
        message = pluralMessage;
        table = this.translations.plural;
      } else {
        table = this.translations.singular;
      }
    } else {
      table = this.translations.unknown;
    }
    return table && Object.prototype.hasOwnProperty.call(table, message) ? table[message]! : message;
  }

  /** Translation with a context; CSV translations have no contexts, so this is {@link translate}. */
  pgettext(_context: string, message: string, pluralMessage?: string, count?: number): string {
    return this.translate(message, pluralMessage, count);
  }

  /**
   * Formats a date (a `Date` or milliseconds since the epoch, in UTC) as "2 minutes ago", "yesterday at
   * 5:20 pm", "Monday", "April 28 at 6:35 pm", or in full "April 28, 2013 at 6:35 pm". `gmtOffset` is
   * the viewer's offset in minutes (as `Date.getTimezoneOffset()` gives it). Future dates use the full form.
   */
  formatDate(
    date: Date | number,
    options: { gmtOffset?: number; relative?: boolean; shorter?: boolean; fullFormat?: boolean } = {},
  ): string {
    const { gmtOffset = 0, relative = true, shorter = false } = options;
    let fullFormat = options.fullFormat ?? false;
    const now = Date.now();
    let t = typeof date === "number" ? date : date.getTime();
    if (t > now) {
      if (relative && t - now < 60_000) t = now;
      else fullFormat = true;
    }
    const local = new Date(t - gmtOffset * 60_000);
    const localNow = new Date(now - gmtOffset * 60_000);
    const localYesterday = new Date(localNow.getTime() - DAY);
    const diff = now - t;
    const days = Math.floor(diff / DAY);
    const seconds = Math.floor((diff - days * DAY) / 1000);
    const _ = this.translate;
    let format: string | null = null;
    if (!fullFormat) {
      if (relative && days === 0) {
        if (seconds < 50) return formatMessage(_("1 second ago", "%(seconds)d seconds ago", seconds), { seconds });
        if (seconds < 50 * 60) {
          const minutes = roundHalfEven(seconds / 60);
          return formatMessage(_("1 minute ago", "%(minutes)d minutes ago", minutes), { minutes });
        }
        const hours = roundHalfEven(seconds / 3600);
        return formatMessage(_("1 hour ago", "%(hours)d hours ago", hours), { hours });
      }
      if (days === 0) format = _("%(time)s");
      else if (days === 1 && local.getUTCDate() === localYesterday.getUTCDate() && relative) {
        format = shorter ? _("yesterday") : _("yesterday at %(time)s");
      } else if (days < 5) format = shorter ? _("%(weekday)s") : _("%(weekday)s at %(time)s");
      else if (days < 334) format = shorter ? _("%(month_name)s %(day)s") : _("%(month_name)s %(day)s at %(time)s");
    }
    format ??= shorter ? _("%(month_name)s %(day)s, %(year)s") : _("%(month_name)s %(day)s, %(year)s at %(time)s");
    return formatMessage(format, {
      month_name: this.months[local.getUTCMonth()],
      weekday: this.weekdays[(local.getUTCDay() + 6) % 7],
      day: String(local.getUTCDate()),
      year: String(local.getUTCFullYear()),
      time: this.formatTime(local),
    });
  }

  private formatTime(local: Date): string {
    const h = local.getUTCHours();
    const mm = String(local.getUTCMinutes()).padStart(2, "0");
    if (this.code === "zh_CN") return `${h >= 12 ? "\u4e0b\u5348" : "\u4e0a\u5348"}${h % 12 || 12}:${mm}`;
    if (this.code === "en" || this.code === "en_US") return `${h % 12 || 12}:${mm} ${h >= 12 ? "pm" : "am"}`;
    return `${h}:${mm}`;
  }

  /** Formats a date as a day: "Sunday, April 28", or "April 28" without the day of week. */
  formatDay(date: Date | number, options: { gmtOffset?: number; dow?: boolean } = {}): string {
    const { gmtOffset = 0, dow = true } = options;
    const local = new Date((typeof date === "number" ? date : date.getTime()) - gmtOffset * 60_000);
    const _ = this.translate;
    const values = {
      month_name: this.months[local.getUTCMonth()],
      weekday: this.weekdays[(local.getUTCDay() + 6) % 7],
      day: String(local.getUTCDate()),
    };
    return formatMessage(dow ? _("%(weekday)s, %(month_name)s %(day)s") : _("%(month_name)s %(day)s"), values);
  }

  /** Joins parts as "A, B and C" ("A and B", "A", or "" for none), translated. */
  list(parts: readonly string[]): string {
    if (parts.length === 0) return "";
    if (parts.length === 1) return parts[0]!;
    const comma = this.code.startsWith("fa") ? " \u0648 " : ", ";
    return formatMessage(this.translate("%(commas)s and %(last)s"), {
      commas: parts.slice(0, -1).join(comma),
      last: parts[parts.length - 1],
    });
  }

  /** Groups thousands with commas in English ("1,000,000"); other locales get the plain number. */
  friendlyNumber(value: number | bigint): string {
    const s = String(value);
    if (this.code !== "en" && this.code !== "en_US") return s;
    const m = /^(-?)(\d+)(.*)$/.exec(s);
    if (!m) return s;
    return m[1] + m[2]!.replace(/\B(?=(\d{3})+(?!\d))/g, ",") + m[3];
  }
}
