import { HTTPError } from "./errors.js";
import { RequestHandler } from "./handler.js";

/** Answers every request with one status (the 404 for unknown URLs). */
export class ErrorHandler extends RequestHandler {
  private statusCode = 404;

  override initialize(args: Record<string, unknown>): void {
    this.statusCode = Number(args.statusCode ?? 404);
  }

  override async prepare(): Promise<void> {
    throw new HTTPError(this.statusCode);
  }
}
