import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OptionParser, OptionsError, type OptionParserConfig } from "../../src/options/index.js";

class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** An isolated parser whose --help and errors are captured instead of ending the test process. */
function makeParser(config: OptionParserConfig = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const parser = new OptionParser({
    program: "app.ts",
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => err.push(s) },
    exit: (code: number) => {
      throw new Exit(code);
    },
    ...config,
  });
  return { parser, out, err };
}

function errorOf(fn: () => unknown): OptionsError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(OptionsError);
    return e as OptionsError;
  }
  throw new Error("expected an OptionsError");
}

describe("define and property access", () => {
  it("reads defaults, infers types from them, and accepts every spelling of a name", () => {
    const { parser } = makeParser();
    parser.define("port", { default: 8888, help: "port to listen on" });
    parser.define("max-body-size", { default: 1024 });
    parser.define("debug", { default: false });
    expect(parser.port).toBe(8888);
    expect(parser.maxBodySize).toBe(1024);
    expect(parser["max-body-size"]).toBe(1024);
    expect(parser["max_body_size"]).toBe(1024);
    expect(parser.get("MAX_BODY_SIZE")).toBe(1024);
    expect(parser.option("port")!.type).toBe(Number);
    expect(parser.option("debug")!.type).toBe(Boolean);
    expect(parser.names()).toEqual(["help", "port", "maxBodySize", "debug"]);
    expect("maxBodySize" in parser).toBe(true);
    expect("nothing" in parser).toBe(false);
    expect(Object.keys(parser)).toEqual(["help", "port", "maxBodySize", "debug"]);
  });

  it("sets values with a type check and runs the callback", () => {
    const { parser } = makeParser();
    const seen: unknown[] = [];
    parser.define("port", { type: Number, default: 80, callback: (v) => seen.push(v) });
    parser.port = 81;
    expect(parser.port).toBe(81);
    expect(seen).toEqual([81]);
    expect(errorOf(() => (parser.port = "82")).message).toBe('option --port: value must be a number, got the string "82"');
    parser.port = undefined;
    expect(parser.port).toBe(80);
  });

  it("throws on unknown options, with a suggestion", () => {
    const { parser } = makeParser();
    parser.define("port", { default: 1 });
    expect(errorOf(() => parser.prot).message).toBe("unrecognized option --prot (did you mean --port?)");
    expect(errorOf(() => (parser.nope = 1)).message).toBe("unrecognized option --nope");
    // Promise resolution probes `then`: an OptionParser must stay awaitable.
    expect(parser.then).toBeUndefined();
  });

  it("refuses duplicates, bad names, reserved names and defaults of the wrong type", () => {
    const { parser } = makeParser();
    parser.define("maxBodySize", { default: 1 });
    expect(errorOf(() => parser.define("max-body-size")).message).toMatch(/^option --max-body-size already defined in test\/options\/parser\.test\.ts$/);
    expect(errorOf(() => parser.define("1abc")).message).toMatch(/invalid option name/);
    expect(errorOf(() => parser.define("define")).message).toMatch(/reserved/);
    expect(errorOf(() => parser.define("port", { type: Number, default: "80" as unknown as number })).message).toBe(
      'option --port: default must be a number, got the string "80"',
    );
  });

  it("keeps separate parsers separate", () => {
    const a = makeParser().parser;
    const b = makeParser().parser;
    a.define("port", { default: 1 });
    expect(b.has("port")).toBe(false);
    b.define("port", { default: 2 });
    expect([a.port, b.port]).toEqual([1, 2]);
  });

  it("offers items, asDict, groups, groupDict and JSON", () => {
    const { parser } = makeParser();
    parser.define("templatePath", { default: "t", group: "application" });
    parser.define("staticPath", { default: "s", group: "application" });
    parser.define("port", { default: 1 });
    expect(parser.groupDict("application")).toEqual({ templatePath: "t", staticPath: "s" });
    expect(parser.groups()).toEqual(new Set(["", "application", "test/options/parser.test.ts"]));
    expect(parser.asDict()).toEqual({ help: undefined, templatePath: "t", staticPath: "s", port: 1 });
    expect(JSON.parse(JSON.stringify(parser))).toEqual({ templatePath: "t", staticPath: "s", port: 1 });
    expect(parser.items()).toContainEqual(["port", 1]);
  });
});

describe("parseCommandLine", () => {
  it("accepts --name=value, --name value, bare and negated booleans, and returns positionals", () => {
    const { parser } = makeParser();
    parser.define("port", { default: 8888, type: Number });
    parser.define("name", { type: String });
    parser.define("debug", { default: false });
    parser.define("verbose", { default: true });
    const rest = parser.parseCommandLine(["--port=1234", "--name", "-x-", "--debug", "--no-verbose", "app.js", "--port=1"]);
    expect(rest).toEqual(["app.js", "--port=1"]);
    expect([parser.port, parser.name, parser.debug, parser.verbose]).toEqual([1234, "-x-", true, false]);
  });

  it("maps --max-body-size, --max_body_size and --maxBodySize to maxBodySize", () => {
    const { parser } = makeParser();
    parser.define("maxBodySize", { default: 0 });
    for (const [flag, n] of [["--max-body-size=1", 1], ["--max_body_size=2", 2], ["--maxBodySize=3", 3], ["-max-body-size=4", 4]] as const) {
      parser.parseCommandLine([flag]);
      expect(parser.maxBodySize).toBe(n);
    }
  });

  it("stops at -- and returns what follows", () => {
    const { parser } = makeParser();
    parser.define("debug", { default: false });
    expect(parser.parseCommandLine(["--debug", "--", "--not-an-option"])).toEqual(["--not-an-option"]);
    expect(parser.parseCommandLine([])).toEqual([]);
  });

  it("parses booleans in many words and refuses others", () => {
    const { parser } = makeParser();
    parser.define("debug", { default: false });
    for (const [word, v] of [["true", true], ["1", true], ["yes", true], ["ON", true], ["false", false], ["0", false], ["no", false], ["f", false]] as const) {
      parser.parseCommandLine([`--debug=${word}`]);
      expect(parser.debug).toBe(v);
    }
    expect(errorOf(() => parser.parseCommandLine(["--debug=maybe"])).message).toBe('option --debug expects true or false, got "maybe"');
    expect(errorOf(() => parser.parseCommandLine(["--no-debug=1"])).message).toBe("option --no-debug takes no value");
  });

  it("gives clear errors for unknown, valueless and ill-typed flags", () => {
    const { parser } = makeParser();
    parser.define("port", { default: 8888 });
    parser.define("when", { type: Date });
    expect(errorOf(() => parser.parseCommandLine(["--prot=1"])).message).toBe("unrecognized option --prot (did you mean --port?)");
    expect(errorOf(() => parser.parseCommandLine(["--zzzzzz"])).message).toBe("unrecognized option --zzzzzz");
    expect(errorOf(() => parser.parseCommandLine(["--port"])).message).toBe("option --port requires a value (--port=VALUE)");
    expect(errorOf(() => parser.parseCommandLine(["--port", "--when=2020-01-01"])).message).toMatch(/requires a value/);
    expect(errorOf(() => parser.parseCommandLine(["--port=eighty"])).message).toBe('option --port expects a number, got "eighty"');
    expect(errorOf(() => parser.parseCommandLine(["--port="])).message).toBe('option --port expects a number, got ""');
    expect(errorOf(() => parser.parseCommandLine(["--when=someday"])).message).toMatch(/^option --when expects a date/);
    expect(errorOf(() => parser.parseCommandLine(["--no-port"])).message).toMatch(/^unrecognized option --no-port/);
    expect(parser.port).toBe(8888);
  });

  it("parses multiple values, with integer ranges", () => {
    const { parser } = makeParser();
    parser.define("hosts", { multiple: true });
    parser.define("ports", { type: Number, multiple: true });
    expect(parser.hosts).toEqual([]);
    parser.parseCommandLine(["--hosts=a.example, b.example", "--ports=80,8000:8002"]);
    expect(parser.hosts).toEqual(["a.example", "b.example"]);
    expect(parser.ports).toEqual([80, 8000, 8001, 8002]);
    expect(errorOf(() => parser.parseCommandLine(["--ports=9:1"])).message).toMatch(/bad range "9:1"/);
    expect(errorOf(() => parser.parseCommandLine(["--ports=1:99999999"])).message).toMatch(/bad range/);
    expect(errorOf(() => parser.parseCommandLine(["--ports=1,x"])).message).toBe('option --ports expects a number, got "x"');
  });

  it("uses Date, classes and parser functions as types", () => {
    const { parser } = makeParser();
    parser.define("since", { type: Date });
    parser.define("upstream", { type: URL });
    parser.define("level", {
      type: (s: string) => {
        if (!["info", "warn"].includes(s)) throw new Error("use info or warn");
        return s.toUpperCase();
      },
    });
    parser.parseCommandLine(["--since=2024-05-01T12:30:00Z", "--upstream=http://127.0.0.1:9000/x", "--level=warn"]);
    expect((parser.since as Date).toISOString()).toBe("2024-05-01T12:30:00.000Z");
    expect(parser.upstream).toBeInstanceOf(URL);
    expect(parser.upstream.port).toBe("9000");
    expect(parser.level).toBe("WARN");
    expect(errorOf(() => parser.parseCommandLine(["--level=debug"])).message).toBe('option --level: invalid value "debug": use info or warn');
    expect(errorOf(() => parser.parseCommandLine(["--upstream=::"])).message).toMatch(/^option --upstream: invalid value "::"/);
    expect(errorOf(() => (parser.upstream = "http://x/")).message).toMatch(/must be a URL/);
  });

  it("runs option callbacks per value and parse callbacks once parsing is final", () => {
    const { parser } = makeParser();
    const log: string[] = [];
    parser.define("port", { default: 1, callback: (v) => log.push(`port=${v}`) });
    parser.addParseCallback(() => log.push("parsed"));
    parser.parseCommandLine(["--port=2"], { final: false });
    expect(log).toEqual(["port=2"]);
    parser.parseCommandLine(["--port=3"]);
    expect(log).toEqual(["port=2", "port=3", "parsed"]);
  });

  it("prints help grouped by file and group, with defaults, and exits 0", () => {
    const { parser, out } = makeParser();
    parser.define("port", { default: 8888, help: "port to listen on" });
    parser.define("hosts", { multiple: true, default: ["a", "b"], help: "hosts to serve" });
    parser.define("debug", { default: false, help: "debug mode" });
    parser.define("templatePath", { group: "application", metavar: "DIR", help: "where templates live" });
    parser.define("description", {
      help: "a long help text that will certainly need to be wrapped over more than one line of output",
    });
    const e = (() => {
      try {
        parser.parseCommandLine(["--port=1", "--help", "--debug"]);
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(Exit);
    expect((e as Exit).code).toBe(0);
    expect(out.join("")).toBe(
      [
        "Usage: app.ts [OPTIONS]",
        "",
        "Options:",
        "",
        "  --help                           show this help information",
        "",
        "application options:",
        "",
        "  --template-path=DIR              where templates live",
        "",
        "test/options/parser.test.ts options:",
        "",
        "  --debug                          debug mode (default false)",
        "  --description=STRING             a long help text that will certainly need to",
        "                                   be wrapped over more than one line of output",
        "  --hosts=STRING,...               hosts to serve (default a,b)",
        "  --port=NUMBER                    port to listen on (default 8888)",
        "",
      ].join("\n") + "\n",
    );
    expect(() => parser.parseCommandLine(["-h"])).toThrow(Exit);
  });
});

describe("parseConfigFile", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "typhoon-options-"));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function setup() {
    const { parser } = makeParser();
    parser.define("port", { default: 8888 });
    parser.define("maxBodySize", { default: 10 });
    parser.define("hosts", { multiple: true });
    parser.define("debug", { default: false });
    parser.define("since", { type: Date });
    return parser;
  }

  it("reads JSON, parsing strings for non-string options and matching any spelling", async () => {
    const parser = setup();
    const file = path.join(dir, "c.json");
    fs.writeFileSync(file, JSON.stringify({ port: 80, "max-body-size": "2048", hosts: "a,b", debug: "yes", since: "2020-02-02" }));
    let parsed = 0;
    parser.addParseCallback(() => parsed++);
    await parser.parseConfigFile(file);
    expect([parser.port, parser.maxBodySize, parser.hosts, parser.debug]).toEqual([80, 2048, ["a", "b"], true]);
    expect((parser.since as Date).toISOString().slice(0, 10)).toBe("2020-02-02");
    expect(parsed).toBe(1);
    fs.writeFileSync(file, JSON.stringify({ hosts: ["x"] }));
    await parser.parseConfigFile(file, { final: false });
    expect(parser.hosts).toEqual(["x"]);
    expect(parsed).toBe(1);
  });

  it("reads a module's default export and named exports", async () => {
    const parser = setup();
    const file = path.join(dir, "c.mjs");
    fs.writeFileSync(file, "export default { port: 81, debug: true };\nexport const maxBodySize = 5 * 1024;\nexport const hosts = ['h1', 'h2'];\n");
    await parser.parseConfigFile(file);
    expect([parser.port, parser.debug, parser.maxBodySize, parser.hosts]).toEqual([81, true, 5120, ["h1", "h2"]]);
    const cjs = path.join(dir, "c.cjs");
    fs.writeFileSync(cjs, "module.exports = { port: 82 };\n");
    await parser.parseConfigFile(cjs);
    expect(parser.port).toBe(82);
  });

  it("rejects unknown names, wrong types, bad JSON, missing files and other extensions", async () => {
    const parser = setup();
    const write = (name: string, text: string) => {
      fs.writeFileSync(path.join(dir, name), text);
      return path.join(dir, name);
    };
    const bad = [
      [write("a.json", '{"prot": 1}'), /a\.json: unrecognized option --prot \(did you mean --port\?\)$/],
      [write("b.json", '{"port": true}'), /b\.json: option --port: value must be a number, got boolean true$/],
      [write("c.json", '{"port": "x"}'), /c\.json: option --port expects a number, got "x"$/],
      [write("d.json", "{port: 1}"), /d\.json: invalid JSON/],
      [write("e.json", "[1]"), /e\.json: must hold a JSON object/],
      [write("f.mjs", "export default 42;"), /f\.mjs: the default export must be an object/],
      [write("g.yaml", "port: 1"), /unsupported config file type ".yaml"/],
      [path.join(dir, "missing.json"), /config file not found/],
    ] as const;
    for (const [file, re] of bad) {
      await expect(parser.parseConfigFile(file)).rejects.toThrow(re);
      await expect(parser.parseConfigFile(file)).rejects.toBeInstanceOf(OptionsError);
    }
  });
});
