/**
 * `--ignore` patterns: `*` (within a path segment), `**` (any depth), `?`, `{a,b}`. A pattern without a
 * slash matches a base name anywhere (`*.log`); otherwise it is matched against the path relative to
 * the cwd and against the absolute path. A plain directory name (`dist`, `tmp/`) ignores everything in it.
 */
import path from "node:path";

/** Compiles a glob to a RegExp over forward-slash paths. */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*") {
      if (glob[i + 1] === "*") {
        const slash = glob[i + 2] === "/";
        re += slash ? "(?:.*/)?" : ".*";
        i += slash ? 2 : 1;
      } else re += "[^/]*";
    } else if (c === "?") re += "[^/]";
    else if (c === "{") {
      const end = glob.indexOf("}", i);
      if (end < 0) re += "\\{";
      else {
        re += "(?:" + glob.slice(i + 1, end).split(",").map((p) => p.replace(/[.+^$()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*")).join("|") + ")";
        i = end;
      }
    } else re += c.replace(/[.+^$()|[\]\\/]/g, "\\$&");
  }
  return new RegExp("^" + re + "(?:/.*)?$");
}

/** A matcher for a list of ignore patterns. */
export function ignoreMatcher(patterns: string[], cwd = process.cwd()): (file: string) => boolean {
  const compiled = patterns.map((p) => {
    const clean = p.replace(/\\/g, "/").replace(/\/+$/, "").replace(/^\.\//, "");
    return { re: globToRegExp(clean), base: !clean.includes("/") };
  });
  return (file: string) => {
    const abs = file.replace(/\\/g, "/");
    const rel = path.relative(cwd, file).replace(/\\/g, "/");
    for (const { re, base } of compiled) {
      if (re.test(rel) || re.test(abs)) return true;
      if (base && rel.split("/").some((seg) => re.test(seg))) return true;
    }
    return false;
  };
}
