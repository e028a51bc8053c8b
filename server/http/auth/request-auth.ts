import type { FastifyReply, FastifyRequest } from 'fastify';
import { Unauthorized } from '../../core/errors.js';
import { sha256Hex, safeEqual } from '../../auth/secrets.js';
import { AnonymousSecurity, RegistryTokenSecurity, RobotSecurity, UserSecurity } from '../../auth/security-contexts.js';
import type { SecurityContext } from '../../auth/security-context.js';
import type { Principal } from '../../auth/authenticator.js';
import type { AuthServices } from './auth-services.js';
import { CSRF_HEADER, SESSION_COOKIE } from './auth-services.js';
import type { VerifiedToken } from '../../auth/token-service.js';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const ANONYMOUS = new AnonymousSecurity();

/**
 * Works out who is calling, once per request, before any route runs: basic credentials (users,
 * access tokens, robots) anywhere; registry bearer tokens on /v2/ only; the portal's session cookie
 * (with Harbor's CSRF header on writes) on the REST API only. No credentials: anonymous. Wrong
 * credentials are refused outright rather than downgraded to anonymous, so a typo never looks like
 * "access denied" on a public project.
 */
export function authHook(auth: AuthServices) {
  const verifiedTokens = new Map<string, { token: VerifiedToken; security: RegistryTokenSecurity }>();

  return async function authenticate(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    req.security = ANONYMOUS;
    const url = req.url;
    const onRegistry = url === '/v2' || url.startsWith('/v2/');
    const onApi = url.startsWith('/api/');
    if (!onRegistry && !onApi) return;

    const header = req.headers.authorization;
    if (header) {
      const space = header.indexOf(' ');
      const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
      const value = space < 0 ? '' : header.slice(space + 1).trim();
      if (scheme === 'basic') {
        const { username, password } = decodeBasic(value);
        const principal = await auth.authenticator.basic(username, password, req.ip);
        req.security = securityOf(principal, auth);
        return;
      }
      if (scheme === 'bearer' && onRegistry) {
        req.security = await verifyBearer(value);
        return;
      }
      // Berth's scanner adapter checks its own API key, which a Harbor may send as a bearer token.
      if (scheme === 'bearer' && url.startsWith('/api/v1/')) return;
      throw new Unauthorized(`the ${scheme} authorization scheme is not accepted here`);
    }

    if (onApi) {
      const sid = readCookie(req.headers.cookie, SESSION_COOKIE);
      if (sid) req.security = await sessionSecurity(req, reply, sid);
    }
  };

  async function verifyBearer(raw: string): Promise<RegistryTokenSecurity> {
    const now = Date.now();
    const cached = verifiedTokens.get(raw);
    if (cached && cached.token.expiresAt.getTime() > now) return cached.security;
    const token = await auth.tokens.verify(raw);
    const security = new RegistryTokenSecurity(token.subject, token.subjectKind, token.access);
    // Verified tokens are reused until they expire: the manifest GET path must not re-verify ECDSA each time.
    if (verifiedTokens.size >= 10_000) verifiedTokens.clear();
    verifiedTokens.set(raw, { token, security });
    return security;
  }

  async function sessionSecurity(req: FastifyRequest, reply: FastifyReply, sid: string): Promise<SecurityContext> {
    const now = new Date();
    const idHash = sha256Hex(sid);
    const session = await auth.meta.sessions.get(idHash, now);
    if (!session) throw new Unauthorized('the session has expired; sign in again');
    if (UNSAFE.has(req.method)) {
      const presented = req.headers[CSRF_HEADER];
      if (typeof presented !== 'string' || !safeEqual(presented, session.csrfToken)) {
        throw new Unauthorized(`missing or wrong ${CSRF_HEADER} header`);
      }
    }
    const user = await auth.meta.users.get(session.userId);
    if (!user) throw new Unauthorized('the session has expired; sign in again');
    // The cookie is HttpOnly: after a page reload this header (as Harbor sends it) is how the portal's
    // script learns the token again. Same-origin only; never for other kinds of credentials.
    reply.header(CSRF_HEADER, session.csrfToken);
    // Sliding expiry, written at most once a minute per session.
    if (now.getTime() - session.lastSeenAt.getTime() > 60_000) {
      await auth.meta.sessions.touch(idHash, now, new Date(now.getTime() + auth.sessionIdleMs));
    }
    return new UserSecurity(user, auth.meta);
  }
}

export function securityOf(principal: Principal, auth: Pick<AuthServices, 'meta'>): SecurityContext {
  return principal.kind === 'robot' ? new RobotSecurity(principal.robot) : new UserSecurity(principal.user, auth.meta);
}

export function decodeBasic(value: string): { username: string; password: string } {
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) throw new Unauthorized('malformed basic credentials');
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}
