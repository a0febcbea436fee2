import { Buffer } from "node:buffer";
const CAPACITY = 64 * 1024;
const NEWLINE = 10;
const ZERO = 48;

/**
 * Log lines waiting to be written, as bytes. Lines are formatted straight into one buffer, without
 * a string per line, and written once per turn of the event loop: at tens of thousands of requests a
 * second, a string per access-log line and a write per line cost more than the rest of the logging.
 */
export class LineBuffer {
  private readonly buffer = Buffer.allocUnsafeSlow(CAPACITY);
  private length = 0;
  private scheduled = false;
  private readonly flushBound = () => this.flush();

  constructor(private readonly stream: NodeJS.WritableStream = process.stderr) {}

  /** Appends `text` as UTF-8 (ASCII, the usual case, without leaving JavaScript). */
  text(text: string): void {
    const n = text.length;
    // Room for the worst case, three bytes per UTF-16 unit.
    if (this.length + 3 * n > CAPACITY) {
      this.flush();
      if (3 * n > CAPACITY) {
        this.stream.write(text);
        return;
      }
    }
    const buffer = this.buffer;
    let at = this.length;
    let i = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) break;
      buffer[at++] = c;
    }
    if (i < n) at += buffer.write(text.slice(i), at, "utf8");
    this.length = at;
  }

  /** Appends bytes as they are (text encoded once, such as a prefix used for many lines). */
  bytes(bytes: Uint8Array): void {
    const n = bytes.length;
    if (this.length + n > CAPACITY) {
      this.flush();
      if (n > CAPACITY) {
        this.stream.write(Buffer.from(bytes));
        return;
      }
    }
    this.buffer.set(bytes, this.length);
    this.length += n;
  }

  /** Appends a non-negative integer in decimal. */
  integer(value: number): void {
    this.text(String(value));
  }

  /**
   * Appends milliseconds with two decimals (`1.5` → `1.50`): `toFixed(2)` for a duration at a fraction
   * of its cost, differing only at exact half-hundredths of binary fractions.
   */
  milliseconds(ms: number): void {
    const hundredths = Math.round(ms * 100);
    const fraction = hundredths % 100;
    this.integer((hundredths - fraction) / 100);
    if (this.length + 3 > CAPACITY) this.flush();
    const buffer = this.buffer;
    buffer[this.length++] = 46; // "."
    buffer[this.length++] = ZERO + Math.floor(fraction / 10);
    buffer[this.length++] = ZERO + (fraction % 10);
  }

  /** Ends the line; it is written with the others at the end of this turn of the event loop. */
  endLine(): void {
    if (this.length + 1 > CAPACITY) this.flush();
    this.buffer[this.length++] = NEWLINE;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushBound);
    }
  }

  /** Writes what is pending now. */
  flush(): void {
    this.scheduled = false;
    if (this.length === 0) return;
    // A copy: a stream may keep the chunk past write() (a full pipe, a consumer that collects chunks),
    // and the buffer is refilled at once.
    const pending = Buffer.allocUnsafe(this.length);
    this.buffer.copy(pending, 0, 0, this.length);
    this.length = 0;
    this.stream.write(pending);
  }
}
