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

/** The live-reload client: reloads the page when the server's id changes or it announces a change. */
export function liveReloadScript(id: string): string {
  return `<script data-typhoon-live-reload>(function(){if(!window.EventSource)return;var id=${JSON.stringify(id)};` +
    `var es=new EventSource(${JSON.stringify(LIVE_RELOAD_PATH)});es.onmessage=function(e){var d;try{d=JSON.parse(e.data)}catch(_){return}` +
    `if(d.reload||(d.id&&d.id!==id)){es.close();location.reload()}};})();</script>`;
}

/** The HTML error page. */
export function errorPageHtml(state: BrokenState, id: string, liveReload: boolean): string {
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>500: ${esc(state.title)}</title>
<style>body{font:14px/1.45 ui-monospace,Menlo,Consolas,monospace;margin:2em;color:#222}h1{font-size:18px;color:#b00020}
pre{background:#fff5f5;border:1px solid #f3c2c2;padding:1em;overflow:auto;white-space:pre-wrap}p{color:#555}</style></head>
<body><h1>500: ${esc(state.title)}</h1><pre>${esc(state.text)}</pre>
<p>tdev is waiting for a change; this page reloads when the app is back.</p>
${liveReload ? liveReloadScript(id) : ""}</body></html>
`;
}
