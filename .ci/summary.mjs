// Prints vitest's JSON report as the single closing line CI reads: "N passed, N failed".
import fs from "node:fs";
const file = new URL("../test-results/vitest.json", import.meta.url);
if (!fs.existsSync(file)) { console.log("0 passed, 1 failed"); process.exit(0); }
const r = JSON.parse(fs.readFileSync(file, "utf8"));
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
