// Pages that fail on purpose. In debug mode (serveTraceback) an exception becomes a page with the error
// and its stack, mapped back to the .ts and template lines you wrote; without debug, a plain 500 page.
import { HTTPError, type HandlerEntry } from "typhoon";
import { PlaygroundHandler } from "../base.ts";

class IndexHandler extends PlaygroundHandler {
  get() {
    return this.render("errors/errors.html");
  }
}

interface Order {
  customer?: { name: string };
}

function customerName(order: Order): string {
  return order.customer!.name; // a bug: this order has no customer
}

/** Throws a TypeError from a helper function: the traceback shows both frames, in TypeScript. */
class ThrowHandler extends PlaygroundHandler {
  get() {
    this.write(`Hello, ${customerName({})}`);
  }
}

/** The error happens inside a template: the traceback points at templates/errors/broken.html's line. */
class TemplateErrorHandler extends PlaygroundHandler {
  get() {
    return this.render("errors/broken.html", { order: {} });
  }
}

/** An HTTPError answers with its own status (403 here), not 500; debug mode still shows where it was raised. */
class StatusHandler extends PlaygroundHandler {
  get(code: string) {
    throw new HTTPError(Number(code), "asked for on purpose");
  }
}

export const errorRoutes: HandlerEntry[] = [
  ["/errors/", IndexHandler, {}, "errors"],
  ["/errors/throw", ThrowHandler],
  ["/errors/template", TemplateErrorHandler],
  ["/errors/status/([45]\\d\\d)", StatusHandler],
];
