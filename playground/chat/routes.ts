// The chat: one room, two ways to follow it. /chat/ uses long polling as Tornado's chat demo does (the
// browser asks for the messages after the last one it has; the server answers as soon as there is
// one); /chat/ws uses a WebSocket. Both share one MessageBuffer, so they see each other's messages.
import { randomUUID } from "node:crypto";
import { HTTPError, WebSocketHandler, type HandlerEntry, type RequestHandler } from "typhoon";
import { PlaygroundHandler } from "../base.ts";
import { MessageBuffer, type Message } from "./buffer.ts";

const buffer = new MessageBuffer();

/** Makes a message from what a browser sent, with its HTML rendered by `handler`. */
function newMessage(handler: RequestHandler, body: unknown): Message {
  const text = String(body ?? "").trim().slice(0, 2000);
  if (!text) throw new HTTPError(400, "empty chat message");
  const message = { id: randomUUID(), author: String(handler.currentUser ?? "guest"), body: text, html: "" };
  message.html = handler.renderString("chat/message.html", { message });
  return message;
}

/** The page: the messages so far, and a form; `transport` picks the script's way of staying current. */
class RoomHandler extends PlaygroundHandler {
  transport = "longpoll";

  override initialize(args: Record<string, unknown>) {
    this.transport = String(args.transport);
  }

  get() {
    return this.render("chat/room.html", { messages: buffer.messages, transport: this.transport });
  }
}

/** POST body=… adds a message (the form's _xsrf field or X-XSRFToken header is required). */
class MessageNewHandler extends PlaygroundHandler {
  post() {
    const message = newMessage(this, this.getArgument("body", ""));
    buffer.add(message);
    this.write(message);
  }
}

/** POST cursor=<last id seen>: answers with newer messages, waiting for one if there are none yet. */
class MessageUpdatesHandler extends PlaygroundHandler {
  private waiting: { cancel(): void } | null = null;

  async post() {
    const cursor = this.getArgument("cursor", "");
    let messages = buffer.messagesSince(cursor);
    while (!messages.length) {
      const wait = (this.waiting = buffer.wait());
      if (!(await wait.promise)) return; // the browser went away
      messages = buffer.messagesSince(cursor);
    }
    this.write({ messages });
  }

  /** A closed tab must not stay in the waiting list. */
  override onConnectionClose() {
    this.waiting?.cancel();
  }
}

/** The WebSocket variant: receives {"body": "…"} and pushes every new message as JSON. */
class ChatSocket extends WebSocketHandler {
  private unsubscribe = () => false;

  override getCurrentUser(): string | null {
    return this.getSecureCookie("user");
  }

  override open() {
    this.unsubscribe = buffer.subscribe((message) => void this.writeMessage(message).catch(() => {}));
  }

  override onMessage(data: string | Buffer) {
    let body: unknown;
    try {
      body = (JSON.parse(String(data)) as { body?: unknown }).body;
    } catch {
      return this.close(1003, "send JSON");
    }
    if (String(body ?? "").trim()) buffer.add(newMessage(this, body));
  }

  override onClose() {
    this.unsubscribe();
  }
}

export const chatRoutes: HandlerEntry[] = [
  ["/chat/", RoomHandler, { transport: "longpoll" }, "chat"],
  ["/chat/ws", RoomHandler, { transport: "websocket" }, "chat-ws"],
  ["/chat/a/message/new", MessageNewHandler],
  ["/chat/a/message/updates", MessageUpdatesHandler],
  ["/chat/socket", ChatSocket],
];
