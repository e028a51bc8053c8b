import type { Dispatcher } from 'undici';
import { Invalid, Unauthorized } from '../../core/errors.js';
import { ReplicationTransportError, type RegistryCredential } from '../replication-contract.js';
import { drain, exchange, headerList, readJson, statusError, type Response } from './transport.js';

/**
 * Authentication against a remote registry, learned from its first `401`: Basic, or the bearer token
 * flow (distribution's token spec): a token per set of scopes from the challenge's realm, cached until
 * shortly before it expires. Tokens and secrets live only here and in Authorization headers sent to
 * the registry's own origin or the realm; they never appear in messages.
 */

export interface Challenge {
  scheme: 'basic' | 'bearer';
  realm?: string;
  service?: string;
  scope?: string;
}

/** The first Bearer challenge of a `WWW-Authenticate` header, else Basic; undefined when neither. */
export function parseChallenge(value: string | undefined): Challenge | undefined {
  if (!value) return undefined;
  const found: Challenge[] = [];
  // Split into challenges at a scheme word followed by a space; parameters are key=value or key="v,v".
  const re = /([A-Za-z][\w-]*)\s+((?:[\w-]+=(?:"(?:[^"\\]|\\.)*"|[^,\s]*)\s*,?\s*)*)/g;
  for (const m of value.matchAll(re)) {
    const scheme = (m[1] ?? '').toLowerCase();
    if (scheme !== 'basic' && scheme !== 'bearer') continue;
    const params: Record<string, string> = {};
    for (const p of (m[2] ?? '').matchAll(/([\w-]+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
      params[(p[1] ?? '').toLowerCase()] = (p[2] ?? p[3] ?? '').replace(/\\(.)/g, '$1');
    }
    found.push({ scheme, ...params });
  }
  return found.find((c) => c.scheme === 'bearer') ?? found[0];
}

export const pullScope = (repo: string) => `repository:${repo}:pull`;
export const pushScope = (repo: string) => `repository:${repo}:pull,push`;

interface CachedToken {
  token: string;
  /** When to stop using it: shortly before the registry would refuse it. */
  renewAt: number;
}

/** The spec's default lifetime when the token service does not say. */
const DEFAULT_TOKEN_SECONDS = 60;
const MAX_TOKEN_RESPONSE = 1024 * 1024;

export interface AuthorizerOptions {
  credential: RegistryCredential | null;
  agent: Dispatcher;
  userAgent: string;
  timeoutMs: number;
  /** The registry's origin: Authorization goes there (and to the token realm), nowhere else. */
  origin: string;
}

export class Authorizer {
  private challenge: Challenge | undefined;
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<string>>();
  /** Every scope set asked of the token service (tests check what a mount asks for). */
  readonly scopeLog: string[][] = [];

  constructor(private readonly o: AuthorizerOptions) {}

  get scheme(): Challenge['scheme'] | undefined {
    return this.challenge?.scheme;
  }

  private basic(): string | undefined {
    const c = this.o.credential;
    if (!c || (c.accessKey === '' && c.accessSecret === '')) return undefined;
    return `Basic ${Buffer.from(`${c.accessKey}:${c.accessSecret}`).toString('base64')}`;
  }

  /** The Authorization header for a request to `url` needing `scopes`; undefined = send none. */
  async header(url: URL, scopes: readonly string[], signal: AbortSignal): Promise<string | undefined> {
    if (url.origin !== this.o.origin || !this.challenge) return undefined;
    if (this.challenge.scheme === 'basic') return this.basic();
    return `Bearer ${await this.token(scopes, signal)}`;
  }

  /**
   * Learns from a 401's challenge. Returns the scope the registry asked for besides the request's
   * (Harbor names `registry:catalog:*` this way), so the retry asks for it too.
   */
  learn(res: Response, scopes: readonly string[]): string | undefined {
    const challenge = parseChallenge(headerList(res, 'www-authenticate').join(', '));
    if (challenge) this.challenge = challenge;
    this.tokens.delete(scopeKey(scopes));
    const extra = challenge?.scope;
    return extra && !scopes.includes(extra) ? extra : undefined;
  }

  /** Forgets the token of `scopes` (the registry refused it mid-upload). */
  forget(scopes: readonly string[]): void {
    this.tokens.delete(scopeKey(scopes));
  }

  /** Basic credentials for Harbor's API, which takes them directly. */
  apiHeader(url: URL): string | undefined {
    return url.origin === this.o.origin ? this.basic() : undefined;
  }

  private async token(scopes: readonly string[], signal: AbortSignal): Promise<string> {
    const key = scopeKey(scopes);
    const cached = this.tokens.get(key);
    if (cached && cached.renewAt > Date.now()) return cached.token;
    let pending = this.pending.get(key);
    if (!pending) {
      // Parallel blob copies of one repository share one token request.
      pending = this.fetchToken([...new Set(scopes)].sort(), signal).finally(() => this.pending.delete(key));
      this.pending.set(key, pending);
    }
    return pending;
  }

  private async fetchToken(scopes: string[], signal: AbortSignal): Promise<string> {
    const challenge = this.challenge as Challenge;
    let realm: URL;
    try {
      realm = new URL(challenge.realm ?? '');
    } catch {
      throw new Invalid('UNSUPPORTED', `the registry's token realm "${challenge.realm ?? ''}" is not a URL`);
    }
    if (realm.protocol !== 'https:' && realm.protocol !== 'http:') {
      throw new Invalid('UNSUPPORTED', `the registry's token realm must be http or https`);
    }
    if (challenge.service) realm.searchParams.set('service', challenge.service);
    for (const s of scopes) realm.searchParams.append('scope', s);
    this.scopeLog.push(scopes);
    const headers: Record<string, string> = { 'user-agent': this.o.userAgent, accept: 'application/json' };
    const basic = this.basic();
    if (basic) headers.authorization = basic;
    const started = Date.now();
    const res = await exchange(this.o.agent, {
      method: 'GET',
      url: realm,
      headers,
      signal,
      headersTimeoutMs: this.o.timeoutMs,
      bodyTimeoutMs: this.o.timeoutMs,
    });
    const what = `token service ${realm.origin}${realm.pathname}`;
    if (res.status === 401 || res.status === 403) {
      await drain(res);
      const who = this.o.credential?.accessKey
        ? `the credentials of "${this.o.credential.accessKey}"`
        : 'anonymous access';
      throw new Unauthorized(`${what} refused ${who} (HTTP ${res.status})`);
    }
    if (res.status !== 200) throw await statusError(res, what);
    const json = (await readJson(res, MAX_TOKEN_RESPONSE, `${what} answer`)) as Record<string, unknown>;
    const token =
      typeof json.token === 'string' && json.token !== ''
        ? json.token
        : typeof json.access_token === 'string'
          ? json.access_token
          : '';
    if (token === '') throw new ReplicationTransportError(`${what} answered without a token`);
    const seconds =
      typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in : DEFAULT_TOKEN_SECONDS;
    // Renew a little early: a token that expires between our check and the registry's is a failed request.
    const margin = Math.min(30_000, (seconds * 1000) / 4);
    this.tokens.set(scopeKey(scopes), { token, renewAt: started + seconds * 1000 - margin });
    return token;
  }
}

function scopeKey(scopes: readonly string[]): string {
  return [...new Set(scopes)].sort().join(' ');
}
