/**
 * tdev's own lines on stderr: short, prefixed, coloured with kleur on a TTY, plain when stderr is not a
 * TTY or `NO_COLOR` is set. `--quiet` keeps errors and warnings only.
 */
import kleur from "kleur";

/** Where tdev writes and how. */
export class Output {
  readonly color: boolean;
  constructor(
    readonly quiet = false,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly prefix = "[tdev]",
  ) {
    const env = process.env;
    this.color =
      env.NO_COLOR === undefined && env.NODE_DISABLE_COLORS === undefined && env.TERM !== "dumb" &&
      (Boolean(stream.isTTY) || (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0"));
    kleur.enabled = this.color;
  }

  private line(text: string): void {
    this.stream.write(`${kleur.dim(this.prefix)} ${text}\n`);
  }

  /** Progress: what is watched, what changed, restarts. */
  info(text: string): void {
    if (!this.quiet) this.line(text);
  }
  /** Something worth noticing that is not an error. */
  warn(text: string): void {
    this.line(kleur.yellow(text));
  }
  /** Errors, always shown. */
  error(text: string): void {
    this.line(kleur.red(text));
  }
  /** A multi-line block (stack, code frame), printed as is with a red first line. */
  block(text: string): void {
    const [first, ...rest] = text.split("\n");
    this.stream.write(kleur.red(first ?? "") + (rest.length ? "\n" + rest.join("\n") : "") + "\n");
  }
  /** Clears the terminal (for `--clear`). */
  clear(): void {
    if (this.stream.isTTY) this.stream.write("\x1Bc");
  }
  green(s: string): string {
    return kleur.green(s);
  }
  bold(s: string): string {
    return kleur.bold(s);
  }
  cyan(s: string): string {
    return kleur.cyan(s);
  }
}
