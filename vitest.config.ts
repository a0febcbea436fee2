import { defineConfig } from "vitest/config";

// Tests spawn real servers and real `tdev` processes: give them time, and keep a JSON report
// that .ci/run turns into its closing "N passed, N failed" line.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ["default", "json"],
    outputFile: { json: "test-results/vitest.json" },
    pool: "forks",
  },
});
