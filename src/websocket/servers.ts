import { WebSocketServer, type PerMessageDeflateOptions } from "ws";
import type { IncomingMessage } from "node:http";

/**
 * permessage-deflate options, as `getCompressionOptions()` returns them (Tornado's `compression_level`
 * and `mem_level`, plus the `ws` knobs worth having). `{}` enables compression with the defaults.
 */
export interface CompressionOptions {
  /** zlib level, 0–9 (Tornado's `compression_level`). Default 6 (zlib's default). */
  compressionLevel?: number;
  /** zlib memory level, 1–9 (Tornado's `mem_level`). Default 8. */
  memLevel?: number;
  /** Messages smaller than this many bytes are sent uncompressed. Default 1024. */
  threshold?: number;
  /** Forget the compression context after each message (less memory per connection). Default false. */
  serverNoContextTakeover?: boolean;
  /** Ask the client to do the same. Default false. */
  clientNoContextTakeover?: boolean;
}

const selectedProtocol = new WeakMap<IncomingMessage, string | null>();

/** Records the subprotocol `selectSubprotocol()` chose, for `ws` to answer with. */
export function setSelectedProtocol(req: IncomingMessage, protocol: string | null): void {
  selectedProtocol.set(req, protocol);
}

// `ws` asks for the subprotocol while it writes the 101; the handler has chosen it already.
function handleProtocols(_offered: Set<string>, req: IncomingMessage): string | false {
  return selectedProtocol.get(req) ?? false;
}

function deflateOptions(c: CompressionOptions): PerMessageDeflateOptions {
  const zlib: { level?: number; memLevel?: number } = {};
  if (c.compressionLevel !== undefined) zlib.level = c.compressionLevel;
  if (c.memLevel !== undefined) zlib.memLevel = c.memLevel;
  return {
    zlibDeflateOptions: zlib,
    threshold: c.threshold ?? 1024,
    serverNoContextTakeover: c.serverNoContextTakeover ?? false,
    clientNoContextTakeover: c.clientNoContextTakeover ?? false,
  };
}

// One `noServer` WebSocketServer per distinct (maxPayload, compression) pair: `ws` takes both per
// server, while Typhoon lets each handler class (or instance) choose. There are few distinct pairs.
const servers = new Map<string, WebSocketServer>();

/** The shared `ws` server for these limits (created on first use). */
export function wsServerFor(maxPayload: number, compression: CompressionOptions | null): WebSocketServer {
  const key = `${maxPayload}|${compression ? JSON.stringify(compression) : "-"}`;
  let server = servers.get(key);
  if (!server) {
    server = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload,
      perMessageDeflate: compression ? deflateOptions(compression) : false,
      handleProtocols,
    });
    servers.set(key, server);
  }
  return server;
}
