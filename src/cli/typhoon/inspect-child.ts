// Runs inside `node --import typhoon/register inspect-child.js ENTRY` with TYPHOON_INSPECT=1: loads the
// app's entry with a clean argv (its own parseCommandLine() sees no config flags), lets listen/bind/
// start record instead of binding, then writes the record as JSON on fd 3 and exits.
import fs from "node:fs";
import { pathToFileURL } from "node:url";
import { inspectRecord } from "../../deploy/inspect.js";

const entry = process.argv[2]!;
process.argv.splice(1, process.argv.length - 1, entry);

let written = false;
function write(): void {
  if (written) return;
  written = true;
  try {
    fs.writeSync(3, JSON.stringify(inspectRecord()));
  } catch {
    /* the parent reports the missing record */
  }
}
function finish(code: number): void {
  write();
  process.exit(code);
}

// An app that keeps awaiting after its listen (a worker loop, a never-resolving start) is done
// once it has listened and gone quiet for a moment.
let seen = 0;
const poll = setInterval(() => {
  const n = inspectRecord().listens.length;
  if (n && n === seen) finish(0);
  seen = n;
}, 300);
poll.unref();
setTimeout(() => finish(0), 20_000).unref();
// The app may exit by itself (process.exit after listen, or 13 for a top-level await that never
// settles once nothing is bound): what it recorded still goes out.
process.on("exit", (code) => {
  if (code === 0 || inspectRecord().listens.length) {
    write();
    process.exitCode = 0;
  }
});

try {
  await import(pathToFileURL(entry).href);
  setTimeout(() => finish(0), 50);
} catch (err) {
  process.stderr.write(`typhoon config: loading ${entry} failed:\n${(err as Error)?.stack ?? err}\n`);
  written = true;
  process.exit(1);
}
