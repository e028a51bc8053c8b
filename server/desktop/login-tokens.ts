import { newSecret, safeEqual, sha256Hex } from '../auth/secrets.js';
import type { LoginTokenRedeemer } from '../http/auth/session-routes.js';

export interface LoginTokenOptions {
  /** How long a token may wait to be redeemed. */
  ttlMs?: number;
  /** Milliseconds since the epoch; tests pass their own clock. */
  now?: () => number;
}

/** Tokens waiting at once; issuing more drops the oldest (the shell needs one per window load). */
const MAX_OUTSTANDING = 16;

/**
 * One-time sign-in tokens for the desktop shell. The main process (which owns the machine's user
 * session) issues a token and hands it to its own window, which redeems it at `/c/login/desktop` for a
 * normal portal session. Only hashes are kept, only in memory: a restart forgets them all, and nothing
 * on disk can be replayed.
 */
export class DesktopLoginTokens implements LoginTokenRedeemer {
  readonly #ttlMs: number;
  readonly #now: () => number;
  /** Hash of the token → who it signs in and until when. Insertion order is issue order. */
  readonly #outstanding = new Map<string, { username: string; expiresAt: number }>();

  constructor(options: LoginTokenOptions = {}) {
    this.#ttlMs = options.ttlMs ?? 60_000;
    this.#now = options.now ?? Date.now;
  }

  /** A fresh token (32 random bytes, base64url) that signs `username` in once within the time to live. */
  issue(username: string): string {
    this.#dropExpired();
    while (this.#outstanding.size >= MAX_OUTSTANDING) {
      const oldest = this.#outstanding.keys().next().value as string;
      this.#outstanding.delete(oldest);
    }
    const token = newSecret(32);
    this.#outstanding.set(sha256Hex(token), { username, expiresAt: this.#now() + this.#ttlMs });
    return token;
  }

  redeem(token: string): string | undefined {
    this.#dropExpired();
    const presented = sha256Hex(token);
    // Every outstanding hash is compared, in constant time, so timing says nothing about which was close.
    let match: string | undefined;
    for (const hash of this.#outstanding.keys()) {
      if (safeEqual(hash, presented)) match = hash;
    }
    if (match === undefined) return undefined;
    const entry = this.#outstanding.get(match);
    this.#outstanding.delete(match);
    return entry?.username;
  }

  #dropExpired(): void {
    const now = this.#now();
    for (const [hash, entry] of this.#outstanding) {
      if (entry.expiresAt <= now) this.#outstanding.delete(hash);
    }
  }
}
