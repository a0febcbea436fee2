/**
 * tdev's command line: `tdev [tdev flags] [node flags] <entry> [args...]`. tdev flags and Node flags may
 * be mixed before the entry; everything after the entry belongs to the app, untouched. Node flags are
 * validated (Node's list of allowed flags, else a dry run of `node <flag>`), so a typo fails at once.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** Parsed command line. */
export interface TdevArgs {
  help: boolean;
  version: boolean;
  entry: string;
  args: string[];
  nodeFlags: string[];
  watch: string[];
  ignore: string[];
  poll: boolean;
  pollInterval: number;
  debounce: number;
  killSignal: NodeJS.Signals;
  grace: number;
  exitOnCrash: boolean;
  clear: boolean;
  quiet: boolean;
  liveReload: boolean;
  standby: boolean;
  port: number | undefined;
  host: string | undefined;
  envFiles: string[];
}

/** A command-line mistake: printed as one line, exit status 2. */
export class UsageError extends Error {}

/** The help text, documenting every flag. */
export const HELP = `Usage: tdev [options] [node options] <entry.ts|entry.js> [args...]

Runs a TypeScript or JavaScript app through esbuild (typhoon/register) and restarts it when a file it
loaded changes. The listening socket survives restarts: requests wait for the new code, none is refused.

Options:
  --watch <path>          also watch a file or directory (repeatable)
  --ignore <glob>         never restart for matching paths (repeatable; e.g. "*.log", "data/**", "tmp")
  --poll                  poll files instead of using file-system events (network, 9p and FUSE mounts
                          are polled automatically)
  --poll-interval <ms>    polling interval (default 100)
  --debounce <ms>         quiet time that ends a burst of changes (default 20)
  --kill-signal <signal>  signal that stops the app (default SIGTERM)
  --grace <ms>            time the app gets to finish requests and exit before SIGKILL (default 2000)
  --exit-on-crash         exit with the app's status when it crashes, instead of waiting for a change
  --port <port>           the port the app listens on, bound at once so even a first start that fails
                          shows its error page (default: learned from the app's first listen())
  --host <host>           host to bind with --port (default: all interfaces, as listen() does)
  --no-live-reload        do not inject the browser live-reload script
  --no-standby            do not keep a warm standby process (slower restarts, less memory)
  --clear                 clear the screen before each restart
  --quiet                 print only errors and warnings
  -h, --help              show this help
  -v, --version           show tdev's version

Node options (--inspect, --max-old-space-size=..., --conditions=..., --env-file=..., ...) are passed
to the app on every start. --inspect keeps its port across restarts: tdev proxies it to the current
app process, so a debugger set to reconnect attaches to the new one.

While it runs: type "rs" and Enter to restart; Ctrl-C stops (twice: at once).
Colours are off when stderr is not a terminal or NO_COLOR is set.`;

const VALUE_FLAGS = new Set(["--watch", "--ignore", "--poll-interval", "--debounce", "--kill-signal", "--grace", "--port", "--host"]);
const BOOL_FLAGS = new Set(["--poll", "--exit-on-crash", "--clear", "--quiet", "--no-live-reload", "--no-standby", "--help", "-h", "--version", "-v"]);
/** Node flags that take their value as the next argument. */
const NODE_VALUE_FLAGS = new Set(["-r", "--require", "--import", "--loader", "--experimental-loader", "-C", "--conditions", "--env-file", "--inspect-port", "--debug-port", "--title", "--input-type", "--eval", "-e", "--redirect-warnings", "--icu-data-dir", "--openssl-config", "--tls-keylog", "--diagnostic-dir", "--report-dir", "--report-directory", "--report-filename", "--report-signal", "--secure-heap", "--secure-heap-min", "--cpu-prof-dir", "--cpu-prof-name", "--heap-prof-dir", "--heap-prof-name", "--heapsnapshot-signal", "--unhandled-rejections", "--dns-result-order", "--disable-proto", "--experimental-policy", "--policy-integrity", "--watch-path", "--stack-trace-limit"]);

function num(flag: string, v: string, min = 0): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min) throw new UsageError(`tdev: ${flag} expects a number, got "${v}"`);
  return n;
}

const validated = new Map<string, boolean>();
function nodeAccepts(flag: string): boolean {
  const name = flag.split("=")[0];
  const norm = name.replace(/_/g, "-");
  if (process.allowedNodeEnvironmentFlags.has(name) || process.allowedNodeEnvironmentFlags.has(norm)) return true;
  if (validated.has(flag)) return validated.get(flag)!;
  const r = spawnSync(process.execPath, [flag, "-e", "0"], { stdio: "ignore", timeout: 10_000, env: { ...process.env, NODE_OPTIONS: "" } });
  const ok = r.status === 0;
  validated.set(flag, ok);
  return ok;
}

/** Parses argv (without `node` and the script). Throws {@link UsageError}. */
export function parseArgs(argv: string[]): TdevArgs {
  const out: TdevArgs = {
    help: false, version: false, entry: "", args: [], nodeFlags: [], watch: [], ignore: [], poll: false,
    pollInterval: 100, debounce: 20, killSignal: "SIGTERM", grace: 2000, exitOnCrash: false, clear: false,
    quiet: false, liveReload: true, standby: true, port: undefined, host: undefined, envFiles: [],
  };
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      i++;
      break;
    }
    if (!a.startsWith("-") || a === "-") break;
    const eq = a.indexOf("=");
    const name = a.startsWith("--") && eq > 0 ? a.slice(0, eq) : a;
    if (VALUE_FLAGS.has(name)) {
      let v: string | undefined;
      if (name !== a) v = a.slice(eq + 1);
      else v = argv[++i];
      if (v === undefined) throw new UsageError(`tdev: ${name} needs a value`);
      switch (name) {
        case "--watch": out.watch.push(v); break;
        case "--ignore": out.ignore.push(v); break;
        case "--poll-interval": out.pollInterval = num(name, v, 1); break;
        case "--debounce": out.debounce = num(name, v); break;
        case "--grace": out.grace = num(name, v); break;
        case "--port": out.port = num(name, v, 1); if (out.port > 65535) throw new UsageError(`tdev: --port must be 1-65535, got ${v}`); break;
        case "--host": out.host = v; break;
        case "--kill-signal": {
          const sig = (v.startsWith("SIG") ? v : "SIG" + v).toUpperCase();
          if (!(sig in os.constants.signals)) throw new UsageError(`tdev: unknown signal "${v}" for --kill-signal`);
          out.killSignal = sig as NodeJS.Signals;
          break;
        }
      }
      continue;
    }
    if (BOOL_FLAGS.has(a)) {
      if (a === "--poll") out.poll = true;
      else if (a === "--exit-on-crash") out.exitOnCrash = true;
      else if (a === "--clear") out.clear = true;
      else if (a === "--quiet") out.quiet = true;
      else if (a === "--no-live-reload") out.liveReload = false;
      else if (a === "--no-standby") out.standby = false;
      else if (a === "-h" || a === "--help") out.help = true;
      else out.version = true;
      continue;
    }
    // A Node flag.
    if (["--watch", "--test"].includes(name) || name.startsWith("--watch-")) throw new UsageError(`tdev: ${a} is Node's own watch/test mode; tdev watches already (use --watch <path> to add paths)`);
    if (name === "-e" || name === "--eval" || name === "-p" || name === "--print") throw new UsageError(`tdev: ${name} is not supported: give tdev an entry file`);
    if (NODE_VALUE_FLAGS.has(name) && name === a) {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`tdev: ${name} needs a value`);
      if (!nodeAccepts(`${name}=${v}`) && !nodeAccepts(name)) throw new UsageError(`tdev: unknown option ${name} (not a tdev or Node option; see tdev --help)`);
      out.nodeFlags.push(name, v);
      if (name === "--env-file") out.envFiles.push(v);
      continue;
    }
    if (!nodeAccepts(a)) throw new UsageError(`tdev: unknown option ${a} (not a tdev or Node option; see tdev --help)`);
    out.nodeFlags.push(a);
    if (name === "--env-file" && name !== a) out.envFiles.push(a.slice(eq + 1));
  }
  if (out.help || out.version) return out;
  const entry = argv[i];
  if (entry === undefined) throw new UsageError("tdev: missing entry file (usage: tdev [options] [node options] <entry> [args...]; tdev --help)");
  out.entry = entry;
  out.args = argv.slice(i + 1);
  return out;
}

/** Checks the entry file: exists, is a file, is readable. Throws {@link UsageError}. */
export function checkEntry(entry: string): string {
  const abs = path.resolve(entry);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch {
    throw new UsageError(`tdev: entry file not found: ${entry}`);
  }
  if (st.isDirectory()) throw new UsageError(`tdev: entry is a directory, not a file: ${entry}`);
  try {
    fs.accessSync(abs, fs.constants.R_OK);
  } catch {
    throw new UsageError(`tdev: entry file is not readable: ${entry}`);
  }
  return abs;
}
