import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { Conflict, Unauthorized } from '../core/errors.js';
import type { LoginFailurePolicy, Robot, User } from '../meta/identity-types.js';
import type { MetaStore } from '../meta/meta-store.js';
import { DirectoryUnavailable, type ExternalIdentity, type IdentityProvider } from './identity-provider.js';
import { needsRehash, hashPassword, verifyPassword } from './password.js';
import { safeEqual, sha256Hex } from './secrets.js';

/** A caller whose credentials checked out. */
export type Principal =
  { kind: 'user'; user: User; via: 'password' | 'access-token' } | { kind: 'robot'; robot: Robot };

/** Personal access tokens carry this prefix, so a login can tell them from passwords without a lookup. */
export const ACCESS_TOKEN_PREFIX = 'berth_pat_';
export const ROBOT_PREFIX = 'robot$';

export interface AuthenticatorOptions {
  meta: MetaStore;
  log: Logger;
  /** Per username. */
  userPolicy: LoginFailurePolicy;
  /** Per client address: higher, since several people may share one address. */
  addressPolicy: LoginFailurePolicy;
  /** Upper bound of the delay added to a failed attempt. */
  maxFailureDelayMs: number;
  /** How long a successful check is remembered, so basic auth on every request does not re-run scrypt. */
  cacheMs: number;
  /**
   * `auth.mode: ldap`: the directory that checks passwords of everyone but robots and local system
   * administrators; users it vouches for are onboarded (created or refreshed) in the metadata store.
   */
  directory?: IdentityProvider;
  /** Called for every attempt, for the audit log. Never receives the secret. */
  onAttempt?: (attempt: { username: string; clientIp: string | null; success: boolean; reason?: string }) => void;
  now?: () => Date;
}

/**
 * Checks basic credentials: a user's password, a user's personal access token, or a robot's secret.
 * With a directory (LDAP) configured, users' passwords are checked there instead, except for local
 * system administrators (as in Harbor, the local admin always works); access tokens stay local.
 * Failed attempts are counted per username and per client address: each one is answered a little
 * later than the one before, and too many lock the key for a while (shown to admins). A locked
 * account refuses even the right password until the lock expires, so guessing gains nothing.
 */
export class Authenticator {
  private readonly cache = new Map<string, { principal: Principal; until: number }>();
  private readonly inflight = new Map<string, Promise<Principal | undefined>>();
  private readonly now: () => Date;

  constructor(private readonly options: AuthenticatorOptions) {
    this.now = options.now ?? (() => new Date());
  }

  async basic(username: string, secret: string, clientIp: string | null): Promise<Principal> {
    const now = this.now();
    const cacheKey = sha256Hex(`${username}\u0000${secret}`);
    const cached = this.cache.get(cacheKey);
    if (cached && cached.until > now.getTime()) return cached.principal;

    const keys = [`user:${username.toLowerCase()}`, ...(clientIp ? [`addr:${clientIp}`] : [])];
    for (const key of keys) {
      const state = await this.options.meta.loginFailures.get(key);
      if (state?.lockedUntil && state.lockedUntil > now) {
        const seconds = Math.ceil((state.lockedUntil.getTime() - now.getTime()) / 1000);
        this.report(username, clientIp, false, 'locked');
        throw new Unauthorized(`too many failed logins; try again in ${seconds} s`);
      }
    }

    let principal: Principal | undefined;
    try {
      // Concurrent requests with the same credentials share one check: when the cache entry expires
      // under load, one scrypt runs instead of one per request in flight.
      let pending = this.inflight.get(cacheKey);
      if (!pending) {
        pending = this.check(username, secret, now).finally(() => this.inflight.delete(cacheKey));
        this.inflight.set(cacheKey, pending);
      }
      principal = await pending;
    } catch (err) {
      // The directory is down or misconfigured: refused, but not counted against the user.
      if (err instanceof DirectoryUnavailable) this.report(username, clientIp, false, 'directory unavailable');
      throw err;
    }
    if (!principal) {
      let failures = 0;
      const userState = await this.options.meta.loginFailures.recordFailure(
        keys[0] ?? '',
        now,
        this.options.userPolicy,
      );
      failures = userState.failures;
      if (keys[1]) {
        const addrState = await this.options.meta.loginFailures.recordFailure(keys[1], now, this.options.addressPolicy);
        failures = Math.max(failures, addrState.failures);
      }
      this.report(username, clientIp, false, 'bad credentials');
      await sleep(Math.min(this.options.maxFailureDelayMs, 100 * 2 ** Math.min(failures, 10)));
      throw new Unauthorized('invalid username or password');
    }
    await this.options.meta.loginFailures.clear(keys[0] ?? '');
    this.report(username, clientIp, true);
    this.remember(cacheKey, principal, now);
    return principal;
  }

  /**
   * Confirms a user's own password (a password change's `old_password`) under the sign-in lockout:
   * failures count and slow down, a locked account is refused. An access token is not a password here.
   * Throws `Unauthorized` when the password is wrong or the account is locked.
   */
  async confirmPassword(username: string, password: string, clientIp: string | null): Promise<void> {
    if (password.startsWith(ACCESS_TOKEN_PREFIX)) throw new Unauthorized('invalid username or password');
    const principal = await this.basic(username, password, clientIp);
    if (principal.kind !== 'user') throw new Unauthorized('invalid username or password');
  }

  /** Forgets cached checks: after a password change, a robot disabled, a user deleted. */
  invalidate(): void {
    this.cache.clear();
  }

  private async check(username: string, secret: string, now: Date): Promise<Principal | undefined> {
    if (username.startsWith(ROBOT_PREFIX)) {
      const found = await this.options.meta.robots.getCredentials(username);
      if (!found || found.robot.disabled) return undefined;
      if (found.robot.expiresAt && found.robot.expiresAt <= now) return undefined;
      return safeEqual(sha256Hex(secret), found.secretHash) ? { kind: 'robot', robot: found.robot } : undefined;
    }
    const found = await this.options.meta.users.getCredentials(username);
    const directory = this.options.directory;
    if (
      directory &&
      !secret.startsWith(ACCESS_TOKEN_PREFIX) &&
      !(found?.user.source === 'local' && found.user.sysadmin)
    ) {
      return this.checkDirectory(directory, username, secret, found?.user, now);
    }
    if (!found) {
      // Spend the same time as a real check, so response time does not reveal which usernames exist.
      await verifyPassword(secret, DUMMY_HASH);
      return undefined;
    }
    if (secret.startsWith(ACCESS_TOKEN_PREFIX)) {
      const token = await this.options.meta.accessTokens.findByHash(sha256Hex(secret));
      if (!token || token.userId !== found.user.id) return undefined;
      if (token.expiresAt && token.expiresAt <= now) return undefined;
      await this.options.meta.accessTokens.markUsed(token.id, now);
      return { kind: 'user', user: found.user, via: 'access-token' };
    }
    if (!found.passwordHash || !(await verifyPassword(secret, found.passwordHash))) return undefined;
    if (needsRehash(found.passwordHash)) {
      await this.options.meta.users.setPassword(found.user.id, await hashPassword(secret), now);
    }
    return { kind: 'user', user: found.user, via: 'password' };
  }

  private async checkDirectory(
    directory: IdentityProvider,
    username: string,
    secret: string,
    known: User | undefined,
    now: Date,
  ): Promise<Principal | undefined> {
    if (known && known.source !== directory.source) {
      this.options.log.warn(
        { username },
        `login refused: ${known.username} is a local user, and with auth.mode ${directory.source} only local system administrators log in locally (delete the local user to let the directory's ${known.username} in)`,
      );
      return undefined;
    }
    const identity = await directory.verify(username, secret);
    if (!identity) return undefined;
    const user = await this.onboard(directory.source, identity, known, now);
    return user && { kind: 'user', user, via: 'password' };
  }

  /** Creates the directory's user in the metadata store at first login, and refreshes email and name later. */
  private async onboard(
    source: User['source'],
    identity: ExternalIdentity,
    known: User | undefined,
    now: Date,
  ): Promise<User | undefined> {
    const { users } = this.options.meta;
    const log = this.options.log;
    if (known) {
      if (known.email === identity.email && known.realname === identity.realname) return known;
      try {
        return await users.update(known.id, { email: identity.email, realname: identity.realname }, now);
      } catch (err) {
        if (!(err instanceof Conflict)) throw err;
        log.warn(
          { username: known.username, dn: identity.dn },
          'directory email is taken by another user; kept the old one',
        );
        return users.update(known.id, { realname: identity.realname }, now);
      }
    }
    const create = (email: string) =>
      users.create(
        { username: identity.username, email, realname: identity.realname, passwordHash: null, source },
        now,
      );
    try {
      const user = await create(identity.email);
      log.info({ username: user.username, dn: identity.dn, source }, 'directory user onboarded');
      return user;
    } catch (err) {
      if (!(err instanceof Conflict)) throw err;
      // A concurrent first login created them, or the username differs only in a case SQLite does not fold.
      const existing = await users.getByName(identity.username);
      if (existing) return existing.source === source ? existing : undefined;
      log.warn(
        { username: identity.username, dn: identity.dn },
        'directory email is taken by another user; onboarded without email',
      );
      return create('');
    }
  }

  private remember(key: string, principal: Principal, now: Date): void {
    if (this.cache.size >= 10_000) this.cache.clear();
    this.cache.set(key, { principal, until: now.getTime() + this.options.cacheMs });
  }

  private report(username: string, clientIp: string | null, success: boolean, reason?: string): void {
    this.options.onAttempt?.({ username, clientIp, success, ...(reason ? { reason } : {}) });
  }
}

/** A valid hash of a random password nobody knows; used to equalise timing for unknown users. */
const DUMMY_HASH = '$scrypt$ln=15,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA==$Jm1mC4fIh7bTEE8N4Nq2A2k1cB7jJ5vJx5Tj3X0oQmE=';
