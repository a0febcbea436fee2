/**
 * A template syntax error, or a template that cannot be assembled (missing or circular
 * `extends`/`include`). `filename` and `lineno` point at the offending tag; the message reads
 * `"<message> at <file>:<line>"` like Tornado's `str(ParseError)`.
 */
export class ParseError extends Error {
  /** The bare message, without the position. */
  readonly detail: string;
  /** Name of the template the error was found in (`null` when unknown). */
  readonly filename: string | null;
  /** 1-based line of the error (0 when unknown). */
  readonly lineno: number;

  constructor(message: string, filename: string | null = null, lineno = 0) {
    super(`${message} at ${filename ?? "None"}:${lineno}`);
    this.name = "ParseError";
    this.detail = message;
    this.filename = filename;
    this.lineno = lineno;
  }
}
