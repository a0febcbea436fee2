// The API reference is generated from the doc comments (npm run docs): every exported class, function,
// interface, type and variable must carry one, or TypeDoc's validation fails here.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { projectRoot } from "../helpers/http.js";

describe("API reference", () => {
  it("TypeDoc builds it without a warning", () => {
    const typedoc = path.join(projectRoot, "node_modules", "typedoc", "bin", "typedoc");
    const r = spawnSync(process.execPath, [typedoc, "--emit", "none", "--treatWarningsAsErrors"], { cwd: projectRoot, encoding: "utf8", timeout: 120_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });
});
