/**
 * `tdev`: the hot-reload launcher. `tdev [tdev flags] [node flags] server.ts [args...]`. See `tdev --help`
 * and supervisor.ts for how restarts keep the socket, and preload.ts for what runs inside the app.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { checkEntry, HELP, parseArgs, UsageError } from "./args.js";
import { Output } from "./output.js";
import { Supervisor } from "./supervisor.js";

const here = path.dirname(fileURLToPath(import.meta.url));

/** Paths of the pieces tdev injects into each app process. */
export function injected(): { registerUrl: string; preloadUrl: string; errorServer: string } {
  return {
    registerUrl: pathToFileURL(path.resolve(here, "../../register/index.js")).href,
    preloadUrl: pathToFileURL(path.join(here, "preload.js")).href,
    errorServer: path.join(here, "error-server.js"),
  };
}

function version(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.resolve(here, "../../../package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "?";
  }
}

/** Runs tdev with `argv` (without node and script). */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  let args;
  try {
    args = parseArgs(argv);
    if (args.help) {
      process.stdout.write(HELP + "\n");
      return;
    }
    if (args.version) {
      process.stdout.write(`tdev ${version()}\n`);
      return;
    }
    args.entry = checkEntry(args.entry);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(err.message + "\n");
      process.exitCode = 2;
      return;
    }
    throw err;
  }
  const out = new Output(args.quiet);
  const sup = new Supervisor({
    ...args,
    ...injected(),
    cwd: process.cwd(),
    env: process.env,
    forwardStdin: true,
    out,
    exit: (code) => process.exit(code),
  });

  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupts++;
    if (interrupts > 1) {
      out.warn("killing the app now");
      sup.killAll();
      process.exit(130);
    }
    void sup.shutdown(sig);
  };
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(sig, () => onSignal(sig));
  process.stdin.on("data", (d: Buffer) => sup.onStdin(d));
  process.stdin.on("end", () => sup.onStdinEnd());
  process.stdin.on("error", () => sup.onStdinEnd());
  await sup.start();
}
