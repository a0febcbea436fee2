/** A bad argument to a config generator (the CLI prints it and exits 2). */
export class DeployConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DeployConfigError";
  }
}
