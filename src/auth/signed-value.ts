import { createHmac, timingSafeEqual } from "node:crypto";
import { ConfigurationError } from "../web/errors.js";
import { Buffer } from "node:buffer";

/** A cookie secret: one string, or `{ [keyVersion]: secret }` for key rotation. */
export type CookieSecret = string | Buffer | Record<number, string | Buffer>;

/** Options of {@link createSignedValue}. */
export interface CreateSignedValueOptions {
  /** Format version: 2 (default, HMAC-SHA256) or 1 (Tornado's legacy HMAC-SHA1, only for tests/migration). */
  version?: 1 | 2;
  /** Key version to sign with; required when the secret is a map. */
  keyVersion?: number;
  /** Seconds since the epoch (for tests). Default: now. */
  clock?: () => number;
}

/** Options of {@link decodeSignedValue}. */
export interface DecodeSignedValueOptions {
  /** Values older than this many days are rejected. Default 31. */
  maxAgeDays?: number;
  /** Oldest format version accepted. Default 2 (version 1 is HMAC-SHA1 without name binding). */
  minVersion?: 1 | 2;
  /** Seconds since the epoch (for tests). Default: now. */
  clock?: () => number;
}

const now = (): number => Date.now() / 1000;
const VERSION_PREFIX = /^([1-9][0-9]*)\|/;
const DIGITS = /^[0-9]+$/;
const HEX64 = /^[0-9a-f]{64}$/;
/** Signed values longer than this are refused before any parsing (cookies are at most ~4 KiB anyway). */
const MAX_SIGNED_LENGTH = 64 * 1024;

function toBytes(v: string | Buffer): Buffer {
  return typeof v === "string" ? Buffer.from(v, "utf8") : v;
}

function secretFor(secret: CookieSecret, keyVersion: number | undefined): Buffer | undefined {
  if (typeof secret === "string" || Buffer.isBuffer(secret)) return toBytes(secret);
  if (keyVersion === undefined) return undefined;
  const s = Object.prototype.hasOwnProperty.call(secret, String(keyVersion)) ? secret[keyVersion] : undefined;
  return s === undefined ? undefined : toBytes(s);
}

function field(s: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${s.length}:`), s]);
}

function hmacHex(algorithm: "sha1" | "sha256", secret: Buffer, ...parts: Buffer[]): Buffer {
  const h = createHmac(algorithm, secret);
  for (const p of parts) h.update(p);
  return Buffer.from(h.digest("hex"), "latin1");
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Signs and timestamps `value` for `name` in Tornado's signed-value format (version 2 by default):
 * `2|1:<keyVersion>|10:<timestamp>|<len>:<name>|<len>:<base64 value>|<hmac-sha256 hex>`.
 * A value signed here verifies in Tornado's `decode_signed_value` with the same secret, and back.
 */
export function createSignedValue(secret: CookieSecret, name: string, value: string | Buffer, options: CreateSignedValueOptions = {}): string {
  const version = options.version ?? 2;
  const timestamp = Buffer.from(String(Math.floor((options.clock ?? now)())));
  const encoded = Buffer.from(toBytes(value).toString("base64"));
  const isMap = typeof secret !== "string" && !Buffer.isBuffer(secret);
  if (version === 1) {
    if (isMap) throw new ConfigurationError("Signed-value version 1 does not support key versions (cookieSecret maps)");
    const sig = hmacHex("sha1", toBytes(secret), Buffer.from(name), encoded, timestamp);
    return Buffer.concat([encoded, Buffer.from("|"), timestamp, Buffer.from("|"), sig]).toString("latin1");
  }
  if (version !== 2) throw new ConfigurationError(`Unsupported signed-value version ${String(version)}`);
  if (isMap && options.keyVersion === undefined) throw new ConfigurationError("keyVersion must be set when cookieSecret is a map of key versions");
  const key = secretFor(secret, options.keyVersion);
  if (!key) throw new ConfigurationError(`cookieSecret has no key for keyVersion ${options.keyVersion}`);
  const toSign = Buffer.concat([
    Buffer.from("2|"),
    field(Buffer.from(String(options.keyVersion ?? 0))), Buffer.from("|"),
    field(timestamp), Buffer.from("|"),
    field(Buffer.from(name, "utf8")), Buffer.from("|"),
    field(encoded), Buffer.from("|"),
  ]);
  return Buffer.concat([toSign, hmacHex("sha256", key, toSign)]).toString("latin1");
}

function versionOf(value: string): number {
  const m = VERSION_PREFIX.exec(value);
  if (!m) return 1;
  // Version-less v1 values start with base64 that may look like a number; Tornado treats > 999 as v1.
  const v = Number(m[1]);
  return v > 999 ? 1 : v;
}

interface V2Fields { keyVersion: number; timestamp: string; name: string; value: string; signature: string; signed: string }

/** Splits a version-2 value into its length-prefixed fields, or null if it is malformed. */
function decodeFieldsV2(value: string): V2Fields | null {
  let rest = value.slice(2);
  const take = (): string | null => {
    const colon = rest.indexOf(":");
    if (colon <= 0 || colon > 6) return null;
    const len = rest.slice(0, colon);
    if (!DIGITS.test(len)) return null;
    const n = Number(len);
    const start = colon + 1;
    if (rest[start + n] !== "|") return null;
    const out = rest.slice(start, start + n);
    rest = rest.slice(start + n + 1);
    return out;
  };
  const keyVersion = take();
  const timestamp = keyVersion === null ? null : take();
  const name = timestamp === null ? null : take();
  const val = name === null ? null : take();
  if (keyVersion === null || timestamp === null || name === null || val === null) return null;
  if (!DIGITS.test(keyVersion) || !DIGITS.test(timestamp) || keyVersion.length > 9) return null;
  return { keyVersion: Number(keyVersion), timestamp, name, value: val, signature: rest, signed: value.slice(0, value.length - rest.length) };
}

function decodeV2(secret: CookieSecret, name: string, value: string, maxAgeDays: number, clock: () => number): Buffer | null {
  const f = decodeFieldsV2(value);
  if (!f || !HEX64.test(f.signature)) return null;
  const key = secretFor(secret, typeof secret === "string" || Buffer.isBuffer(secret) ? undefined : f.keyVersion);
  if (!key) return null;
  const expected = hmacHex("sha256", key, Buffer.from(f.signed, "latin1"));
  if (!sameBytes(Buffer.from(f.signature, "latin1"), expected)) return null;
  if (f.name !== name) return null;
  if (Number(f.timestamp) < clock() - maxAgeDays * 86400) return null;
  return Buffer.from(f.value, "base64");
}

function decodeV1(secret: CookieSecret, name: string, value: string, maxAgeDays: number, clock: () => number): Buffer | null {
  if (typeof secret !== "string" && !Buffer.isBuffer(secret)) return null;
  const parts = value.split("|");
  if (parts.length !== 3) return null;
  const [encoded, ts, sig] = parts as [string, string, string];
  if (!DIGITS.test(ts) || ts.startsWith("0")) return null;
  const expected = hmacHex("sha1", toBytes(secret), Buffer.from(name), Buffer.from(encoded, "latin1"), Buffer.from(ts));
  if (!sameBytes(Buffer.from(sig, "latin1"), expected)) return null;
  const t = Number(ts);
  if (t < clock() - maxAgeDays * 86400) return null;
  // v1 does not separate its fields under the signature: refuse timestamps moved into the future.
  if (t > clock() + 31 * 86400) return null;
  return Buffer.from(encoded, "base64");
}

/**
 * Verifies a value made by {@link createSignedValue} (or by Tornado) and returns the original bytes, or
 * null if it is missing, malformed, tampered with, signed for another name, signed with an unknown key
 * or older than `maxAgeDays`.
 */
export function decodeSignedValueBytes(secret: CookieSecret, name: string, value: string | Buffer | null | undefined, options: DecodeSignedValueOptions = {}): Buffer | null {
  if (value === null || value === undefined || value.length === 0 || value.length > MAX_SIGNED_LENGTH) return null;
  const s = typeof value === "string" ? value : value.toString("latin1");
  // Anything outside printable ASCII cannot come from either signer.
  if (!/^[\x21-\x7e]+$/.test(s)) return null;
  const minVersion = options.minVersion ?? 2;
  const maxAgeDays = options.maxAgeDays ?? 31;
  const clock = options.clock ?? now;
  const version = versionOf(s);
  if (version < minVersion) return null;
  if (version === 2) return decodeV2(secret, name, s, maxAgeDays, clock);
  if (version === 1) return decodeV1(secret, name, s, maxAgeDays, clock);
  return null;
}

/** Like {@link decodeSignedValueBytes}, decoded as UTF-8 text. */
export function decodeSignedValue(secret: CookieSecret, name: string, value: string | Buffer | null | undefined, options: DecodeSignedValueOptions = {}): string | null {
  const bytes = decodeSignedValueBytes(secret, name, value, options);
  return bytes === null ? null : bytes.toString("utf8");
}

/** The key version a version-2 signed value claims (unverified), or null. */
export function getSignatureKeyVersion(value: string | null | undefined): number | null {
  if (!value || versionOf(value) < 2) return null;
  return decodeFieldsV2(value)?.keyVersion ?? null;
}
