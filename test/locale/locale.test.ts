import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseAcceptLanguage } from "../../src/locale/accept-language.js";
import { TranslationFileError } from "../../src/locale/csv.js";
import { formatMessage, getSupportedLocales, loadTranslations, Locale } from "../../src/locale/locale.js";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "typhoon-locale-"));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  loadTranslations(fs.mkdtempSync(path.join(os.tmpdir(), "typhoon-empty-")));
});

describe("loadTranslations", () => {
  it("reads Tornado CSV files with plural forms and finds the closest locale", () => {
    fs.writeFileSync(
      path.join(dir, "es.csv"),
      '"Sign in","Iniciar sesión"\n"%(name)s liked this","A %(name)s les gustó esto","plural"\n"%(name)s liked this","A %(name)s le gustó esto","singular"\n\n"multi\nline","varias, líneas"\n',
    );
    fs.writeFileSync(path.join(dir, "fr_FR.csv"), "\ufeff\"school\",\"école\"\n");
    fs.writeFileSync(path.join(dir, "notes.txt"), "ignored");
    loadTranslations(dir);
    expect(getSupportedLocales()).toEqual(["en_US", "es", "fr_FR"]);
    const es = Locale.get("es_GT");
    expect(es.code).toBe("es");
    expect(es.translate("Sign in")).toBe("Iniciar sesión");
    expect(es.translate("Unknown phrase")).toBe("Unknown phrase");
    expect(es.translate("%(name)s liked this", "%(name)s liked this", 1)).toBe("A %(name)s le gustó esto");
    expect(formatMessage(es.translate("%(name)s liked this", "%(name)s liked this", 2), { name: "Ana" })).toBe("A Ana les gustó esto");
    expect(es.translate("multi\nline")).toBe("varias, líneas");
    expect(Locale.get("fr-fr").translate("school")).toBe("école");
    expect(Locale.get("de", "fr_FR").code).toBe("fr_FR");
    expect(Locale.get("xx", null, "").code).toBe("en_US");
    expect(Locale.get("a_b_c").code).toBe("en_US");
    expect(Locale.get("es_LA").name).toBe("Unknown");
    expect(new Locale("es_LA").name).toBe("Español");
  });
  it("reads UTF-16 with a BOM", () => {
    const text = '"school","école"\n';
    fs.writeFileSync(path.join(dir, "fr.csv"), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]));
    loadTranslations(dir);
    expect(Locale.get("fr").translate("school")).toBe("école");
  });
  it("names the file and line of a malformed CSV line", () => {
    fs.writeFileSync(path.join(dir, "es.csv"), '"a","b"\n"c","d"\n"e" x,"f"\n');
    let err: unknown;
    try {
      loadTranslations(dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TranslationFileError);
    expect((err as Error).message).toMatch(/es\.csv:3$/);
    fs.writeFileSync(path.join(dir, "es.csv"), '"a","b"\n"c","unterminated\n');
    expect(() => loadTranslations(dir)).toThrow(/unterminated quoted field at .*es\.csv:2$/);
    fs.writeFileSync(path.join(dir, "es.csv"), '"a","b","weird"\n');
    expect(() => loadTranslations(dir)).toThrow(/plural indicator "weird" at .*es\.csv:1$/);
  });
});

describe("formatting (Tornado's EnglishTest)", () => {
  const en = () => Locale.get("en_US");
  it("formatDate absolute and relative", () => {
    expect(en().formatDate(Date.UTC(2013, 3, 28, 18, 35), { fullFormat: true })).toBe("April 28, 2013 at 6:35 pm");
    const now = Date.now();
    expect(en().formatDate(now - 2000)).toBe("2 seconds ago");
    expect(en().formatDate(now - 2 * 60_000)).toBe("2 minutes ago");
    expect(en().formatDate(now - 2 * 3_600_000)).toBe("2 hours ago");
    expect(en().formatDate(now - 86_400_000, { shorter: true })).toBe("yesterday");
    const d2 = new Date(now - 2 * 86_400_000);
    expect(en().formatDate(d2, { shorter: true })).toBe(["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"][d2.getUTCDay()]);
    const months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
    const d300 = new Date(now - 300 * 86_400_000);
    expect(en().formatDate(d300, { shorter: true })).toBe(`${months[d300.getUTCMonth()]} ${d300.getUTCDate()}`);
    const d500 = new Date(now - 500 * 86_400_000);
    expect(en().formatDate(d500, { shorter: true })).toBe(`${months[d500.getUTCMonth()]} ${d500.getUTCDate()}, ${d500.getUTCFullYear()}`);
    expect(en().formatDate(now + 86_400_000 * 3, { shorter: true })).toMatch(/^\w+ \d+, \d{4}$/);
    expect(new Locale("de").formatDate(Date.UTC(2013, 3, 28, 18, 5), { fullFormat: true })).toBe("April 28, 2013 at 18:05");
  });
  it("formatDay, list, friendlyNumber", () => {
    expect(en().formatDay(Date.UTC(2013, 3, 28, 18, 35))).toBe("Sunday, April 28");
    expect(en().formatDay(Date.UTC(2013, 3, 28, 18, 35), { dow: false })).toBe("April 28");
    expect(en().list([])).toBe("");
    expect(en().list(["A"])).toBe("A");
    expect(en().list(["A", "B"])).toBe("A and B");
    expect(en().list(["A", "B", "C"])).toBe("A, B and C");
    expect(en().friendlyNumber(1000000)).toBe("1,000,000");
    expect(en().friendlyNumber(-1234.5)).toBe("-1,234.5");
    expect(new Locale("de").friendlyNumber(1000000)).toBe("1000000");
  });
});

describe("Accept-Language", () => {
  it("orders by q-value", () => {
    expect(parseAcceptLanguage("es-GT,es;q=0.9,en;q=0.5")).toEqual(["es-GT", "es", "en"]);
    expect(parseAcceptLanguage("en;q=0.1, fr;q=0.8, de")).toEqual(["de", "fr", "en"]);
    expect(parseAcceptLanguage("fr;q=0, de")).toEqual(["de"]);
  });
  it("never throws on hostile input", () => {
    for (const h of [";;;q=abc,,,", "", ",,,", "q=1", "en;q=-1", "x".repeat(100000), "\u0000;q=1e999", undefined, null, ["a", "b"]]) {
      expect(() => parseAcceptLanguage(h as string)).not.toThrow();
    }
    expect(parseAcceptLanguage(";;;q=abc,,,")).toEqual([]);
    expect(parseAcceptLanguage("en;q=-1")).toEqual([]);
  });
});
