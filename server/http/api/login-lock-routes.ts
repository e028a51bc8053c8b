import { Invalid, NotFound } from '../../core/errors.js';
import type { LoginFailureState } from '../../meta/identity-types.js';
import type { ApiRouteModule } from './api-plugin.js';
import { requireSystem } from './guards.js';
import { harborTime } from './json-shape.js';

/**
 * Login lockouts: a Berth extension, outside Harbor's swagger, for system administrators. Failed
 * logins are counted per username (`user:<name>`) and per client address (`addr:<ip>`); too many lock
 * the key for a while (see `auth/authenticator.ts`).
 *
 * - `GET /system/login-locks` → the keys locked now, most recent first:
 *   `[{key, failures, first_failure_at, last_failure_at, locked_until}]` (RFC 3339 times).
 * - `DELETE /system/login-locks/{key}` (the key URL-encoded, e.g. `user%3Abob`) → 200: the count is
 *   cleared and the key may log in again at once; 404 when the key has no failures on record.
 */
export const loginLockRoutes: ApiRouteModule = (app, deps) => {
  app.get('/system/login-locks', async (req) => {
    await requireSystem(req, 'user', 'list');
    return (await deps.meta.loginFailures.listLocked(new Date())).map(toLockJson);
  });

  app.delete('/system/login-locks/:key', async (req, reply) => {
    await requireSystem(req, 'user', 'update');
    const key = (req.params as { key: string }).key;
    if (!/^(user|addr):.+$/.test(key) || key.length > 300) {
      throw new Invalid('NAME_INVALID', 'key must be "user:<username>" or "addr:<client address>"');
    }
    const state = await deps.meta.loginFailures.get(key);
    if (!state) throw new NotFound('NAME_UNKNOWN', `no failed logins recorded for ${key}`);
    await deps.meta.loginFailures.clear(key);
    deps.audit.record({
      username: req.security.name,
      clientIp: req.ip,
      operation: 'delete',
      resourceType: 'login_lock',
      resource: key,
      project: null,
      success: true,
      detail: `${state.failures} failures cleared`,
    });
    return reply.code(200).send();
  });
};

function toLockJson(state: LoginFailureState) {
  return {
    key: state.key,
    failures: state.failures,
    first_failure_at: harborTime(state.firstFailureAt),
    last_failure_at: harborTime(state.lastFailureAt),
    locked_until: state.lockedUntil ? harborTime(state.lockedUntil) : null,
  };
}
