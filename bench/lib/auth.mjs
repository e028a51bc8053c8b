// Registry authentication the way docker, podman and containerd do it: GET /v2/, read the Bearer
// challenge, ask its realm for a token covering the scopes of the job at hand (basic credentials),
// then send `Authorization: Bearer <token>` until shortly before the token expires. A registry that
// answers /v2/ without a challenge (the reference, run open) gets no Authorization header at all.
import { request, fetchOk, HttpError } from './http.mjs';

// A token is replaced when less than this is left of its life (on top of what the caller says it needs).
const MARGIN_S = 10;

/** `Bearer realm="…",service="…",scope="…"` → { scheme: 'bearer', realm, service, scope }. */
export function parseChallenge(header) {
  const h = Array.isArray(header) ? header[0] : header;
  const m = /^\s*(\w+)\s+(.*)$/s.exec(h || '');
  if (!m) return null;
  const params = { scheme: m[1].toLowerCase() };
  for (const p of m[2].matchAll(/(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    params[p[1].toLowerCase()] = p[2] ?? p[3];
  }
  return params;
}

/**
 * Pings `base`/v2/ anonymously. Returns null for an open registry, a TokenClient for one that
 * challenges with Bearer; anything else is an error (the benchmark cannot log in to it).
 */
export async function discoverAuth(base, credentials) {
  const r = await request(`${base}/v2/`);
  if (r.status === 200) return null;
  const challenge = parseChallenge(r.headers['www-authenticate']);
  if (r.status !== 401 || challenge?.scheme !== 'bearer' || !challenge.realm) {
    throw new HttpError(`GET ${base}/v2/ -> HTTP ${r.status} without a Bearer challenge (${challenge?.scheme})`);
  }
  if (!credentials?.password) {
    throw new HttpError(`${base} requires authentication: set BERTH_ADMIN_PASSWORD (and --berth-user) for it`);
  }
  return new TokenClient({ realm: challenge.realm, service: challenge.service, ...credentials });
}

export class TokenClient {
  constructor({ realm, service, username, password }) {
    this.realm = realm;
    this.service = service;
    this.username = username;
    this.basic = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    this.issued = 0; // tokens fetched so far, for the run's log
  }

  /** The token-service URL for `scopes` (what docker sends: service, scope per resource, account). */
  tokenUrl(scopes) {
    const u = new URL(this.realm);
    if (this.service) u.searchParams.set('service', this.service);
    for (const s of scopes) u.searchParams.append('scope', s);
    u.searchParams.set('account', this.username);
    return u.href;
  }

  /** One token request; returns { token, expiresIn, expiresAt } (expiry counted from the request's start). */
  async fetchToken(scopes, agent) {
    const started = Date.now();
    const url = this.tokenUrl(scopes);
    const r = await fetchOk(url, { agent, headers: { authorization: this.basic } });
    let body;
    try {
      body = JSON.parse(r.body);
    } catch {
      throw new HttpError(`GET ${url}: not JSON`);
    }
    const token = body.token || body.access_token;
    if (typeof token !== 'string' || !token) throw new HttpError(`GET ${url}: no token in the answer`);
    // The spec's default when expires_in is missing is 60 s.
    const expiresIn = Number.isFinite(body.expires_in) && body.expires_in > 0 ? body.expires_in : 60;
    this.issued++;
    return { token, expiresIn, expiresAt: started + expiresIn * 1000 };
  }

  /** A bearer session for `scopes`: fetches its first token now. */
  async session(scopes) {
    const s = new TokenSession(this, scopes);
    await s.headers();
    return s;
  }
}

/** The Authorization header for one set of scopes, refreshed before the token runs out. */
export class TokenSession {
  constructor(client, scopes) {
    this.client = client;
    this.scopes = scopes;
    this.current = null;
    this.pending = null;
    this.header = null;
  }

  /**
   * `{ authorization: 'Bearer …' }`, valid for at least `forSeconds` more (wrk cannot refresh mid-run,
   * so it asks for its whole duration). Concurrent callers share one refresh.
   */
  async headers(forSeconds = 0) {
    if (this.current && this.current.expiresAt - Date.now() > (forSeconds + MARGIN_S) * 1000) return this.header;
    this.pending ??= this.client.fetchToken(this.scopes).finally(() => (this.pending = null));
    this.current = await this.pending;
    if (this.current.expiresIn < forSeconds + MARGIN_S) {
      throw new HttpError(`tokens live ${this.current.expiresIn} s, too short for a ${forSeconds} s run`);
    }
    this.header = { authorization: `Bearer ${this.current.token}` };
    return this.header;
  }

  /** The longest run one token can cover (for wrk, which cannot refresh mid-run). */
  maxRunSeconds() {
    return this.current ? this.current.expiresIn - MARGIN_S : Infinity;
  }
}

/** What an open registry gets: no header, nothing to fetch. */
export const OPEN = { scopes: [], headers: async () => ({}), maxRunSeconds: () => Infinity };

/** The payload of a JWT, unverified (only to check what the token service granted). */
export function jwtPayload(token) {
  const part = token.split('.')[1];
  if (!part) throw new HttpError('token is not a JWT');
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}
