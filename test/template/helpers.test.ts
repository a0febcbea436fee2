// The template helpers against vectors generated from Tornado 6.2's own escape module and tests
// (test/fixtures/template/escape-vectors.json; `&#39;` normalised to Typhoon's `&#x27;`).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { jsonEncode, linkify, squeeze, urlEscape, type LinkifyOptions } from "../../src/util/escape.js";

const vectors = JSON.parse(
  fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/template/escape-vectors.json"), "utf8"),
) as {
  linkify: Array<{ text: string; options: LinkifyOptions; expected: string }>;
  url: Array<{ value: string; plus: string; noplus: string }>;
  squeeze: Array<{ in: string; out: string }>;
};

describe("escape helpers (Tornado vectors)", () => {
  it.each(vectors.linkify.map((v) => [v.text, v] as const))("linkify %j", (_text, v) => {
    expect(linkify(v.text, v.options)).toBe(v.expected);
  });
  it("urlEscape", () => {
    for (const v of vectors.url) {
      expect(urlEscape(v.value)).toBe(v.plus);
      expect(urlEscape(v.value, false)).toBe(v.noplus);
    }
  });
  it("squeeze and jsonEncode", () => {
    for (const v of vectors.squeeze) expect(squeeze(v.in)).toBe(v.out);
    expect(jsonEncode({ a: "</script>", b: [1, null] })).toBe('{"a":"<\\/script>","b":[1,null]}');
    expect(jsonEncode(undefined)).toBe("null");
  });
});
