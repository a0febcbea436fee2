/**
 * Raised for every options problem: an unknown or ill-typed flag, a duplicate `define`, a bad config
 * file. The message is meant for the person at the terminal, so it names the flag as they typed it.
 */
export class OptionsError extends Error {
  override name = "OptionsError";
}
