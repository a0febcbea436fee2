// The chat room's memory, as in Tornado's chat demo: the last 200 messages, and the clients waiting for
// the next one. Long-polling requests wait once (wait()); WebSockets stay subscribed (subscribe()).

/** One chat message; `html` is rendered once on the server (templates/chat/message.html). */
export interface Message {
  id: string;
  author: string;
  body: string;
  html: string;
}

type Listener = (message: Message) => void;

export class MessageBuffer {
  private cache: Message[] = [];
  private readonly listeners = new Set<Listener>();

  constructor(readonly cacheSize = 200) {}

  /** Every cached message, oldest first. */
  get messages(): readonly Message[] {
    return this.cache;
  }

  /** How many clients are waiting right now (long polls and sockets). */
  get waiting(): number {
    return this.listeners.size;
  }

  /** The messages after the one with id `cursor`: all of them when the cursor is unknown. */
  messagesSince(cursor: string): Message[] {
    const i = this.cache.findLastIndex((m) => m.id === cursor);
    return i < 0 ? [...this.cache] : this.cache.slice(i + 1);
  }

  /** Calls `listener` with each new message until the returned function is called. */
  subscribe(listener: Listener): () => boolean {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves true at the next message, or false when `cancel()` is called first (the client left). */
  wait(): { promise: Promise<boolean>; cancel(): void } {
    let settle!: (woken: boolean) => void;
    const promise = new Promise<boolean>((resolve) => (settle = resolve));
    const unsubscribe = this.subscribe(() => {
      unsubscribe();
      settle(true);
    });
    return { promise, cancel: () => unsubscribe() && settle(false) };
  }

  /** Stores a message and wakes everyone waiting. */
  add(message: Message): void {
    this.cache.push(message);
    if (this.cache.length > this.cacheSize) this.cache.splice(0, this.cache.length - this.cacheSize);
    for (const listener of [...this.listeners]) listener(message);
  }
}
