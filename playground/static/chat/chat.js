// The chat's browser side. Messages arrive by long polling (data-transport="longpoll", as in Tornado's
// chat demo) or over a WebSocket (data-transport="websocket"); either way each one is shown once.
const inbox = document.getElementById("inbox");
const form = document.getElementById("messageform");
const input = document.getElementById("message");
const xsrf = form.elements._xsrf.value; // every POST must carry it (xsrfCookies: true)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function show(message) {
  if (document.getElementById("m" + message.id)) return;
  inbox.insertAdjacentHTML("beforeend", message.html); // rendered and escaped by the server
  inbox.scrollTop = inbox.scrollHeight;
}

function lastId() {
  return inbox.lastElementChild ? inbox.lastElementChild.id.slice(1) : "";
}

async function longPoll() {
  for (;;) {
    try {
      const body = new URLSearchParams({ cursor: lastId(), _xsrf: xsrf });
      const response = await fetch("/chat/a/message/updates", { method: "POST", body });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      (await response.json()).messages.forEach(show);
    } catch {
      await sleep(1000); // the server is restarting (tdev) or gone: ask again shortly
    }
  }
}

let socket = null;
function webSocket() {
  socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/chat/socket`);
  socket.onmessage = (event) => show(JSON.parse(event.data));
  socket.onclose = () => setTimeout(webSocket, 1000); // reconnect after a restart
}

if (document.body.dataset.transport === "websocket") webSocket();
else longPoll();

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  if (socket) socket.send(JSON.stringify({ body: text }));
  else {
    const response = await fetch(form.action, { method: "POST", body: new URLSearchParams({ body: text, _xsrf: xsrf }) });
    if (response.ok) show(await response.json());
  }
});
