#!/usr/bin/env node
// `npm run bench -- <name> [flags]`: runs bench/<name>.mjs (its exported `main(args)`).
// Without a name, or with an unknown one, lists the benches.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isUsageError } from "./lib/args.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const [name, ...args] = process.argv.slice(2);

async function list() {
  const names = fs.readdirSync(here).filter((f) => f.endsWith(".mjs") && f !== "run.mjs").map((f) => f.slice(0, -4)).sort();
  const lines = ["Usage: npm run bench -- <name> [flags]   (flags: npm run bench -- <name> --help)", "", "Benches:"];
  for (const n of names) {
    let description = "";
    try {
      description = (await import(pathToFileURL(path.join(here, n + ".mjs")).href)).description ?? "";
    } catch (err) {
      description = `(cannot load: ${err.message.split("\n")[0]})`;
    }
    lines.push(`  ${n.padEnd(14)} ${description}`);
  }
  return lines.join("\n") + "\n";
}

if (!name || name === "--help" || name === "-h") {
  process.stdout.write(await list());
} else if (!/^[\w-]+$/.test(name) || !fs.existsSync(path.join(here, name + ".mjs")) || name === "run") {
  process.stderr.write(`unknown bench ${JSON.stringify(name)}\n\n` + (await list()));
  process.exitCode = 2;
} else {
  // The peers (Fastify, Express, tsx, ...) live in bench/'s own package: install them on first use.
  if (!fs.existsSync(path.join(here, "node_modules"))) {
    process.stderr.write("bench: installing the peers in bench/ (npm ci, once)\n");
    const { spawnSync } = await import("node:child_process");
    const r = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: here, stdio: "inherit" });
    if (r.status !== 0) {
      process.stderr.write("bench: npm ci in bench/ failed; run it there by hand\n");
      process.exit(1);
    }
  }
  const mod = await import(pathToFileURL(path.join(here, name + ".mjs")).href);
  if (typeof mod.main !== "function") {
    process.stderr.write(`bench/${name}.mjs exports no main(args)\n`);
    process.exitCode = 2;
  } else {
    try {
      await mod.main(args);
    } catch (err) {
      if (isUsageError(err)) {
        process.stderr.write(`bench ${name}: ${err.message}\n(flags: npm run bench -- ${name} --help)\n`);
        process.exitCode = 2;
      } else {
        process.stderr.write(`bench ${name} failed: ${err.stack ?? err}\n`);
        process.exitCode = 1;
      }
    }
  }
}
