import { STATUS_CODES } from "node:http";

/**
 * Thrown from a handler to end the request with an HTTP error status.
 * `logMessage` goes to the log (never to the client); `reason` replaces the standard reason phrase.
 */
export class HTTPError extends Error {
  readonly statusCode: number;
  readonly logMessage: string | undefined;
  readonly reason: string | undefined;
  /** Headers the error response carries (e.g. `Allow` on a 405). */
  readonly headers: Record<string, string>;

  constructor(statusCode = 500, logMessage?: string, options: { reason?: string; headers?: Record<string, string> } = {}) {
    const reason = options.reason ?? STATUS_CODES[statusCode] ?? "Unknown";
    super(`HTTP ${statusCode}: ${reason}${logMessage && logMessage !== reason ? ` (${logMessage})` : ""}`);
    this.name = "HTTPError";
    this.statusCode = statusCode;
    this.logMessage = logMessage;
    this.reason = options.reason;
    this.headers = options.headers ?? {};
  }
}

/** A required argument is absent: a 400 that names it (Tornado's `MissingArgumentError`). */
export class MissingArgumentError extends HTTPError {
  readonly argName: string;
  constructor(argName: string) {
    super(400, `Missing argument ${argName}`, { reason: `Missing argument ${argName}` });
    this.name = "MissingArgumentError";
    this.argName = argName;
  }
}

/** Thrown to end the request early without an error (Tornado's `Finish`); `finish()` runs if needed. */
export class Finish extends Error {
  constructor() {
    super("Finish");
    this.name = "Finish";
  }
}

/** A setting or call that cannot work as configured (e.g. `getSecureCookie` without `cookieSecret`). */
export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigurationError";
  }
}

const REASON_PHRASE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** The reason phrase to send: a custom one only if it is safe on a status line and in a page. */
export function reasonPhrase(status: number, custom?: string): string {
  if (custom !== undefined) return REASON_PHRASE.test(custom) && !custom.includes("<") ? custom : "Unknown";
  return STATUS_CODES[status] ?? "Unknown";
}
