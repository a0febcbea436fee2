// The `typhoon` production CLI, spawned as users run it (the executable bin).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../helpers/http.js";

const BIN = path.join(projectRoot, "bin/typhoon.js");
const FIX = "test/fixtures/cli-typhoon";

function typhoon(args: string[]) {
  return spawnSync(BIN, args, { cwd: projectRoot, encoding: "utf8", timeout: 40_000 });
}

describe("typhoon CLI", () => {
  it("is an executable bin with --help; unknown commands and kinds exit 2", () => {
    expect(fs.statSync(BIN).mode & 0o111).not.toBe(0);
    const help = typhoon(["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/typhoon config <nginx\|systemd\|supervisord>/);
    expect(typhoon([]).status).toBe(2);
    const bad = typhoon(["deploy"]);
    expect([bad.status, bad.stderr]).toEqual([2, expect.stringMatching(/unknown command "deploy"/)]);
    const kind = typhoon(["config", "apache"]);
    expect([kind.status, kind.stderr]).toEqual([2, expect.stringMatching(/nginx, systemd or supervisord \(not "apache"\)/)]);
    const flag = typhoon(["config", "nginx", "--frobnicate"]);
    expect(flag.status).toBe(2);
    expect(flag.stderr).toMatch(/frobnicate/);
  });

  it("reads ports, addresses, xheaders and static settings from bind/start(4) without serving, with a clean argv", () => {
    const r = typhoon(["config", "nginx", `${FIX}/group.ts`, "--server-name", "example.com"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("server 127.0.0.1:9100;");
    expect(r.stdout).toContain("server 10.0.0.5:9200;");
    expect(r.stdout).toContain("server_name example.com;");
    expect(r.stdout).toContain(`location ^~ /assets/ {`);
    expect(r.stdout).toContain(`alias "${path.join(projectRoot, "assets")}/";`);
    expect(r.stdout).not.toMatch(/does not set xheaders/);
    expect(r.stdout + r.stderr).not.toContain("never printed");
  });

  it("does not bind the app's port while inspecting (works while another process holds it)", async () => {
    const holder = net.createServer();
    const held = await new Promise<boolean>((resolve) => {
      holder.once("error", () => resolve(false));
      holder.listen(8123, "127.0.0.1", () => resolve(true));
    });
    try {
      const r = typhoon(["config", "systemd", "test/fixtures/deploy/bare.ts", "--name", "bare"]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^ExecStart=.* --port=%i$/m);
      expect(r.stdout).toContain("systemctl enable --now bare@8123");
      if (held) expect(r.stderr).not.toMatch(/in use/);
    } finally {
      holder.close();
    }
  });

  it("an entry that fails to load: exit 1 with its error; one that never listens: exit 2 asking for --ports", () => {
    const broken = typhoon(["config", "nginx", `${FIX}/broken.ts`]);
    expect(broken.status).toBe(1);
    expect(broken.stderr).toMatch(/loading .*broken\.ts to read its settings failed[\s\S]*missing DATABASE_URL/);
    const quiet = typhoon(["config", "nginx", `${FIX}/no-listen.ts`]);
    expect(quiet.status).toBe(2);
    expect(quiet.stderr).toMatch(/listens on no fixed port: give --ports or --upstream/);
    expect(typhoon(["config", "nginx", `${FIX}/no-listen.ts`, "--ports", "8000-8001"]).stdout).toContain("server 127.0.0.1:8001;");
    const missing = typhoon(["config", "nginx", `${FIX}/nope.ts`]);
    expect([missing.status, missing.stderr]).toEqual([2, expect.stringMatching(/no such entry file/)]);
  });

  it("quotes paths for nginx and refuses ones it would misread", () => {
    const ok = typhoon(["config", "nginx", "--ports", "8000", "--static-path", "/srv/my site/static"]);
    expect(ok.stdout).toContain(`alias "/srv/my site/static/";`);
    const dollar = typhoon(["config", "nginx", "--ports", "8000", "--static-path", "/srv/$HOME"]);
    expect(dollar.status).toBe(2);
    expect(dollar.stderr).toMatch(/nginx would read as a variable/);
  });
});
