import { ParseError } from "./errors.js";
import { parseExcept, type Node, type ParseTarget, type Section } from "./parser.js";
import type { LineOrigin } from "./sourcemap.js";

/** What code generation needs from a template: its parse tree, escaping policy and where it lives. */
export interface TemplateUnit extends ParseTarget {
  readonly nodes: Node[];
  /** Path (or name) shown in mapped stack frames. */
  readonly sourcePath: string;
  readonly source: string;
}

/** Loads the template an `extends`/`include` tag names, relative to the template containing the tag. */
export type UnitLoader = (name: string, from: TemplateUnit, line: number, kind: "extends" | "include") => TemplateUnit;

/** The generated function body plus, per generated line, where it came from. */
export interface GeneratedCode {
  body: string[];
  origins: Array<LineOrigin | null>;
  sources: string[];
  sourcesContent: string[];
}

type Block = Extract<Node, { kind: "block" }>;

/**
 * Emits the body of one JavaScript function for a template and its ancestors, with every include and
 * block inlined (Tornado's `_CodeWriter`). Each line ends with a `// name:line (via …)` comment.
 */
class CodeWriter {
  readonly body: string[] = [];
  readonly origins: Array<LineOrigin | null> = [];
  readonly sources: string[] = [];
  readonly sourcesContent: string[] = [];
  private readonly sourceIndex = new Map<string, number>();
  private indent = 1;
  private counter = 0;
  private includeStack: Array<[TemplateUnit, number]> = [];
  private loops: Array<{ brk: string | null }> = [];

  constructor(
    private current: TemplateUnit,
    private readonly namedBlocks: Map<string, Block>,
    private readonly load: UnitLoader | null,
  ) {}

  private source(unit: TemplateUnit): number {
    let i = this.sourceIndex.get(unit.sourcePath);
    if (i === undefined) {
      i = this.sources.length;
      this.sources.push(unit.sourcePath);
      this.sourcesContent.push(unit.source);
      this.sourceIndex.set(unit.sourcePath, i);
    }
    return i;
  }

  write(code: string, line: number, col = 1): void {
    let comment = `  // ${this.current.name}:${line}`;
    if (this.includeStack.length) {
      comment += ` (via ${this.includeStack
        .map(([t, l]) => `${t.name}:${l}`)
        .reverse()
        .join(", ")})`;
    }
    const pad = "  ".repeat(this.indent);
    const src = this.source(this.current);
    const parts = code.split("\n");
    parts.forEach((part, i) => {
      this.body.push(pad + part + (i === parts.length - 1 ? comment : ""));
      this.origins.push({ source: src, line: line + i, col: i === 0 ? col - 1 : 0 });
    });
  }

  private within(unit: TemplateUnit, line: number, fn: () => void): void {
    this.includeStack.push([this.current, line]);
    this.current = unit;
    try {
      fn();
    } finally {
      this.current = this.includeStack.pop()![0];
    }
  }

  private id(prefix: string): string {
    return `_tt_${prefix}${this.counter++}`;
  }

  nodes(nodes: Node[]): void {
    for (const node of nodes) this.node(node);
  }

  private node(node: Node): void {
    switch (node.kind) {
      case "text":
        this.write(`_tt_b += ${JSON.stringify(node.value)};`, node.line);
        return;
      case "expr": {
        const esc = node.raw ? null : this.current.autoescape;
        this.write(esc ? `_tt_b += ${esc}(_tt_s((${node.expr})));` : `_tt_b += _tt_s((${node.expr}));`, node.line, node.col);
        return;
      }
      case "module":
        this.write(`_tt_b += _tt_s(_tt_mod(_tt_a).${node.expr});`, node.line, node.col);
        return;
      case "stmt":
        this.write(`${node.code};`, node.line, node.col);
        return;
      case "jump": {
        const loop = this.loops[this.loops.length - 1];
        if (node.word === "break" && loop?.brk) this.write(`{ ${loop.brk} = true; break; }`, node.line);
        else this.write(`${node.word};`, node.line);
        return;
      }
      case "extends":
        return;
      case "include": {
        const unit = this.loadUnit(node.name, node.line, "include");
        this.within(unit, node.line, () => this.nodes(unit.nodes));
        return;
      }
      case "block": {
        const block = this.namedBlocks.get(node.name) ?? node;
        this.within(block.template as TemplateUnit, node.line, () => this.nodes(block.body));
        return;
      }
      case "apply": {
        const fn = this.id("apply");
        this.write(`const ${fn} = () => { let _tt_b = "";`, node.line);
        const loops = this.loops;
        this.loops = [];
        this.indent++;
        this.nodes(node.body);
        this.write("return _tt_b;", node.line);
        this.indent--;
        this.loops = loops;
        this.write("};", node.line);
        this.write(`_tt_b += _tt_s((${node.fn})(${fn}()));`, node.line, node.col);
        return;
      }
      case "control":
        if (node.op === "try") this.tryBlock(node.sections);
        else if (node.op === "if") this.ifBlock(node.sections);
        else this.loopBlock(node.op, node.sections);
        return;
    }
  }

  private body_(section: Section): void {
    this.indent++;
    this.nodes(section.body);
    this.indent--;
  }

  private ifBlock(sections: Section[]): void {
    for (const s of sections) {
      if (s.word === "if") this.write(`if (${s.arg}) {`, s.line);
      else if (s.word === "elif") this.write(`} else if (${s.arg}) {`, s.line);
      else this.write("} else {", s.line);
      this.body_(s);
    }
    this.write("}", sections[sections.length - 1]!.line);
  }

  private loopBlock(op: "for" | "while", sections: Section[]): void {
    const [head, orElse] = sections as [Section, Section | undefined];
    const brk = orElse ? this.id("brk") : null;
    if (brk) this.write(`let ${brk} = false;`, head.line);
    this.write(op === "for" ? `for (${head.arg}) {` : `while (${head.arg}) {`, head.line);
    this.loops.push({ brk });
    this.body_(head);
    this.loops.pop();
    this.write("}", head.line);
    if (orElse) {
      this.write(`if (!${brk}) {`, orElse.line);
      this.body_(orElse);
      this.write("}", orElse.line);
    }
  }

  private tryBlock(sections: Section[]): void {
    const [head] = sections as [Section];
    const excepts = sections.filter((s) => s.word === "except");
    const orElse = sections.find((s) => s.word === "else");
    const fin = sections.find((s) => s.word === "finally");
    const ok = orElse ? this.id("ok") : null;
    if (ok) this.write(`let ${ok} = false;`, head.line);
    if (fin) this.write("try {", head.line), this.indent++;
    if (excepts.length) this.write("try {", head.line);
    this.body_(head);
    if (ok) this.write(`  ${ok} = true;`, head.line);
    if (excepts.length) {
      const x = this.id("x");
      this.write(`} catch (${x}) {`, excepts[0]!.line);
      this.indent++;
      let catchAll = false;
      excepts.forEach((s, i) => {
        const { cls, name } = parseExcept(s.arg, (msg) => {
          throw new ParseError(msg, this.current.name, s.line);
        });
        const open = i === 0 ? "" : "} else ";
        if (cls) this.write(`${open}if (${x} instanceof (${cls})) {`, s.line);
        else this.write(i === 0 ? "{" : "} else {", s.line), (catchAll = true);
        if (name) this.write(`  let ${name} = ${x};`, s.line);
        this.body_(s);
      });
      this.write(catchAll ? "}" : `} else { throw ${x}; }`, excepts[excepts.length - 1]!.line);
      this.indent--;
      this.write("}", excepts[excepts.length - 1]!.line);
    }
    if (orElse) {
      this.write(`if (${ok}) {`, orElse.line);
      this.body_(orElse);
      this.write("}", orElse.line);
    }
    if (fin) {
      this.indent--;
      this.write("} finally {", fin.line);
      this.body_(fin);
      this.write("}", fin.line);
    }
  }

  private loadUnit(name: string, line: number, kind: "extends" | "include"): TemplateUnit {
    if (!this.load) throw new ParseError(`{% ${kind} %} block found, but no template loader`, this.current.name, line);
    return this.load(name, this.current, line, kind);
  }
}

function findNamedBlocks(nodes: Node[], from: TemplateUnit, load: UnitLoader | null, named: Map<string, Block>): void {
  for (const node of nodes) {
    switch (node.kind) {
      case "block":
        named.set(node.name, node);
        findNamedBlocks(node.body, from, load, named);
        break;
      case "include": {
        if (!load) throw new ParseError("{% include %} block found, but no template loader", from.name, node.line);
        const unit = load(node.name, from, node.line, "include");
        findNamedBlocks(unit.nodes, unit, load, named);
        break;
      }
      case "apply":
        findNamedBlocks(node.body, from, load, named);
        break;
      case "control":
        for (const s of node.sections) findNamedBlocks(s.body, from, load, named);
        break;
      default:
    }
  }
}

/** The chain `[template, parent, grandparent, …]` followed through top-level `{% extends %}` tags. */
function ancestors(unit: TemplateUnit, load: UnitLoader | null): TemplateUnit[] {
  const chain = [unit];
  for (const node of unit.nodes) {
    if (node.kind !== "extends") continue;
    if (!load) throw new ParseError("{% extends %} block found, but no template loader", unit.name, node.line);
    chain.push(...ancestors(load(node.name, unit, node.line, "extends"), load));
  }
  return chain;
}

/** Generates the function body for `unit`: the root ancestor's code with the most-derived blocks. */
export function generateCode(unit: TemplateUnit, load: UnitLoader | null): GeneratedCode {
  const chain = ancestors(unit, load).reverse();
  const named = new Map<string, Block>();
  for (const a of chain) findNamedBlocks(a.nodes, a, load, named);
  const writer = new CodeWriter(chain[0]!, named, load);
  writer.nodes(chain[0]!.nodes);
  return { body: writer.body, origins: writer.origins, sources: writer.sources, sourcesContent: writer.sourcesContent };
}
