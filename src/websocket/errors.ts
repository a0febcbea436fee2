/** Raised by `writeMessage()` and `ping()` once the WebSocket is closed (Tornado's `WebSocketClosedError`). */
export class WebSocketClosedError extends Error {
  constructor(message = "WebSocket is closed") {
    super(message);
    this.name = "WebSocketClosedError";
  }
}
