import kleur from "kleur";

/** Whether log output may use colour: a TTY on stderr, no `NO_COLOR`, and `FORCE_COLOR` not "0". */
export function colorEnabled(stream: NodeJS.WriteStream = process.stderr): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== "") return false;
  if (process.env.FORCE_COLOR === "0") return false;
  if (process.env.FORCE_COLOR) return true;
  return Boolean(stream.isTTY);
}

// kleur decides from stdout alone; logs go to stderr, so the decision is ours.
kleur.enabled = colorEnabled();

type Level = "debug" | "info" | "warning" | "error";

const LEVEL_TAG: Record<Level, string> = { debug: "D", info: "I", warning: "W", error: "E" };
const LEVEL_COLOR: Record<Level, (s: string) => string> = {
  debug: (s) => kleur.blue(s),
  info: (s) => kleur.green(s),
  warning: (s) => kleur.yellow(s),
  error: (s) => kleur.red(s),
};

function stamp(): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, "0");
  return `${String(d.getFullYear()).slice(2)}${p(d.getMonth() + 1)}${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** A named logger writing Tornado-shaped lines (`[I 251125 16:00:00 name] message`) to stderr. */
export class Logger {
  /** Set to false (or to a level) to silence or filter this logger. */
  level: Level | false = process.env.TYPHOON_LOG_LEVEL === "none" ? false : ((process.env.TYPHOON_LOG_LEVEL as Level) || "info");

  constructor(readonly name: string) {}

  private enabled(level: Level): boolean {
    if (this.level === false) return false;
    const order: Level[] = ["debug", "info", "warning", "error"];
    return order.indexOf(level) >= order.indexOf(this.level);
  }

  log(level: Level, message: string): void {
    if (!this.enabled(level)) return;
    let prefix = `[${LEVEL_TAG[level]} ${stamp()} ${this.name}]`;
    if (colorEnabled()) prefix = LEVEL_COLOR[level](prefix);
    process.stderr.write(`${prefix} ${message}\n`);
  }

  debug(message: string): void { this.log("debug", message); }
  info(message: string): void { this.log("info", message); }
  warning(message: string): void { this.log("warning", message); }
  error(message: string): void { this.log("error", message); }
}

/** Per-request access log (`200 GET / (127.0.0.1) 0.52ms`). */
export const accessLog = new Logger("typhoon.access");
/** Errors from application code. */
export const appLog = new Logger("typhoon.application");
/** Everything else: server life cycle, configuration warnings. */
export const genLog = new Logger("typhoon.general");
