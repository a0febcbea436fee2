import kleur from "kleur";
import { Buffer } from "node:buffer";
import { LineBuffer } from "./line-buffer.js";

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

/** The status code coloured by class (green 2xx, cyan 3xx, yellow 4xx, red 5xx) when colour is on. */
export function colorStatus(status: number): string {
  const text = String(status);
  if (!COLOR) return text;
  if (status >= 500) return kleur.red(text);
  if (status >= 400) return kleur.yellow(text);
  if (status >= 300) return kleur.cyan(text);
  return kleur.green(text);
}

/** A log level, from least to most severe. */
export type Level = "debug" | "info" | "warning" | "error";

const SEVERITY: Record<Level, number> = { debug: 0, info: 1, warning: 2, error: 3 };
const LEVELS: readonly Level[] = ["debug", "info", "warning", "error"];
const INFO = SEVERITY.info;
const WARNING = SEVERITY.warning;
const ERROR = SEVERITY.error;
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
const pending = new LineBuffer(process.stderr);
process.on("exit", () => pending.flush());

/** Ends a queued line; an error line is written at once, so nothing that explains a crash waits. */
function endLine(severity: number): void {
  pending.endLine();
  if (severity >= ERROR) pending.flush();
}

function initialLevel(): Level | false {
  const env = process.env.TYPHOON_LOG_LEVEL;
  if (env === "none") return false;
  return env && env in SEVERITY ? (env as Level) : "info";
}

/** A named logger writing Tornado-shaped lines (`[I 251125 16:00:00 name] message`) to stderr. */
export class Logger {
  private threshold: number;
  private current: Level | false;
  // `[I 251125 16:00:00 name] ` per severity as bytes, for the second `prefixStamp`: a busy logger
  // builds (and colours) each prefix once a second instead of once a line. Bytes, because a built
  // string is a rope that V8 reads a character at a time several times slower than a flat one.
  private prefixStamp = "";
  private prefixes: (Buffer | undefined)[] = [undefined, undefined, undefined, undefined];

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
    return this.writes(SEVERITY[level]);
  }

  /** Writes `message` at `level`. */
  log(level: Level, message: string): void {
    const severity = SEVERITY[level];
    if (!this.writes(severity)) return;
    pending.bytes(this.prefix(severity));
    pending.text(message);
    endLine(severity);
  }

  /** Whether a line of this severity (0 debug to 3 error) would be written. */
  protected writes(severity: number): boolean {
    return severity >= this.threshold;
  }

  /** `[I 251125 16:00:00 name] ` for a severity as UTF-8 bytes, built (and coloured) once a second. */
  protected prefix(severity: number): Buffer {
    const now = stamp();
    if (now !== this.prefixStamp) {
      this.prefixStamp = now;
      this.prefixes.fill(undefined);
      this.secondChanged();
    }
    let prefix = this.prefixes[severity];
    if (prefix === undefined) {
      const level = LEVELS[severity]!;
      let text = `[${LEVEL_TAG[level]} ${now} ${this.name}]`;
      if (COLOR) text = LEVEL_COLOR[level](text);
      prefix = this.prefixes[severity] = Buffer.from(text + " ");
    }
    return prefix;
  }

  /** Called when the timestamp's second changes: a subclass drops what it built on the old prefixes. */
  protected secondChanged(): void {}

  /** Writes a debug message. */
  debug(message: string): void { this.log("debug", message); }
  /** Writes an informational message. */
  info(message: string): void { this.log("info", message); }
  /** Writes a warning. */
  warning(message: string): void { this.log("warning", message); }
  /** Writes an error (at once, not queued). */
  error(message: string): void { this.log("error", message); }
}

/** The access log: Tornado's `log_request`, one line per finished request. */
export class AccessLogger extends Logger {
  // Per method, per status: the line up to the path (`[I 251125 16:00:00 typhoon.access] 200 GET `) as
  // bytes, for the current second. A busy server sends a handful of status/method pairs, so a line
  // costs a lookup instead of a prefix, a status and a method appended one by one.
  private heads = new Map<string, (Buffer | undefined)[]>();
  // ` (127.0.0.1) ` per client address, for as many addresses as fit (then emptied).
  private peers = new Map<string, Buffer>();

  /**
   * Logs `200 GET /path (127.0.0.1) 0.52ms` at info (status < 400), warning (< 500) or error. The
   * line is formatted straight into the output buffer, with no string of its own: it runs for every
   * request.
   */
  request(status: number, method: string, uri: string, remoteIp: string, ms: number): void {
    const severity = status < 400 ? INFO : status < 500 ? WARNING : ERROR;
    if (!this.writes(severity)) return;
    pending.bytes(this.lineHead(severity, status, method));
    pending.text(uri);
    pending.bytes(this.peerBytes(remoteIp));
    pending.milliseconds(ms);
    pending.bytes(MS);
    endLine(severity);
  }

  private lineHead(severity: number, status: number, method: string): Buffer {
    // First: a new second empties `heads` (through secondChanged) before it is read.
    const prefix = this.prefix(severity);
    let byStatus = this.heads.get(method);
    if (byStatus === undefined) this.heads.set(method, (byStatus = new Array<Buffer | undefined>(STATUS_SLOTS).fill(undefined)));
    const slot = status - 100;
    let head = byStatus[slot];
    if (head === undefined) {
      head = Buffer.concat([prefix, Buffer.from(`${colorStatus(status)} ${method} `)]);
      // Status codes are 100-999 (setStatus refuses others), but a log line is never worth a crash.
      if (slot >= 0 && slot < STATUS_SLOTS) byStatus[slot] = head;
    }
    return head;
  }

  protected override secondChanged(): void {
    this.heads.clear();
  }

  private peerBytes(remoteIp: string): Buffer {
    let bytes = this.peers.get(remoteIp);
    if (bytes === undefined) {
      if (this.peers.size >= MAX_PEERS) this.peers.clear();
      this.peers.set(remoteIp, (bytes = Buffer.from(` (${remoteIp}) `)));
    }
    return bytes;
  }
}

const STATUS_SLOTS = 900;
const MAX_PEERS = 256;
const MS = Buffer.from("ms");

/** Per-request access log (`200 GET / (127.0.0.1) 0.52ms`). */
export const accessLog = new AccessLogger("typhoon.access");
/** Errors from application code. */
export const appLog = new Logger("typhoon.application");
/** Everything else: server life cycle, configuration warnings. */
export const genLog = new Logger("typhoon.general");
