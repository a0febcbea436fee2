/** WebSocket support (Tornado's `tornado.websocket`), built on the `ws` package. */
export { WebSocketHandler, type WriteMessageOptions, type WebSocketMessage } from "./handler.js";
export { WebSocketClosedError } from "./errors.js";
export { type CompressionOptions } from "./servers.js";
export { handleUpgrade, closeUpgraded } from "./upgrade.js";
