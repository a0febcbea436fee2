import { ParseError } from "./errors.js";
import { filterWhitespace, isWhitespaceMode, type WhitespaceMode } from "./whitespace.js";

/** What the parser needs from the template being parsed: its name, and where `{% autoescape %}` lands. */
export interface ParseTarget {
  readonly name: string;
  autoescape: string | null;
}

/** One section of a control block: the opening `if x` / `for …` / `try`, or an `elif`/`else`/`except`/`finally`. */
export interface Section {
  word: string;
  arg: string;
  line: number;
  body: Node[];
}

/** A parsed template chunk. Blocks keep the template they were written in (for autoescape and line comments). */
export type Node =
  | { kind: "text"; value: string; line: number }
  | { kind: "expr"; expr: string; line: number; col: number; raw: boolean }
  | { kind: "module"; expr: string; line: number; col: number }
  | { kind: "stmt"; code: string; line: number; col: number }
  | { kind: "jump"; word: "break" | "continue"; line: number }
  | { kind: "extends"; name: string; line: number }
  | { kind: "include"; name: string; line: number }
  | { kind: "block"; name: string; line: number; body: Node[]; template: ParseTarget }
  | { kind: "apply"; fn: string; line: number; col: number; body: Node[] }
  | { kind: "control"; op: "if" | "for" | "while" | "try"; line: number; col: number; sections: Section[] };

const INTERMEDIATE: Record<string, readonly string[]> = {
  else: ["if", "for", "while", "try"],
  elif: ["if"],
  except: ["try"],
  finally: ["try"],
};

/** Walks the template text, tracking the current line as Tornado's `_TemplateReader` does. */
class Reader {
  line = 1;
  pos = 0;
  private lineStart = 0;
  constructor(
    readonly name: string,
    readonly text: string,
    public whitespace: WhitespaceMode,
  ) {}

  /** Index of `needle` relative to the current position, or -1. */
  find(needle: string, start = 0): number {
    const i = this.text.indexOf(needle, this.pos + start);
    return i === -1 ? -1 : i - this.pos;
  }

  consume(count = this.text.length - this.pos): string {
    const end = this.pos + count;
    const s = this.text.slice(this.pos, end);
    for (let i = s.indexOf("\n"); i !== -1; i = s.indexOf("\n", i + 1)) {
      this.line++;
      this.lineStart = this.pos + i + 1;
    }
    this.pos = end;
    return s;
  }

  remaining(): number {
    return this.text.length - this.pos;
  }

  at(offset: number): string {
    return this.text.charAt(this.pos + offset);
  }

  /** 1-based column of the current position. */
  col(): number {
    return this.pos - this.lineStart + 1;
  }

  fail(message: string): never {
    throw new ParseError(message, this.name, this.line);
  }
}

type Terminator = { word: "end" } | { word: string; arg: string; line: number } | null;

/** Parses template source into nodes. `{% autoescape %}` is stored on `target`, as Tornado does. */
export function parseTemplate(text: string, target: ParseTarget, whitespace: WhitespaceMode): Node[] {
  const reader = new Reader(target.name, text, whitespace);
  return parseBody(reader, target, null, false).nodes;
}

function describe(ops: readonly string[]): string {
  return `{${ops.join(", ")}}`;
}

function parseBody(
  reader: Reader,
  target: ParseTarget,
  inBlock: string | null,
  inLoop: boolean,
  openLine = 0,
): { nodes: Node[]; end: Terminator } {
  const nodes: Node[] = [];
  const text = (value: string, line: number) => {
    const filtered = value.includes("<pre>") ? value : filterWhitespace(reader.whitespace, value);
    if (filtered) nodes.push({ kind: "text", value: filtered, line });
  };
  for (;;) {
    // Find the next tag start: "{{", "{%" or "{#"; with 3+ braces in a row, the innermost pair.
    let curly = 0;
    for (;;) {
      curly = reader.find("{", curly);
      if (curly === -1 || curly + 1 === reader.remaining()) {
        // Reported at the tag that opened the unclosed block.
        if (inBlock) throw new ParseError(`Missing {% end %} block for ${inBlock}`, reader.name, openLine || reader.line);
        const line = reader.line;
        text(reader.consume(), line);
        return { nodes, end: null };
      }
      const next = reader.at(curly + 1);
      if (next !== "{" && next !== "%" && next !== "#") {
        curly++;
        continue;
      }
      if (curly + 2 < reader.remaining() && next === "{" && reader.at(curly + 2) === "{") {
        curly++;
        continue;
      }
      break;
    }
    if (curly > 0) {
      const line = reader.line;
      text(reader.consume(curly), line);
    }
    const col = reader.col();
    const startBrace = reader.consume(2);
    const line = reader.line;

    // "{{!", "{%!" and "{#!" output the braces literally.
    if (reader.remaining() && reader.at(0) === "!") {
      reader.consume(1);
      nodes.push({ kind: "text", value: startBrace, line });
      continue;
    }

    if (startBrace === "{#") {
      const end = reader.find("#}");
      if (end === -1) reader.fail("Missing end comment #}");
      reader.consume(end);
      reader.consume(2);
      continue;
    }

    if (startBrace === "{{") {
      const end = reader.find("}}");
      if (end === -1) reader.fail("Missing end expression }}");
      const contents = reader.consume(end).trim();
      reader.consume(2);
      if (!contents) reader.fail("Empty expression");
      nodes.push({ kind: "expr", expr: contents, line, col, raw: false });
      continue;
    }

    const end = reader.find("%}");
    if (end === -1) reader.fail("Missing end block %}");
    const contents = reader.consume(end).trim();
    reader.consume(2);
    if (!contents) reader.fail("Empty block tag ({% %})");
    const m = /^(\S+)\s*([\s\S]*)$/.exec(contents)!;
    const op = m[1]!;
    const suffix = m[2]!.trim();

    const parents = INTERMEDIATE[op];
    if (parents) {
      if (!inBlock) reader.fail(`${op} outside ${describe(parents)} block`);
      if (!parents.includes(inBlock)) reader.fail(`${op} block cannot be attached to ${inBlock} block`);
      return { nodes, end: { word: op, arg: suffix, line } };
    }
    switch (op) {
      case "end":
        if (!inBlock) reader.fail("Extra {% end %} block");
        return { nodes, end: { word: "end" } };
      case "comment":
        continue;
      case "extends":
      case "include": {
        const name = stripQuotes(suffix);
        if (!name) reader.fail(`${op} missing file path`);
        nodes.push({ kind: op, name, line });
        continue;
      }
      case "set":
        if (!suffix) reader.fail("set missing statement");
        nodes.push({ kind: "stmt", code: setStatement(suffix), line, col });
        continue;
      case "autoescape": {
        if (!suffix) reader.fail("autoescape missing function name (or None)");
        target.autoescape = suffix === "None" || suffix === "null" ? null : suffix;
        continue;
      }
      case "whitespace":
        if (!isWhitespaceMode(suffix)) reader.fail(`invalid whitespace mode ${suffix}`);
        reader.whitespace = suffix;
        continue;
      case "raw":
        if (!suffix) reader.fail("raw missing expression");
        nodes.push({ kind: "expr", expr: suffix, line, col, raw: true });
        continue;
      case "module":
        if (!suffix) reader.fail("module missing expression");
        nodes.push({ kind: "module", expr: suffix, line, col });
        continue;
      case "import":
      case "from":
        reader.fail(`${op} is not supported in Typhoon templates (pass what you need in the render arguments)`);
      // eslint-disable-next-line no-fallthrough
      case "break":
      case "continue":
        if (!inLoop) reader.fail(`${op} outside {for, while} block`);
        if (suffix) reader.fail(`${op} takes no argument`);
        nodes.push({ kind: "jump", word: op, line });
        continue;
      case "apply": {
        // apply becomes a nested function, so break/continue inside it are not in the loop.
        const body = parseBody(reader, target, op, false, line).nodes;
        if (!suffix) reader.fail("apply missing method name");
        nodes.push({ kind: "apply", fn: suffix, line, col, body });
        continue;
      }
      case "block": {
        const body = parseBody(reader, target, op, inLoop, line).nodes;
        if (!suffix) reader.fail("block missing name");
        nodes.push({ kind: "block", name: suffix, line, body, template: target });
        continue;
      }
      case "if":
      case "for":
      case "while":
      case "try": {
        const loop = op === "for" || op === "while";
        if (op !== "try" && !suffix) reader.fail(`${op} missing condition`);
        const sections: Section[] = [];
        const head = op === "for" ? forHead(suffix, (msg) => reader.fail(msg)) : suffix;
        let section: { word: string; arg: string; line: number } = { word: op, arg: head, line };
        for (;;) {
          // A loop's `else` runs after the loop: break/continue there belong to an enclosing loop.
          const bodyInLoop = loop && section.word !== "else" ? true : inLoop;
          const result = parseBody(reader, target, op, bodyInLoop, line);
          sections.push({ ...section, body: result.nodes });
          const term = result.end!;
          if (term.word === "end") break;
          const t = term as { word: string; arg: string; line: number };
          checkSection(reader, op, sections, t);
          section = t;
        }
        if (op === "try" && sections.length === 1) {
          throw new ParseError("try block needs an except or finally block", reader.name, line);
        }
        nodes.push({ kind: "control", op, line, col, sections });
        continue;
      }
      default:
        reader.fail(`unknown operator: '${op}'`);
    }
  }
}

/** Enforces the JavaScript-compatible order of intermediate sections. */
function checkSection(reader: Reader, op: string, done: Section[], next: { word: string; arg: string; line: number }): void {
  const words = done.map((s) => s.word);
  const last = words[words.length - 1];
  const fail = (msg: string) => {
    throw new ParseError(msg, reader.name, next.line);
  };
  if (last === "finally" || (last === "else" && !(op === "try" && next.word === "finally"))) fail(`${next.word} block after ${last} block`);
  if (next.word === "elif" && !next.arg) fail("elif missing condition");
  if (next.word === "else" && next.arg) fail(`else takes no condition (use elif)`);
  if (op === "try") {
    if (next.word === "except" && done.some((s, i) => i > 0 && s.word === "except" && isCatchAll(s.arg))) {
      fail("except block after a catch-all except block");
    }
    if (next.word === "except") parseExcept(next.arg, (m) => fail(m));
    if (next.word === "else" && !words.includes("except")) fail("else block on try without except");
    if (next.word === "finally" && next.arg) fail("finally takes no argument");
  }
}

/** True for `{% except %}` and `{% except e %}`, which catch everything. */
export function isCatchAll(arg: string): boolean {
  return !/\sas\s/.test(` ${arg} `) || arg === "";
}

/**
 * The JavaScript form of `except`: `{% except %}` and `{% except e %}` catch everything (the second
 * binds the error to `e`); `{% except TypeError as e %}` catches only `instanceof TypeError` and may be
 * followed by more `except` sections. An error no section matches is rethrown.
 */
export function parseExcept(arg: string, fail: (msg: string) => never): { cls: string | null; name: string | null } {
  const s = arg.trim();
  if (!s) return { cls: null, name: null };
  const m = /^([\s\S]+?)\s+as\s+([A-Za-z_$][\w$]*)$/.exec(s);
  if (m) return { cls: m[1]!.trim(), name: m[2]! };
  if (/^[A-Za-z_$][\w$]*$/.test(s)) return { cls: null, name: s };
  return fail(`except expects nothing, a name, or "Class as name" (got "${s}")`);
}

function stripQuotes(s: string): string {
  return s.replace(/^"+|"+$/g, "").replace(/^'+|'+$/g, "").trim();
}

/** `{% set x = 1 %}` declares `x` for the rest of the template (function scope, like Python). */
function setStatement(code: string): string {
  if (/^(?:let|const|var)\s/.test(code)) return code;
  if (/^(?:[A-Za-z_$][\w$]*|\[[^\]=]*\]|\{[^}=]*\})\s*=(?![=>])/.test(code)) return `var ${code}`;
  return code;
}

/**
 * The head of a JavaScript `for (…)` from a template's `for`: `x of xs` and Tornado's `x in xs` both
 * iterate values (`for…of`); `k, v of pairs` destructures like Python; `(let i = 0; i < n; i++)` and
 * other parenthesised heads are used as written. Loop variables are `var`s unless declared otherwise.
 */
function forHead(arg: string, fail: (msg: string) => never): string {
  const s = arg.trim();
  if (s.startsWith("(") && closingParen(s, 0) === s.length - 1) return s.slice(1, -1);
  let depth = 0;
  let quote = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = "";
      continue;
    }
    if (c === '"' || c === "'" || c === "`") quote = c;
    else if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    else if (depth === 0 && /\s/.test(c)) {
      const m = /^\s+(of|in)\s+/.exec(s.slice(i));
      if (!m) continue;
      let target = s.slice(0, i).trim();
      const iterable = s.slice(i + m[0].length).trim();
      if (!target || !iterable) break;
      let decl = "var ";
      if (/^(?:let|const|var)\s/.test(target)) decl = "";
      else if (!/^[[{]/.test(target) && target.includes(",")) target = `[${target}]`;
      return `${decl}${target} of (${iterable})`;
    }
  }
  return fail(`for expects "item of items" or "item in items" (got "${s}")`);
}

function closingParen(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === "(") depth++;
    else if (s[i] === ")" && --depth === 0) return i;
  }
  return -1;
}
