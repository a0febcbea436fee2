import { describe, expect, it } from "vitest";
import { Writable } from "node:stream";
import { LineBuffer } from "../../src/log/line-buffer.js";

/** A stream that keeps what it is given; with `hold`, it keeps the chunks unwritten (like a full pipe). */
function sink(hold = false) {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      if (!hold) callback();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString("utf8"), chunks };
}

describe("LineBuffer", () => {
  it("writes the lines of one turn of the event loop in one write", async () => {
    const out = sink();
    const lines = new LineBuffer(out.stream);
    for (let i = 0; i < 3; i++) {
      lines.text("line ");
      lines.integer(i);
      lines.endLine();
    }
    expect(out.chunks).toHaveLength(0);
    await new Promise((r) => setImmediate(r));
    expect(out.chunks).toHaveLength(1);
    expect(out.text()).toBe("line 0\nline 1\nline 2\n");
  });

  it("encodes non-ASCII text as UTF-8", () => {
    const out = sink();
    const lines = new LineBuffer(out.stream);
    lines.text("GET /caf\u00e9 \u2603 \u{1F600}");
    lines.endLine();
    lines.flush();
    expect(out.text()).toBe("GET /caf\u00e9 \u2603 \u{1F600}\n");
  });

  it("formats durations with two decimals", () => {
    const out = sink();
    const lines = new LineBuffer(out.stream);
    for (const ms of [0, 0.004, 0.005, 1.5, 12.345, 1234.5678]) {
      lines.milliseconds(ms);
      lines.endLine();
    }
    lines.flush();
    expect(out.text().split("\n").slice(0, -1)).toEqual(["0.00", "0.00", "0.01", "1.50", "12.35", "1234.57"]);
  });

  it("keeps the order when lines overflow the buffer, and writes a huge line whole", () => {
    const out = sink();
    const lines = new LineBuffer(out.stream);
    const expected: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const line = `request ${i} ${"x".repeat(i % 50)}`;
      lines.text(line);
      lines.endLine();
      expected.push(line);
    }
    const huge = "h".repeat(200 * 1024);
    lines.text(huge);
    lines.endLine();
    expected.push(huge);
    lines.flush();
    expect(out.chunks.length).toBeGreaterThan(1);
    expect(out.text()).toBe(expected.join("\n") + "\n");
  });

  it("never reuses bytes a stream still holds", () => {
    const out = sink(true);
    const lines = new LineBuffer(out.stream);
    lines.text("first");
    lines.endLine();
    lines.flush();
    lines.text("second");
    lines.endLine();
    lines.flush();
    // The second write waits behind the first, which the stream still holds: it must still read "first".
    expect(out.stream.writableLength).toBeGreaterThan(0);
    expect(out.chunks.map((c) => c.toString())).toEqual(["first\n"]);
  });

  it("appends bytes in order with text, across overflows, and copies bytes it cannot hold", () => {
    const out = sink();
    const lines = new LineBuffer(out.stream);
    const prefix = Buffer.from("[I caf\u00e9] ");
    const expected: string[] = [];
    for (let i = 0; i < 3000; i++) {
      lines.bytes(prefix);
      lines.text(`line ${i}`);
      lines.endLine();
      expected.push(`[I caf\u00e9] line ${i}`);
    }
    const huge = Buffer.alloc(100 * 1024, 0x62);
    lines.bytes(huge);
    lines.endLine();
    huge.fill(0x63);
    expected.push("b".repeat(100 * 1024));
    lines.flush();
    expect(out.chunks.length).toBeGreaterThan(1);
    expect(out.text()).toBe(expected.join("\n") + "\n");
  });
});
