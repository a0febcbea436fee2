/**
 * The page shown on the app's port while the app is broken (compile error, crash at start-up or while
 * running): status 500, the same error tdev printed, HTML-escaped, with the live-reload script so the
 * browser reloads as soon as a fixed version is up.
 */
import { LIVE_RELOAD_PATH } from "./protocol.js";

/** What broke. */
export interface BrokenState {
  title: string;
  text: string;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/**
 * The live-reload client: remembers the id of the server process it first hears from, and reloads the
 * page when a different process answers (a restart) or the server announces a template/static change.
 * The id is not embedded in the page, so a page revalidated from the browser cache (304) cannot loop.
 */
export function liveReloadScript(): string {
  return `<script data-typhoon-live-reload>(function(){if(!window.EventSource)return;var id=null;` +
    `var es=new EventSource(${JSON.stringify(LIVE_RELOAD_PATH)});es.onmessage=function(e){var d;try{d=JSON.parse(e.data)}catch(_){return}` +
    `if(d.id&&id===null){id=d.id;return}if(d.reload||(d.id&&d.id!==id)){es.close();location.reload()}};})();</script>`;
}

/** The HTML error page. */
export function errorPageHtml(state: BrokenState, liveReload: boolean): string {
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>500: ${esc(state.title)}</title>
<style>body{font:14px/1.45 ui-monospace,Menlo,Consolas,monospace;margin:2em;color:#222}h1{font-size:18px;color:#b00020}
pre{background:#fff5f5;border:1px solid #f3c2c2;padding:1em;overflow:auto;white-space:pre-wrap}p{color:#555}</style></head>
<body><h1>500: ${esc(state.title)}</h1><pre>${esc(state.text)}</pre>
<p>tdev is waiting for a change; this page reloads when the app is back.</p>
${liveReload ? liveReloadScript() : ""}</body></html>
`;
}
