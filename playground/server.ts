// The playground: run with `npm start` (under tdev, debug mode). PORT picks the port (default 8888).
import { Application, RequestHandler } from "typhoon";

class Home extends RequestHandler {
  get() {
    this.write(`<!DOCTYPE html><html><head><title>Typhoon playground</title></head>
<body><h1>Hello from Typhoon</h1><p>Edit <code>playground/server.ts</code> and this page reloads.</p></body></html>`);
  }
}

const port = Number(process.env.PORT ?? 8888);
const app = new Application([["/", Home]], { debug: true });
await app.listen(port, "127.0.0.1");
console.log(`Typhoon playground on http://127.0.0.1:${port}/`);
