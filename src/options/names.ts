// One option answers to several spellings: `maxBodySize`, `max-body-size`, `max_body_size`,
// `MAX_BODY_SIZE`. Lookups go through a key that ignores case and separators.

/** The lookup key shared by every spelling of a name. */
export function optionKey(name: string): string {
  return name.replace(/[-_]/g, "").toLowerCase();
}

/** `max-body-size` / `max_body_size` → `maxBodySize`; an already camelCase name is kept as given. */
export function camelName(name: string): string {
  if (!/[-_]/.test(name)) return name;
  const parts = name.split(/[-_]+/).filter((p) => p !== "");
  return parts.map((p, i) => (i === 0 ? p.toLowerCase() : p[0]!.toUpperCase() + p.slice(1).toLowerCase())).join("");
}

/** `maxBodySize` → `max-body-size`, the spelling shown in `--help` and error messages. */
export function flagName(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1-$2")
    .replace(/_/g, "-")
    .toLowerCase();
}
