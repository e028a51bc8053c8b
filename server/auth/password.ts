import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { Invalid } from '../core/errors.js';

/**
 * Password hashing with scrypt: memory-hard (32 MiB per hash at these parameters), built into Node,
 * so no native module to rebuild for Electron. It runs on libuv's thread pool, not the event loop.
 *
 * Stored form: `$scrypt$ln=15,r=8,p=1$<salt b64>$<hash b64>`. The parameters travel with the hash,
 * so they can be raised later and old hashes still verify (`needsRehash` tells when to upgrade).
 */
const CURRENT = { ln: 15, r: 8, p: 1 };
const KEY_LENGTH = 32;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt, CURRENT);
  return `$scrypt$ln=${CURRENT.ln},r=${CURRENT.r},p=${CURRENT.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Constant-time comparison; false (never a throw) for a malformed stored hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed) return false;
  const hash = await derive(password, parsed.salt, parsed.params);
  return hash.length === parsed.hash.length && timingSafeEqual(hash, parsed.hash);
}

export function needsRehash(stored: string): boolean {
  const parsed = parse(stored);
  return !parsed || parsed.params.ln < CURRENT.ln || parsed.params.r < CURRENT.r;
}

/**
 * Harbor's password policy: 8 to 128 characters with at least one upper-case letter, one lower-case
 * letter and one digit. Throws `Invalid` with the rule that failed.
 */
export function assertPasswordPolicy(password: string): void {
  if (password.length < 8 || password.length > 128) {
    throw new Invalid('NAME_INVALID', 'the password must be 8 to 128 characters long');
  }
  if (!/[A-Z]/.test(password) || !/[a-z]/.test(password) || !/[0-9]/.test(password)) {
    throw new Invalid(
      'NAME_INVALID',
      'the password must contain at least one upper-case letter, one lower-case letter and one digit',
    );
  }
}

/** A random password that satisfies the policy (for the first admin and resets). */
export function generatePassword(): string {
  // 24 base64url characters carry 144 bits; the fixed suffix guarantees each required class.
  return `${randomBytes(18).toString('base64url')}Aa1`;
}

interface Params {
  ln: number;
  r: number;
  p: number;
}

function derive(password: string, salt: Buffer, params: Params): Promise<Buffer> {
  const N = 2 ** params.ln;
  const options: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 256 * N * params.r };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function parse(stored: string): { params: Params; salt: Buffer; hash: Buffer } | undefined {
  const m = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(stored);
  if (!m) return undefined;
  const params = { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  if (params.ln < 10 || params.ln > 22 || params.r < 1 || params.r > 32 || params.p < 1 || params.p > 16)
    return undefined;
  return { params, salt: Buffer.from(m[4] ?? '', 'base64'), hash: Buffer.from(m[5] ?? '', 'base64') };
}
