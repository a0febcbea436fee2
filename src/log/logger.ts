import kleur from "kleur";

/** Whether log output may use colour: a TTY on stderr, no `NO_COLOR`, and `FORCE_COLOR` not "0". */
export function colorEnabled(stream: NodeJS.WriteStream = process.stderr): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== "") return false;
  if (process.env.FORCE_COLOR === "0") return false;
  if (process.env.FORCE_COLOR) return true;
  return Boolean(stream.isTTY);
}

// Decided once: the access log asks on every request. kleur decides from stdout alone; logs go to
// stderr, so the decision is ours.
const COLOR = colorEnabled();
kleur.enabled = COLOR;

/** Whether the log is coloured (decided once, at start-up). */
export function logColor(): boolean {
  return COLOR;
}

/** A log level, from least to most severe. */
export type Level = "debug" | "info" | "warning" | "error";

const SEVERITY: Record<Level, number> = { debug: 0, info: 1, warning: 2, error: 3 };
const LEVEL_TAG: Record<Level, string> = { debug: "D", info: "I", warning: "W", error: "E" };
const LEVEL_COLOR: Record<Level, (s: string) => string> = {
  debug: (s) => kleur.blue(s),
  info: (s) => kleur.green(s),
  warning: (s) => kleur.yellow(s),
  error: (s) => kleur.red(s),
};

// The timestamp only changes once a second; a busy server formats it once per second, not per line.
let stampSecond = -1;
let stampText = "";
function stamp(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== stampSecond) {
    stampSecond = second;
    const d = new Date(now);
    const p = (n: number) => (n < 10 ? "0" + n : String(n));
    stampText = `${String(d.getFullYear()).slice(2)}${p(d.getMonth() + 1)}${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  }
  return stampText;
}

// Lines are queued and written once per turn of the event loop: one write for many requests.
// Errors are written at once, so nothing that explains a crash waits in the queue.
let pending: string[] = [];
let scheduled = false;
function flushPending(): void {
  scheduled = false;
  if (!pending.length) return;
  const text = pending.join("");
  pending = [];
  process.stderr.write(text);
}
process.on("exit", flushPending);

function initialLevel(): Level | false {
  const env = process.env.TYPHOON_LOG_LEVEL;
  if (env === "none") return false;
  return env && env in SEVERITY ? (env as Level) : "info";
}

/** A named logger writing Tornado-shaped lines (`[I 251125 16:00:00 name] message`) to stderr. */
export class Logger {
  private threshold: number;
  private current: Level | false;
  // `[I 251125 16:00:00 name]` per level, for the second `prefixStamp`: a busy logger builds (and
  // colours) each prefix once a second instead of once a line.
  private prefixStamp = "";
  private prefixes: Partial<Record<Level, string>> = {};

  constructor(readonly name: string) {
    this.current = initialLevel();
    this.threshold = this.current === false ? Infinity : SEVERITY[this.current];
  }

  /** The lowest level written, or false for none (`TYPHOON_LOG_LEVEL` sets the default). */
  get level(): Level | false {
    return this.current;
  }

  set level(level: Level | false) {
    this.current = level;
    this.threshold = level === false ? Infinity : SEVERITY[level];
  }

  /** Whether a message at `level` would be written (check before formatting an expensive one). */
  isEnabledFor(level: Level): boolean {
    return SEVERITY[level] >= this.threshold;
  }

  /** Writes `message` at `level`. */
  log(level: Level, message: string): void {
    if (SEVERITY[level] < this.threshold) return;
    const line = `${this.prefix(level)} ${message}\n`;
    if (level === "error") {
      flushPending();
      process.stderr.write(line);
      return;
    }
    pending.push(line);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flushPending);
    }
  }

  private prefix(level: Level): string {
    const now = stamp();
    if (now !== this.prefixStamp) {
      this.prefixStamp = now;
      this.prefixes = {};
    }
    let prefix = this.prefixes[level];
    if (prefix === undefined) {
      prefix = `[${LEVEL_TAG[level]} ${now} ${this.name}]`;
      if (COLOR) prefix = LEVEL_COLOR[level](prefix);
      this.prefixes[level] = prefix;
    }
    return prefix;
  }

  /** Writes a debug message. */
  debug(message: string): void { this.log("debug", message); }
  /** Writes an informational message. */
  info(message: string): void { this.log("info", message); }
  /** Writes a warning. */
  warning(message: string): void { this.log("warning", message); }
  /** Writes an error (at once, not queued). */
  error(message: string): void { this.log("error", message); }
}

/** Per-request access log (`200 GET / (127.0.0.1) 0.52ms`). */
export const accessLog = new Logger("typhoon.access");
/** Errors from application code. */
export const appLog = new Logger("typhoon.application");
/** Everything else: server life cycle, configuration warnings. */
export const genLog = new Logger("typhoon.general");

/**
 * `ms.toFixed(2)` for a duration, at a third of its cost (it runs for every access-log line; toFixed
 * measured ~170 ns, this ~50 ns). Differs from toFixed only at exact half-hundredths of binary fractions.
 */
export function formatMs(ms: number): string {
  const hundredths = Math.round(ms * 100);
  const frac = hundredths % 100;
  return `${(hundredths - frac) / 100}.${frac < 10 ? "0" : ""}${frac}`;
}
