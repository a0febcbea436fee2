// The blog's users: a fixed in-memory list (no database). Sign in at /blog/login as
//   alice / wonderland   or   bob / builder
// Passwords are kept only as salted scrypt hashes and compared in constant time, as a real app would.
import { randomBytes, scryptSync, timingSafeEqual } from "node:crypto";

const DEMO_USERS: Record<string, string> = { alice: "wonderland", bob: "builder" };

const salt = randomBytes(16);
const hash = (password: string) => scryptSync(password, salt, 32);
const hashes = new Map(Object.entries(DEMO_USERS).map(([name, password]) => [name, hash(password)]));

/** True when `name` is a user and `password` is theirs. */
export function checkPassword(name: string, password: string): boolean {
  const expected = hashes.get(name);
  const given = hash(password); // hashed even for unknown names, so timing does not tell which names exist
  return expected !== undefined && timingSafeEqual(expected, given);
}
