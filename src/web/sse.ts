import type { RequestHandler } from "./handler.js";

/** Fields of one Server-Sent Event besides its data. */
export interface EventOptions {
  /** The event type (`event:`); the browser dispatches it to `addEventListener(type)`. */
  event?: string;
  /** The event id (`id:`), echoed by a reconnecting browser in `Last-Event-ID`. */
  id?: string | number;
  /** How long a browser waits before reconnecting, in ms (`retry:`). */
  retry?: number;
}

// Field values are single lines: a CR or LF would start a new field.
function field(name: string, value: string): string {
  return `${name}: ${value.replace(/[\r\n]/g, " ")}\n`;
}

/**
 * Server-Sent Events on a handler: sets the headers, then `send()` writes one event and flushes it
 * (resolving when the socket has drained, so a slow client holds the producer back).
 *
 * ```ts
 * async get() {
 *   const events = new EventStream(this);
 *   while (!this.request.signal.aborted) await events.send({ now: Date.now() }, { event: "tick" });
 * }
 * ```
 * The id a reconnecting browser last saw is `lastEventId`.
 */
export class EventStream {
  constructor(readonly handler: RequestHandler) {
    handler.setHeader("Content-Type", "text/event-stream; charset=UTF-8");
    handler.setHeader("Cache-Control", "no-cache");
    // Tell nginx not to buffer the stream.
    handler.setHeader("X-Accel-Buffering", "no");
  }

  /** The `Last-Event-ID` header of a reconnecting client, or undefined. */
  get lastEventId(): string | undefined {
    const v = this.handler.request.headers["last-event-id"];
    return typeof v === "string" ? v : undefined;
  }

  /** Whether the client has gone away. */
  get closed(): boolean {
    return this.handler.connectionClosed;
  }

  /** Sends one event; `data` is a string (multi-line allowed) or a value sent as JSON. */
  send(data: unknown, options: EventOptions = {}): Promise<void> {
    let out = "";
    if (options.event !== undefined) out += field("event", options.event);
    if (options.id !== undefined) out += field("id", String(options.id));
    if (options.retry !== undefined) out += field("retry", String(Math.max(0, Math.floor(options.retry))));
    const text = typeof data === "string" ? data : JSON.stringify(data);
    for (const line of text.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
    this.handler.write(out + "\n");
    return this.handler.flush();
  }

  /** Sends a comment line, which browsers ignore: a keep-alive through proxies that close idle streams. */
  comment(text = ""): Promise<void> {
    this.handler.write(`: ${text.replace(/[\r\n]/g, " ")}\n\n`);
    return this.handler.flush();
  }
}
