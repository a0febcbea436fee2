// Command-line flags shared by the HTTP benches: `npm run bench -- hello --rounds=5 --only=typhoon,node`.
import { parseArgs } from "node:util";

/** A mistake in how a bench was asked for (a flag, a missing tool): shown as one line, not a stack. */
export class UsageError extends Error {
  name = "UsageError";
}

/** Whether `err` is a usage mistake: ours, or an unknown or malformed flag from `parseArgs`. */
export function isUsageError(err) {
  return err instanceof UsageError || String(err?.code ?? "").startsWith("ERR_PARSE_ARGS");
}

/** The integer flag `--name` from `parseArgs` values, or a UsageError unless it is within min..max. */
export function intFlag(values, name, min, max) {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  return n;
}

/** Parses the common flags; `extra` adds bench-specific `parseArgs` options. */
export function benchArgs(args, extra = {}) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      rounds: { type: "string", default: "3" },
      duration: { type: "string", default: "5" },
      warmup: { type: "string", default: "2" },
      rewarm: { type: "string", default: "1" },
      connections: { type: "string", default: "64" },
      only: { type: "string" },
      reuse: { type: "boolean" },
      help: { type: "boolean", short: "h" },
      ...extra,
    },
  });
  const int = (name, min, max) => intFlag(values, name, min, max);
  return {
    values,
    positionals,
    help: values.help === true,
    rounds: int("rounds", 1, 20),
    durationSec: int("duration", 1, 120),
    warmupSec: int("warmup", 0, 60),
    rewarmSec: int("rewarm", 0, 60),
    connections: int("connections", 1, 10000),
    reuse: values.reuse === true,
    only: values.only ? new Set(values.only.split(",").map((s) => s.trim())) : null,
  };
}

/** Usage text for the common flags. */
export const COMMON_USAGE = `  --rounds=N        measured rounds per server, interleaved (default 3)
  --duration=S      seconds per measured run (default 5)
  --warmup=S        seconds of load on a server before it is measured (default 2)
  --connections=N   wrk connections (default 64; wrk uses 1 thread)
  --only=a,b        run only these servers`;

/** Usage text for the flags of benches built on `compareServers` (fresh or reused processes). */
export const PROCESS_USAGE = `  --reuse           one server process per contestant for all rounds, instead of a fresh one per run
                    (faster, but one process's lasting luck, 20-30% on a VM, goes into the median)
  --rewarm=S        with --reuse: seconds of load right before each measured run (default 1)`;
