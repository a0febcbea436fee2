// Plain-text result tables (aligned columns, numbers right-aligned) and small statistics helpers.

/** The median of a list of numbers (NaN for an empty list). */
export function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** 12345.6 → "12,346". */
export function formatInt(n) {
  return Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "-";
}

/** Milliseconds with sensible precision: 0.41 → "0.41 ms", 12.3 → "12.3 ms". */
export function formatMs(ms) {
  if (!Number.isFinite(ms)) return "-";
  return `${ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0)} ms`;
}

/** 0.934 → "93%". */
export function formatRatio(r) {
  return Number.isFinite(r) ? `${(r * 100).toFixed(0)}%` : "-";
}

/**
 * Renders rows as an aligned table. `columns`: `[{ title, get(row) → string, align?: "left"|"right" }]`;
 * text columns default to left, everything else right.
 */
export function renderTable(columns, rows) {
  const cells = rows.map((row) => columns.map((c) => String(c.get(row))));
  const widths = columns.map((c, i) => Math.max(c.title.length, ...cells.map((r) => r[i].length)));
  const pad = (text, i) => ((columns[i].align ?? (i === 0 ? "left" : "right")) === "left" ? text.padEnd(widths[i]) : text.padStart(widths[i]));
  const line = (values) => `| ${values.map(pad).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => ((columns[i].align ?? (i === 0 ? "left" : "right")) === "left" ? ":" + "-".repeat(w + 1) : "-".repeat(w + 1) + ":")).join("|")}|`;
  return [line(columns.map((c) => c.title)), rule, ...cells.map(line)].join("\n");
}
