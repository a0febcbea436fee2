// The playground: every demo in one server. `npm start` runs it under tdev, in debug mode: error pages
// show tracebacks, templates and static files are re-read on every request, and the open browser tab
// reloads itself after any edit. PORT picks the port (default 8888).
import path from "node:path";
import { Application, autoreload, loadTranslations } from "typhoon";
import { homeRoutes } from "./home.ts";
import { blogRoutes } from "./blog/routes.ts";
import * as blogModules from "./blog/modules.ts";
import { chatRoutes } from "./chat/routes.ts";
import { errorRoutes } from "./errors/errors.ts";

// es.csv: the Spanish strings; a browser asking for es, es-ES or es-MX (Accept-Language) gets them.
// They are read once, here, so tdev is asked to restart when one changes (code it knows by itself).
const translations = path.join(import.meta.dirname, "translations");
loadTranslations(translations);
autoreload.watch(translations);

const app = new Application([...homeRoutes, ...blogRoutes, ...chatRoutes, ...errorRoutes], {
  debug: true,
  // Templates and static files are re-read on every request in debug mode, and an edit to either
  // reloads the open page (tdev restarts the server only for code).
  templatePath: path.join(import.meta.dirname, "templates"),
  staticPath: path.join(import.meta.dirname, "static"),
  // Signs the login cookie. A fixed value keeps you logged in across reloads; a real app reads its own
  // secret from the environment or a config file and never commits it.
  cookieSecret: process.env.COOKIE_SECRET ?? "playground-only: not a secret, do not reuse",
  loginUrl: "/blog/login",
  xsrfCookies: true,
  uiModules: blogModules,
});

const port = Number(process.env.PORT ?? 8888);
await app.listen(port, "127.0.0.1");
console.log(`Typhoon playground on http://127.0.0.1:${port}/`);
