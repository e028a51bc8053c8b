import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Invalid } from '../../core/errors.js';
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
    answerErrorsInEnvelope(app, 'session', (e) => ({
      code: e.status === 401 ? 'UNAUTHORIZED' : e.status === 400 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR',
      message: e.status >= 500 ? 'internal error' : e.message,
    }));

    app.post('/c/login', { bodyLimit: FORM_BODY_LIMIT }, async (req, reply) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const principal = typeof body.principal === 'string' ? body.principal : undefined;
      const password = typeof body.password === 'string' ? body.password : undefined;
      if (!principal || password === undefined) throw new Invalid('UNSUPPORTED', 'principal and password are required');
      if (principal.startsWith('robot$'))
        throw new Invalid('UNSUPPORTED', 'robot accounts cannot sign in to the portal');
      const result = await auth.authenticator.basic(principal, password, req.ip);
      if (result.kind !== 'user') throw new Invalid('UNSUPPORTED', 'only users can sign in to the portal');
      const sid = newSecret();
      const csrfToken = newSecret();
      const now = new Date();
      await auth.meta.sessions.create({
        idHash: sha256Hex(sid),
        userId: result.user.id,
        csrfToken,
        createdAt: now,
        lastSeenAt: now,
        expiresAt: new Date(now.getTime() + auth.sessionIdleMs),
        clientIp: req.ip,
      });
      auth.audit.record({
        username: result.user.username,
        clientIp: req.ip,
        operation: 'login',
        resourceType: 'session',
        resource: result.user.username,
        success: true,
        detail: 'portal session opened',
      });
      return reply
        .header('set-cookie', cookie(req, SESSION_COOKIE, sid, Math.floor(auth.sessionIdleMs / 1000)))
        .header(CSRF_HEADER, csrfToken)
        .header('cache-control', 'no-store')
        .send({ username: result.user.username, csrf_token: csrfToken });
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

function cookie(req: FastifyRequest, name: string, value: string, maxAgeSeconds: number): string {
  const secure = req.protocol === 'https' ? '; Secure' : '';
  return `${name}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure}`;
}
