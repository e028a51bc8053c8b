import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Invalid, Unauthorized } from '../../core/errors.js';
import type { User } from '../../meta/identity-types.js';
import { newSecret, sha256Hex } from '../../auth/secrets.js';
import type { AuthServices } from './auth-services.js';
import { CSRF_HEADER, SESSION_COOKIE } from './auth-services.js';
import { FORM_BODY_LIMIT, acceptUrlencodedForms, answerErrorsInEnvelope } from './form-endpoints.js';
import { readCookie } from './request-auth.js';

/**
 * Portal sign-in at Harbor's paths: `POST /c/login` (form or JSON `principal`, `password`) opens a
 * session: an HttpOnly, SameSite=Lax cookie that only the server can read, plus a CSRF token the
 * portal echoes in `X-Harbor-CSRF-Token` on every write. The cookie alone cannot change anything, so
 * another site that makes the browser send it gets nowhere. `/c/log_out` ends the session.
 * Robots cannot open sessions (Harbor's rule: robots are for the registry and the API only).
 */
export function sessionRoutes(auth: AuthServices) {
  return async function register(app: FastifyInstance) {
    acceptUrlencodedForms(app);
    answerSessionErrors(app);

    app.post('/c/login', { bodyLimit: FORM_BODY_LIMIT }, async (req, reply) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const principal = typeof body.principal === 'string' ? body.principal : undefined;
      const password = typeof body.password === 'string' ? body.password : undefined;
      if (!principal || password === undefined) throw new Invalid('UNSUPPORTED', 'principal and password are required');
      if (principal.startsWith('robot$'))
        throw new Invalid('UNSUPPORTED', 'robot accounts cannot sign in to the portal');
      const result = await auth.authenticator.basic(principal, password, req.ip);
      if (result.kind !== 'user') throw new Invalid('UNSUPPORTED', 'only users can sign in to the portal');
      return openPortalSession(auth, req, reply, result.user, 'portal session opened');
    });

    const logout = async (req: FastifyRequest, reply: FastifyReply) => {
      const sid = readCookie(req.headers.cookie, SESSION_COOKIE);
      if (sid) await auth.meta.sessions.delete(sha256Hex(sid));
      return reply.header('set-cookie', cookie(req, SESSION_COOKIE, '', 0)).send();
    };
    app.get('/c/log_out', logout);
    app.post('/c/log_out', logout);
  };
}

/**
 * Where the desktop shell's one-time sign-in tokens are redeemed (`server/desktop/login-tokens.ts`).
 */
export interface LoginTokenRedeemer {
  /** The username the token was issued for; undefined when it is unknown, expired or already used. */
  redeem(token: string): string | undefined;
}

/** The largest `/c/login/desktop` body: `{"token":"<43 characters>"}` with room to spare. */
const DESKTOP_LOGIN_BODY_LIMIT = 1024;

/**
 * `POST /c/login/desktop` with JSON `{ "token": "..." }`: the desktop shell's main process issued the
 * token to its own window, so the local owner gets a session without typing a password. The session is
 * the same as `/c/login` opens; a wrong, expired or reused token is a 401 in the same envelope.
 */
export function desktopLoginRoutes(auth: AuthServices, tokens: LoginTokenRedeemer) {
  return async function register(app: FastifyInstance) {
    answerSessionErrors(app);
    app.post('/c/login/desktop', { bodyLimit: DESKTOP_LOGIN_BODY_LIMIT }, async (req, reply) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      if (typeof body.token !== 'string' || body.token === '') throw new Invalid('UNSUPPORTED', 'token is required');
      const username = tokens.redeem(body.token);
      // An unknown user (renamed or deleted since the token was issued) gets the same answer as a bad token.
      const user = username === undefined ? undefined : await auth.meta.users.getByName(username);
      if (!user) throw new Unauthorized('the sign-in token is invalid, expired or already used');
      return openPortalSession(auth, req, reply, user, 'desktop sign-in');
    });
  };
}

/** Both sign-in plugins answer errors alike, so the portal reads one shape. */
function answerSessionErrors(app: FastifyInstance): void {
  answerErrorsInEnvelope(app, 'session', (e) => ({
    code: e.status === 401 ? 'UNAUTHORIZED' : e.status === 400 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR',
    message: e.status >= 500 ? 'internal error' : e.message,
  }));
}

/**
 * Opens a portal session for `user` and answers with it: the session cookie, the CSRF token (header
 * and body), and an audit entry saying how the user signed in (`detail`).
 */
async function openPortalSession(
  auth: AuthServices,
  req: FastifyRequest,
  reply: FastifyReply,
  user: Pick<User, 'id' | 'username'>,
  detail: string,
) {
  const sid = newSecret();
  const csrfToken = newSecret();
  const now = new Date();
  await auth.meta.sessions.create({
    idHash: sha256Hex(sid),
    userId: user.id,
    csrfToken,
    createdAt: now,
    lastSeenAt: now,
    expiresAt: new Date(now.getTime() + auth.sessionIdleMs),
    clientIp: req.ip,
  });
  auth.audit.record({
    username: user.username,
    clientIp: req.ip,
    operation: 'login',
    resourceType: 'session',
    resource: user.username,
    success: true,
    detail,
  });
  return reply
    .header('set-cookie', cookie(req, SESSION_COOKIE, sid, Math.floor(auth.sessionIdleMs / 1000)))
    .header(CSRF_HEADER, csrfToken)
    .header('cache-control', 'no-store')
    .send({ username: user.username, csrf_token: csrfToken });
}

function cookie(req: FastifyRequest, name: string, value: string, maxAgeSeconds: number): string {
  const secure = req.protocol === 'https' ? '; Secure' : '';
  return `${name}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure}`;
}
