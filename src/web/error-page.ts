import type { HTTPServerRequest } from "../http/request.js";
import { xhtmlEscape } from "../util/escape.js";
import { errorTitle, parseStack, type StackFrame } from "./traceback.js";

/** What an error page is made from. */
export interface ErrorPageInput {
  status: number;
  reason: string;
  error?: unknown;
  /** Show the exception and its stack (`serveTraceback`). */
  traceback: boolean;
  /** The client asked for JSON. */
  json: boolean;
  request: HTTPServerRequest;
}

/** A rendered error page. */
export interface ErrorPage {
  contentType: string;
  body: string;
}

/**
 * Renders the default error page: Tornado's exact plain page, or, with `traceback` and an error, the
 * exception with its source-mapped frames and the source around them. Every value is HTML-escaped.
 */
export function renderErrorPage(input: ErrorPageInput): ErrorPage {
  const { status, reason } = input;
  const withTrace = input.traceback && input.error !== undefined;
  const frames = withTrace ? parseStack(input.error) : [];
  if (input.json) {
    const payload: Record<string, unknown> = { status, reason };
    if (withTrace) {
      payload.error = errorTitle(input.error);
      payload.stack = frames.map(({ functionName, file, line, column }) => ({ functionName, file, line, column }));
    }
    return { contentType: "application/json; charset=UTF-8", body: JSON.stringify(payload) };
  }
  const title = `${status}: ${xhtmlEscape(reason)}`;
  if (!withTrace) {
    return { contentType: "text/html; charset=UTF-8", body: `<html><title>${title}</title><body>${title}</body></html>` };
  }
  return { contentType: "text/html; charset=UTF-8", body: tracebackPage(title, input, frames) };
}

function frameHtml(frame: StackFrame): string {
  const where = `${xhtmlEscape(frame.file)}:${frame.line}:${frame.column}`;
  const fn = frame.functionName ? ` in <code>${xhtmlEscape(frame.functionName)}</code>` : "";
  let code = "";
  if (frame.context.length) {
    code = "<pre class=src>" + frame.context
      .map(([n, text]) => `<span class="${n === frame.line ? "hit" : ""}">${String(n).padStart(5)}  ${xhtmlEscape(text)}</span>`)
      .join("") + "</pre>";
  }
  return `<li class="${frame.internal ? "internal" : "app"}"><div class=loc>${where}${fn}</div>${code}</li>`;
}

function tracebackPage(title: string, input: ErrorPageInput, frames: StackFrame[]): string {
  const r = input.request;
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${title}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:0;background:#fafafa;color:#222}
header{background:#b3261e;color:#fff;padding:18px 24px}
header h1{margin:0;font-size:20px}
header p{margin:6px 0 0;font:15px/1.4 ui-monospace,monospace;white-space:pre-wrap}
main{padding:12px 24px}
ol{list-style:none;padding:0}
li{margin:0 0 12px;background:#fff;border:1px solid #ddd;border-radius:6px;overflow:hidden}
li.internal{opacity:.6}
.loc{padding:6px 10px;font:13px ui-monospace,monospace;background:#f0f0f0}
pre.src{margin:0;padding:6px 0;font:13px/1.4 ui-monospace,monospace;overflow-x:auto}
pre.src span{display:block;padding:0 10px}
pre.src span.hit{background:#fde2e1;font-weight:600}
.req{color:#555;font:13px ui-monospace,monospace}
</style></head>
<body><header><h1>${title}</h1><p>${xhtmlEscape(errorTitle(input.error))}</p></header>
<main><p class=req>${xhtmlEscape(r.method)} ${xhtmlEscape(r.uri)} from ${xhtmlEscape(r.remoteIp)}</p>
<ol>${frames.map(frameHtml).join("\n")}</ol>
<pre class=raw hidden>${xhtmlEscape(String((input.error as Error)?.stack ?? input.error))}</pre></main>
</body></html>`;
}
