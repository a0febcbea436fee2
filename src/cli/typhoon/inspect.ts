import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { InspectRecord } from "../../deploy/inspect.js";

/** Why an entry could not be inspected (the CLI prints it and exits 1). */
export class InspectError extends Error {}

/**
 * Loads the app's entry in a child process (through typhoon/register, so a `.ts` entry works) in
 * inspection mode and returns what it would serve: ports, xheaders, staticPath. Nothing is bound.
 */
export function inspectEntry(entry: string, timeoutMs = 30_000): Promise<InspectRecord> {
  const register = new URL("../../register/index.js", import.meta.url).href;
  const child = fileURLToPath(new URL("./inspect-child.js", import.meta.url));
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ["--import", register, child, entry], {
      env: { ...process.env, TYPHOON_INSPECT: "1", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe", "pipe"],
    });
    let out = "";
    let record = "";
    proc.stdout!.on("data", (d) => (out += d));
    proc.stderr!.on("data", (d) => (out += d));
    (proc.stdio[3] as NodeJS.ReadableStream).on("data", (d) => (record += d));
    const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
    proc.on("error", (err) => {
      clearTimeout(timer);
      reject(new InspectError(`cannot run node to load ${entry}: ${err.message}`));
    });
    proc.on("close", (code, signal) => {
      clearTimeout(timer);
      const tail = out.trim().split("\n").slice(-25).join("\n");
      if (code !== 0 || !record) {
        reject(new InspectError(`loading ${entry} to read its settings failed (${signal ? `killed by ${signal}` : `exit ${code}`})${tail ? `:\n${tail}` : ""}`));
        return;
      }
      try {
        resolve(JSON.parse(record) as InspectRecord);
      } catch {
        reject(new InspectError(`loading ${entry}: unreadable settings record`));
      }
    });
  });
}
