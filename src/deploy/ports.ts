import { DeployConfigError } from "./errors.js";

/** A backend address for an upstream block. */
export interface Backend {
  host: string;
  port: number;
}

function port(text: string, spec: string): number {
  if (!/^\d{1,5}$/.test(text)) throw new DeployConfigError(`bad --ports ${JSON.stringify(spec)}: ${JSON.stringify(text)} is not a port number`);
  const n = Number(text);
  if (n < 1 || n > 65535) throw new DeployConfigError(`bad --ports ${JSON.stringify(spec)}: ${n} is not a port from 1 to 65535`);
  return n;
}

/** Parses `8000-8003`, `8000,8002` or a mix (`8000-8001,9000`) into a list of distinct ports. */
export function parsePorts(spec: string): number[] {
  const out: number[] = [];
  if (!spec.trim()) throw new DeployConfigError("bad --ports \"\": give a range such as 8000-8003 or a list such as 8000,8001");
  for (const part of spec.split(",").map((p) => p.trim())) {
    const m = /^(\d+)\s*-\s*(\d+)$/.exec(part);
    if (m) {
      const [a, b] = [port(m[1]!, spec), port(m[2]!, spec)];
      if (b < a) throw new DeployConfigError(`bad --ports ${JSON.stringify(spec)}: the range ${a}-${b} runs backwards`);
      if (b - a >= 1024) throw new DeployConfigError(`bad --ports ${JSON.stringify(spec)}: ${b - a + 1} ports is more processes than any machine wants`);
      for (let p = a; p <= b; p++) out.push(p);
    } else out.push(port(part, spec));
  }
  const dup = out.find((p, i) => out.indexOf(p) !== i);
  if (dup !== undefined) throw new DeployConfigError(`bad --ports ${JSON.stringify(spec)}: port ${dup} is listed twice`);
  return out;
}

/** Parses `host:port` (`[::1]:8000` for IPv6; a bare port means 127.0.0.1). */
export function parseBackend(text: string, flag = "--upstream"): Backend {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(text.trim()) ?? /^()()(\d{1,5})$/.exec(text.trim());
  if (!m) throw new DeployConfigError(`bad ${flag} ${JSON.stringify(text)}: expected host:port, e.g. 127.0.0.1:8000 or [::1]:8000`);
  const n = Number(m[3]);
  if (n < 1 || n > 65535) throw new DeployConfigError(`bad ${flag} ${JSON.stringify(text)}: ${n} is not a port from 1 to 65535`);
  const host = m[1] ? `[${m[1]}]` : m[2] || "127.0.0.1";
  return { host, port: n };
}

/** Parses an nginx `listen` value: `8080`, `127.0.0.1:8080`, `[::]:80`. */
export function parseListen(text: string, flag = "--listen"): string {
  const t = text.trim();
  if (/^\d{1,5}$/.test(t)) {
    const n = Number(t);
    if (n < 1 || n > 65535) throw new DeployConfigError(`bad ${flag} ${JSON.stringify(text)}: not a port from 1 to 65535`);
    return t;
  }
  const b = parseBackend(t, flag);
  return `${b.host}:${b.port}`;
}
