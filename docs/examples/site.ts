// The app the README's deployment examples generate configs for: one process per --port, behind nginx.
import path from "node:path";
import { Application, RequestHandler, define, options, parseCommandLine } from "typhoon";

define("port", { default: 8000, type: Number, help: "port to listen on" });
parseCommandLine();

class Home extends RequestHandler {
  get() {
    this.write(`served by port ${options.port} for ${this.request.remoteIp} over ${this.request.protocol}`);
  }
}

const app = new Application([["/", Home]], { staticPath: path.join(import.meta.dirname, "static") });
await app.listen(options.port, "127.0.0.1", { xheaders: true });
