import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { DeployConfigError } from "../../deploy/errors.js";
import type { InspectRecord } from "../../deploy/inspect.js";
import { nginxConfig } from "../../deploy/nginx.js";
import { parseBackend, parseListen, parsePorts, type Backend } from "../../deploy/ports.js";
import { checkName, supervisordConfig, systemdUnit, type ProcessConfigOptions } from "../../deploy/process-config.js";
import { USAGE } from "./help.js";
import { InspectError, inspectEntry } from "./inspect.js";

/** Where the CLI writes; tests pass their own. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

const stdio: Io = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

const FLAGS = {
  ports: { type: "string" },
  upstream: { type: "string", multiple: true },
  listen: { type: "string" },
  "server-name": { type: "string" },
  "static-path": { type: "string" },
  "static-url-prefix": { type: "string" },
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
  "tls-listen": { type: "string" },
  user: { type: "string" },
  "client-max-body-size": { type: "string" },
  name: { type: "string" },
  node: { type: "string" },
  "port-flag": { type: "string" },
  arg: { type: "string", multiple: true },
  env: { type: "string", multiple: true },
  nofile: { type: "string" },
  minfds: { type: "string" },
  "log-dir": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new DeployConfigError(`bad ${flag} ${JSON.stringify(value)}: a whole number ≥ 1`);
  return Number(value);
}

function projectDir(entry: string): string {
  let dir = path.dirname(entry);
  for (;;) {
    if (fs.existsSync(path.join(dir, "package.json"))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return path.dirname(entry);
    dir = up;
  }
}

function defaultName(entry: string, workDir: string): string {
  let name = "";
  try {
    name = String(JSON.parse(fs.readFileSync(path.join(workDir, "package.json"), "utf8")).name ?? "");
  } catch {
    /* no package.json */
  }
  name = (name.split("/").pop() ?? "").replace(/[^A-Za-z0-9_.-]/g, "-");
  if (!name || name === "typhoon") name = path.basename(entry).replace(/\.[^.]+$/, "").replace(/[^A-Za-z0-9_.-]/g, "-");
  return name.replace(/^[.-]+/, "") || "typhoon-app";
}

/** The app's ports from the inspection: listens on a real port, de-duplicated. */
function inspectedPorts(record: InspectRecord | null): Backend[] {
  const out: Backend[] = [];
  for (const l of record?.listens ?? []) {
    if (!l.port) continue;
    const host = !l.address || l.address === "0.0.0.0" || l.address === "::" ? "127.0.0.1" : l.address.includes(":") ? `[${l.address}]` : l.address;
    if (!out.some((b) => b.host === host && b.port === l.port)) out.push({ host, port: l.port });
  }
  return out;
}

/** `typhoon …`: returns the exit status (0 ok, 1 failure, 2 usage error). */
export async function main(argv: string[], io: Io = stdio): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: FLAGS, allowPositionals: true, strict: true });
  } catch (err) {
    io.err(`typhoon: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values: v, positionals } = parsed;
  if (v.help || positionals.length === 0) {
    (v.help ? io.out : io.err)(USAGE);
    return v.help ? 0 : 2;
  }
  const [command, kind, entryArg, ...rest] = positionals;
  if (command !== "config") {
    io.err(`typhoon: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
    return 2;
  }
  if (kind !== "nginx" && kind !== "systemd" && kind !== "supervisord") {
    io.err(`typhoon config: say which config: nginx, systemd or supervisord${kind ? ` (not ${JSON.stringify(kind)})` : ""}\n`);
    return 2;
  }
  if (rest.length) {
    io.err(`typhoon config: unexpected arguments ${rest.map((r) => JSON.stringify(r)).join(" ")} (one ENTRY only)\n`);
    return 2;
  }
  const generatedBy = `typhoon ${argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(" ")}`;
  try {
    const entry = entryArg ? path.resolve(entryArg) : null;
    if (entry && !fs.existsSync(entry)) throw new DeployConfigError(`no such entry file: ${entryArg}`);
    const ports = v.ports !== undefined ? parsePorts(v.ports) : null;
    if (kind === "nginx") {
      const upstream = (v.upstream ?? []).map((u) => parseBackend(u));
      if (ports && upstream.length) throw new DeployConfigError("give either --ports or --upstream, not both");
      const listen = v.listen !== undefined ? parseListen(v.listen) : undefined;
      const tlsListen = v["tls-listen"] !== undefined ? parseListen(v["tls-listen"], "--tls-listen") : undefined;
      if (Boolean(v["tls-cert"]) !== Boolean(v["tls-key"])) throw new DeployConfigError("--tls-cert and --tls-key go together");
      if (tlsListen && !v["tls-cert"]) throw new DeployConfigError("--tls-listen needs --tls-cert and --tls-key");
      if (v["client-max-body-size"] !== undefined && !/^\d+[kKmMgG]?$/.test(v["client-max-body-size"])) throw new DeployConfigError(`bad --client-max-body-size ${JSON.stringify(v["client-max-body-size"])}: e.g. 50m`);
      if (v.user !== undefined) checkName(v.user);
      const record = entry ? await inspectEntry(entry) : null;
      const backends = upstream.length ? upstream : ports ? ports.map((port) => ({ host: "127.0.0.1", port })) : inspectedPorts(record);
      if (!backends.length) throw new DeployConfigError(entry ? `${entryArg} listens on no fixed port: give --ports or --upstream` : "give an ENTRY, --ports or --upstream");
      const first = record?.listens[0];
      const staticPath = v["static-path"] !== undefined ? path.resolve(v["static-path"]) : first?.staticPath ?? null;
      io.out(
        nginxConfig({
          backends,
          listen,
          serverName: v["server-name"],
          staticPath,
          staticUrlPrefix: v["static-url-prefix"] ?? first?.staticUrlPrefix ?? "/static/",
          xheaders: first ? first.xheaders : null,
          tls: v["tls-cert"] ? { cert: path.resolve(v["tls-cert"]), key: path.resolve(v["tls-key"]!), listen: tlsListen } : null,
          user: v.user ?? null,
          clientMaxBodySize: v["client-max-body-size"],
          generatedBy,
        }),
      );
      return 0;
    }
    if (!entry) throw new DeployConfigError(`typhoon config ${kind} needs the app's ENTRY (server.ts)`);
    const workingDirectory = projectDir(entry);
    const env: Record<string, string> = {};
    for (const e of v.env ?? []) {
      const i = e.indexOf("=");
      if (i < 1) throw new DeployConfigError(`bad --env ${JSON.stringify(e)}: NAME=VALUE`);
      env[e.slice(0, i)] = e.slice(i + 1);
    }
    const portList = ports ?? inspectedPorts(await inspectEntry(entry)).map((b) => b.port);
    if (!portList.length) throw new DeployConfigError(`${entryArg} listens on no fixed port: give --ports`);
    const portFlag = v["port-flag"] ?? "--port";
    if (!/^-{1,2}[A-Za-z0-9][\w-]*$/.test(portFlag)) throw new DeployConfigError(`bad --port-flag ${JSON.stringify(portFlag)}`);
    const options: ProcessConfigOptions = {
      name: checkName(v.name ?? defaultName(entry, workingDirectory)),
      entry,
      workingDirectory,
      node: v.node ? path.resolve(v.node) : process.execPath,
      nodeArgs: /\.(c|m)?tsx?$/.test(entry) ? ["--import", "typhoon/register"] : [],
      ports: [...new Set(portList)],
      portFlag,
      args: v.arg ?? [],
      user: v.user ? checkName(v.user) : null,
      env: Object.keys(env).length ? env : undefined,
      nofile: positiveInt(v.nofile, "--nofile"),
      generatedBy,
    };
    if (kind === "systemd") io.out(systemdUnit(options));
    else io.out(supervisordConfig({ ...options, minfds: positiveInt(v.minfds, "--minfds"), logDir: v["log-dir"] ? path.resolve(v["log-dir"]) : undefined }));
    return 0;
  } catch (err) {
    if (err instanceof DeployConfigError) {
      io.err(`typhoon config ${kind}: ${err.message}\n`);
      return 2;
    }
    if (err instanceof InspectError) {
      io.err(`typhoon config ${kind}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
