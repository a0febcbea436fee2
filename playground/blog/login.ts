// Signing in and out. A correct name and password set the secure cookie "user" (signed with the app's
// cookieSecret, so it cannot be forged); PlaygroundHandler.getCurrentUser() reads it back.
import { checkPassword } from "./users.ts";
import { BlogHandler } from "./handlers.ts";

export class LoginHandler extends BlogHandler {
  get() {
    return this.render("blog/login.html", { error: null, name: "" });
  }

  post() {
    const name = this.getArgument("name", "").trim();
    if (!checkPassword(name, this.getArgument("password", ""))) {
      this.setStatus(403);
      return this.render("blog/login.html", { error: this._("Wrong name or password."), name });
    }
    this.setSecureCookie("user", name);
    // Back to the page that asked for a login (only a path on this site: never another host).
    this.redirect(this.getNextUrl("/blog/"));
  }
}

export class LogoutHandler extends BlogHandler {
  post() {
    this.clearCookie("user");
    this.redirect("/blog/");
  }
}
