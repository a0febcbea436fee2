/**
 * The Node flags tdev gives each app process. `--inspect` cannot be passed through as is: every restart
 * would start a new inspector on the same port while the old process still holds it, and a debugger
 * would lose the port. So the child gets an ephemeral inspector port and tdev's InspectorProxy listens
 * on the address the user asked for.
 */

/** The address the user gave `--inspect` (default 127.0.0.1:9229), where tdev's proxy listens. */
export interface InspectAddress {
  host: string;
  port: number;
}

/** Node flags for app processes (tdev's loader and preload first), and where to put the debugger proxy. */
export function childExecArgv(nodeFlags: string[], registerUrl: string, preloadUrl: string): { execArgv: string[]; inspect: InspectAddress | undefined } {
  const flags: string[] = [];
  let inspectKind: string | undefined;
  let inspectAddr: string | undefined;
  let inspectPort: string | undefined;
  let publishUid: string | undefined;
  for (const f of nodeFlags) {
    const m = /^--(inspect(?:-brk|-wait)?)(?:=(.*))?$/.exec(f);
    if (m) {
      inspectKind = m[1];
      inspectAddr = m[2];
      continue;
    }
    const p = /^--inspect-port=(.*)$/.exec(f);
    if (p) {
      inspectPort = p[1];
      continue;
    }
    if (/^--inspect-publish-uid=/.test(f)) {
      publishUid = f;
      continue;
    }
    flags.push(f);
  }
  let inspect: InspectAddress | undefined;
  if (inspectKind) {
    let host = "127.0.0.1";
    let port = 9229;
    const addr = inspectAddr ?? inspectPort;
    if (addr) {
      const mm = /^(?:(.*):)?(\d+)$/.exec(addr);
      if (mm) {
        if (mm[1]) host = mm[1].replace(/^\[|\]$/g, "");
        port = Number(mm[2]);
      } else host = addr;
    }
    inspect = { host, port };
    flags.push(`--${inspectKind}=127.0.0.1:0`);
    // The child's own "Debugger listening on ws://127.0.0.1:<ephemeral>/…" (and "For help, see: …") would
    // send users to a port that changes with every restart; tdev prints the proxy's instead. `http` stays
    // on: debuggers find the target through /json on the proxy.
    flags.push("--inspect-publish-uid=http");
  } else if (publishUid) flags.push(publishUid);
  return { execArgv: ["--import", registerUrl, "--import", preloadUrl, ...flags], inspect };
}

/** True for `--inspect-brk`/`--inspect-wait`: such a process blocks until a debugger attaches. */
export function waitsForDebugger(nodeFlags: string[]): boolean {
  return nodeFlags.some((f) => /^--inspect-(brk|wait)/.test(f));
}
