import type { FastifyRequest } from 'fastify';
import { ACCESS_TOKEN_PREFIX } from '../../auth/authenticator.js';
import { newSecret, sha256Hex } from '../../auth/secrets.js';
import { UserSecurity } from '../../auth/security-contexts.js';
import { Denied, NotFound } from '../../core/errors.js';
import type { AccessToken } from '../../meta/identity-types.js';
import type { ApiDeps } from './api-deps.js';
import { preconditionFailed, unprocessable } from './api-errors.js';
import type { ApiRouteModule } from './api-plugin.js';
import { requireAuthenticated } from './guards.js';
import { harborTime } from './json-shape.js';
import { invalid, objectBody, requiredString } from './user-json.js';
import { decodeBasic } from '../auth/request-auth.js';

/**
 * Personal access tokens: a Berth extension, outside Harbor's swagger. A token is a password
 * substitute with its own name and expiry, for CLIs and CI (`docker login -u <user> -p berth_pat_...`,
 * or basic auth on the REST API); deleting it revokes it at once.
 *
 * - `GET /users/current/tokens` → `[{id, name, creation_time, expires_at, last_used_at, expired}]`
 *   (times RFC 3339; `expires_at` null for never; `last_used_at` null until first use). Never the token.
 * - `POST /users/current/tokens` with `{name, expires_in_days?}` → 201 `{id, name, token, creation_time,
 *   expires_at}`. `name`: 1–64 of `[A-Za-z0-9 ._-]`, unique per user (409). `expires_in_days`: 1–3650,
 *   or -1 for never; default 90. The token (`berth_pat_` + 43 random characters) is shown only here;
 *   only its SHA-256 is stored. A caller signed in with a token cannot mint further tokens (a leaked
 *   token must not outlive its revocation).
 * - `DELETE /users/current/tokens/{id}` → 200; 404 when the caller has no such token.
 *
 * Users only: a robot gets 412, as for Harbor's getCurrentUserInfo.
 */
export const accessTokenRoutes: ApiRouteModule = (app, deps) => {
  app.get('/users/current/tokens', async (req) => {
    const user = currentUser(req);
    const now = Date.now();
    return (await deps.meta.accessTokens.list(user.userId)).map((t) => toTokenJson(t, now));
  });

  app.post('/users/current/tokens', async (req, reply) => {
    const user = currentUser(req);
    if (signedInWithToken(req)) {
      throw new Denied('forbidden: sign in with your password, not an access token, to create access tokens');
    }
    const { name, expiresInDays } = readTokenRequest(req.body);
    const token = `${ACCESS_TOKEN_PREFIX}${newSecret()}`;
    const now = new Date();
    const expiresAt = expiresInDays === -1 ? null : new Date(now.getTime() + expiresInDays * 86_400_000);
    const created = await deps.meta.accessTokens.create(
      { userId: user.userId, name, tokenHash: sha256Hex(token), expiresAt },
      now,
    );
    record(deps, req, 'create', name, expiresAt ? `expires ${harborTime(expiresAt)}` : 'never expires');
    return reply
      .code(201)
      .header('location', `${req.url.split('?')[0] ?? ''}/${created.id}`)
      .header('cache-control', 'no-store')
      .send({
        id: created.id,
        name: created.name,
        token,
        creation_time: harborTime(created.createdAt),
        expires_at: created.expiresAt ? harborTime(created.expiresAt) : null,
      });
  });

  app.delete('/users/current/tokens/:id', async (req, reply) => {
    const user = currentUser(req);
    const raw = (req.params as { id: string }).id;
    const id = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(id))
      throw unprocessable(`id in path must be of type int64: "${raw}"`);
    const token = (await deps.meta.accessTokens.list(user.userId)).find((t) => t.id === id);
    if (!token || !(await deps.meta.accessTokens.delete(user.userId, id))) {
      throw new NotFound('NAME_UNKNOWN', `access token ${id} not found`);
    }
    // Cached basic-auth checks would otherwise accept the revoked token for a while.
    deps.authenticator.invalidate();
    record(deps, req, 'delete', token.name, null);
    return reply.code(200).send();
  });
};

const TOKEN_NAME = /^[A-Za-z0-9._ -]{1,64}$/;
const DEFAULT_EXPIRY_DAYS = 90;
const MAX_EXPIRY_DAYS = 3650;

function readTokenRequest(body: unknown): { name: string; expiresInDays: number } {
  const b = objectBody(body, 'access token');
  const name = requiredString(b, 'name');
  if (!TOKEN_NAME.test(name) || name.trim() !== name) {
    throw invalid('name must be 1 to 64 letters, digits, spaces, ".", "_" or "-", without leading or trailing spaces');
  }
  const days = b.expires_in_days ?? DEFAULT_EXPIRY_DAYS;
  if (typeof days !== 'number' || !Number.isInteger(days) || !(days === -1 || (days >= 1 && days <= MAX_EXPIRY_DAYS))) {
    throw invalid(`expires_in_days must be -1 (never) or 1 to ${MAX_EXPIRY_DAYS}, got ${JSON.stringify(days)}`);
  }
  return { name, expiresInDays: days };
}

function toTokenJson(token: AccessToken, now: number) {
  return {
    id: token.id,
    name: token.name,
    creation_time: harborTime(token.createdAt),
    expires_at: token.expiresAt ? harborTime(token.expiresAt) : null,
    last_used_at: token.lastUsedAt ? harborTime(token.lastUsedAt) : null,
    expired: token.expiresAt !== null && token.expiresAt.getTime() <= now,
  };
}

function currentUser(req: FastifyRequest): UserSecurity {
  const security = requireAuthenticated(req);
  if (!(security instanceof UserSecurity)) {
    throw preconditionFailed(`access tokens are for user accounts; ${security.name} is not one`);
  }
  return security;
}

/** Whether the request authenticated with basic credentials whose secret is an access token. */
function signedInWithToken(req: FastifyRequest): boolean {
  const header = req.headers.authorization;
  if (!header || !/^basic /i.test(header)) return false;
  try {
    return decodeBasic(header.slice(6).trim()).password.startsWith(ACCESS_TOKEN_PREFIX);
  } catch {
    return false;
  }
}

function record(deps: ApiDeps, req: FastifyRequest, operation: string, name: string, detail: string | null): void {
  deps.audit.record({
    username: req.security.name,
    clientIp: req.ip,
    operation,
    resourceType: 'access_token',
    resource: `${req.security.name}/${name}`,
    project: null,
    success: true,
    detail,
  });
}
