import { formatValue, typeLabel, type Option } from "./option.js";

const NAME_WIDTH = 30;
const TEXT_WIDTH = 79 - 35;

/** Splits text into lines of at most `width` characters at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter((w) => w !== "")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  if (line !== "") lines.push(line);
  return lines;
}

/** The left column: `--port=NUMBER`, `--hosts=STRING,...`, `--debug`. */
function flagColumn(option: Option): string {
  if (option.type === Boolean && !option.multiple) return option.flag;
  const metavar = option.metavar ?? typeLabel(option.type).toUpperCase();
  return `${option.flag}=${metavar}${option.multiple && option.metavar === undefined ? ",..." : ""}`;
}

/** Tornado's `--help` layout: a usage line, then each group (by default the defining file) sorted by name. */
export function formatHelp(program: string, options: Iterable<Option>): string {
  const out: string[] = [`Usage: ${program} [OPTIONS]`, "", "Options:", ""];
  const groups = new Map<string, Option[]>();
  for (const option of options) {
    const list = groups.get(option.group) ?? [];
    list.push(option);
    groups.set(option.group, list);
  }
  for (const group of [...groups.keys()].sort()) {
    if (group !== "") out.push("", `${group} options:`, "");
    const list = groups.get(group)!.sort((a, b) => (a.flag < b.flag ? -1 : a.flag > b.flag ? 1 : 0));
    for (const option of list) {
      const prefix = flagColumn(option);
      let description = option.help;
      const dflt = option.default;
      if (dflt !== undefined && dflt !== null && dflt !== "" && !(Array.isArray(dflt) && dflt.length === 0)) {
        description += `${description ? " " : ""}(default ${formatValue(dflt)})`;
      }
      const lines = wrap(description, TEXT_WIDTH);
      if (prefix.length > NAME_WIDTH || lines.length === 0) lines.unshift("");
      out.push(`  --${prefix.padEnd(NAME_WIDTH)} ${lines[0]}`.trimEnd());
      for (const line of lines.slice(1)) out.push(`${" ".repeat(34)} ${line}`);
    }
  }
  out.push("");
  return out.join("\n") + "\n";
}
