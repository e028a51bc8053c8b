import type { FastifyRequest } from 'fastify';
import { hashPassword, assertPasswordPolicy, verifyPassword } from '../../auth/password.js';
import { PROJECT_SELF, ROBOT_SYSTEM_PERMISSIONS, ROLE_PERMISSIONS, ROLES_BY_PRIVILEGE } from '../../auth/rbac.js';
import { UserSecurity } from '../../auth/security-contexts.js';
import { Denied, Invalid, NotFound, Unauthorized } from '../../core/errors.js';
import type { User } from '../../meta/identity-types.js';
import type { Filter } from '../../meta/list-query.js';
import type { ApiDeps } from './api-deps.js';
import { preconditionFailed, unprocessable } from './api-errors.js';
import type { ApiRouteModule } from './api-plugin.js';
import { requireAuthenticated, requireSystem } from './guards.js';
import { parseListRequest, parsePaging } from './harbor-query.js';
import { sendPage } from './paging.js';
import {
  readPasswordChange,
  readProfileUpdate,
  readSysadminFlag,
  readUserCreation,
  toUserJson,
  toUserSearchJson,
} from './user-json.js';

/**
 * Harbor's user API (`/users...`): listUsers, createUser, getUser, updateUserProfile, deleteUser,
 * setUserSysAdmin, updateUserPassword, getCurrentUserInfo, getCurrentUserPermissions, searchUsers.
 *
 * Self-registration is off, so only system administrators list, create and delete users and set the
 * admin flag; anyone authenticated may search usernames and read or update their own profile. A user
 * changing their own password must give the current one (wrong → 403, as Harbor); an administrator
 * resetting someone else's does not. A password change drops cached credential checks and ends the
 * user's portal sessions. An administrator can neither delete themselves nor drop their own admin flag.
 * With `auth.mode: ldap` (Harbor's `ldap_auth`), local users cannot be created (403, as Harbor), and a
 * directory user's password cannot be changed here (403: the directory manages it).
 */
export const userRoutes: ApiRouteModule = (app, deps) => {
  app.get('/users', async (req, reply) => {
    await requireSystem(req, 'user', 'list');
    const list = parseListRequest(req.query);
    list.query.filters = [...list.query.filters.map(userFilter), ...legacyUserFilters(req.query)];
    return sendPage(req, reply, list, await deps.meta.users.list(list.query), toUserJson);
  });

  app.post('/users', async (req, reply) => {
    await requireSystem(req, 'user', 'create');
    // As Harbor: with a directory, users come from it (onboarded at their first login).
    if (deps.system.authMode === 'ldap_auth') {
      throw new Denied('forbidden: creating local user is not allowed under auth mode: ldap_auth');
    }
    const input = readUserCreation(req.body);
    assertPasswordPolicy(input.password);
    const user = await deps.meta.users.create({
      username: input.username,
      email: input.email,
      realname: input.realname,
      comment: input.comment,
      passwordHash: await hashPassword(input.password),
    });
    record(deps, req, 'create', user.username, null);
    return reply
      .code(201)
      .header('location', `${req.url.split('?')[0] ?? ''}/${user.id}`)
      .send();
  });

  app.get('/users/current', async (req) => {
    const security = requireAuthenticated(req);
    if (!(security instanceof UserSecurity)) {
      throw preconditionFailed(`get current user not available for ${security.name}: not a user account`);
    }
    return toUserJson(await existing(deps, security.user.id));
  });

  app.get('/users/search', async (req, reply) => {
    requireAuthenticated(req);
    const query = (req.query ?? {}) as Record<string, string | string[] | undefined>;
    const raw = query.username;
    const username = Array.isArray(raw) ? raw[0] : raw;
    if (username === undefined || username === '') throw unprocessable('username in query is required');
    const paging = parsePaging(first(query.page), first(query.page_size));
    const page = await deps.meta.users.list({
      filters: [{ key: 'username', kind: 'fuzzy', value: username }],
      sort: [],
      offset: (paging.page - 1) * paging.pageSize,
      limit: paging.pageSize,
    });
    return sendPage(req, reply, paging, page, toUserSearchJson);
  });

  app.get('/users/current/permissions', async (req) => {
    requireAuthenticated(req);
    const query = (req.query ?? {}) as Record<string, string | string[] | undefined>;
    const relative = parseBool('relative', first(query.relative));
    return currentPermissions(deps, req, first(query.scope) ?? '', relative);
  });

  app.get('/users/:user_id', async (req) => {
    const id = userIdParam(req);
    await requireSelfOr(req, id, 'read');
    return toUserJson(await existing(deps, id));
  });

  app.put('/users/:user_id', async (req, reply) => {
    const id = userIdParam(req);
    await requireSelfOr(req, id, 'update');
    const profile = readProfileUpdate(req.body);
    const user = await deps.meta.users.update(id, profile);
    record(deps, req, 'update', user.username, 'profile updated');
    return reply.code(200).send();
  });

  app.delete('/users/:user_id', async (req, reply) => {
    const id = userIdParam(req);
    await requireSystem(req, 'user', 'delete');
    if (req.security.userId === id) throw new Denied('forbidden: you cannot delete your own account');
    const user = await existing(deps, id);
    await deps.meta.users.delete(id);
    deps.authenticator.invalidate();
    record(deps, req, 'delete', user.username, null);
    return reply.code(200).send();
  });

  app.put('/users/:user_id/sysadmin', async (req, reply) => {
    const id = userIdParam(req);
    await requireSystem(req, 'user', 'update');
    const flag = readSysadminFlag(req.body);
    if (req.security.userId === id && !flag) {
      throw new Denied('forbidden: you cannot remove your own system administrator role');
    }
    const user = await existing(deps, id);
    await deps.meta.users.setSysadmin(id, flag);
    // Cached basic-auth checks carry the user record, admin flag included.
    deps.authenticator.invalidate();
    record(deps, req, 'update', user.username, flag ? 'granted system administrator' : 'revoked system administrator');
    return reply.code(200).send();
  });

  app.put('/users/:user_id/password', async (req, reply) => {
    const id = userIdParam(req);
    const self = await requireSelfOr(req, id, 'update');
    const { oldPassword, newPassword } = readPasswordChange(req.body);
    const credentials = await deps.meta.users.getCredentials((await existing(deps, id)).username);
    if (!credentials) throw new NotFound('NAME_UNKNOWN', `user ${id} not found`);
    const stored = credentials.passwordHash;
    if (credentials.user.source !== 'local' || stored === null) {
      throw new Denied(`forbidden: the password of ${credentials.user.username} is managed by its directory`);
    }
    if (self) {
      if (oldPassword === undefined || oldPassword === '')
        throw new Invalid('NAME_INVALID', 'old_password is required');
      // Through the authenticator, so guessing the old password with a stolen session meets the
      // same lockout as guessing it at sign-in. A 403, not a 401: the session itself is fine.
      await deps.authenticator.confirmPassword(credentials.user.username, oldPassword, req.ip).catch((err) => {
        if (!(err instanceof Unauthorized)) throw err;
        throw new Denied(
          err.message.startsWith('too many')
            ? `forbidden: ${err.message}`
            : 'forbidden: the current password is incorrect',
        );
      });
    }
    assertPasswordPolicy(newPassword);
    if (await verifyPassword(newPassword, stored)) {
      throw new Invalid('NAME_INVALID', 'new_password must differ from the current password');
    }
    await deps.meta.users.setPassword(id, await hashPassword(newPassword));
    deps.authenticator.invalidate();
    await deps.meta.sessions.deleteForUser(id);
    record(deps, req, 'update', credentials.user.username, self ? 'password changed' : 'password reset');
    return reply.code(200).send();
  });
};

/** Harbor's `q` keys for users → the metadata keys (`sysadmin_flag` is stored as `sysadmin`). */
function userFilter(filter: Filter): Filter {
  if (filter.key === 'sysadmin_flag') return { ...filter, key: 'sysadmin' };
  if (filter.key === 'username' || filter.key === 'email') return filter;
  throw new Invalid('NAME_INVALID', `unsupported query key "${filter.key}"; supported: username, email, sysadmin_flag`);
}

/** Harbor also reads plain `username` and `email` query parameters, as fuzzy filters. */
function legacyUserFilters(raw: unknown): Filter[] {
  const query = (raw ?? {}) as Record<string, string | string[] | undefined>;
  const out: Filter[] = [];
  for (const key of ['username', 'email']) {
    const value = first(query[key]);
    if (value) out.push({ key, kind: 'fuzzy', value });
  }
  return out;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function userIdParam(req: FastifyRequest): number {
  const raw = (req.params as { user_id: string }).user_id;
  const id = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(id))
    throw unprocessable(`user_id in path must be of type int: "${raw}"`);
  return id;
}

/** The caller themselves, or a holder of system `user:<action>`; returns whether it is the caller. */
async function requireSelfOr(req: FastifyRequest, id: number, action: string): Promise<boolean> {
  const security = requireAuthenticated(req);
  if (security instanceof UserSecurity && security.userId === id) return true;
  if (await security.canSystem('user', action)) return false;
  throw new Denied(`forbidden: ${security.name} may not ${action} user ${id}`);
}

async function existing(deps: ApiDeps, id: number): Promise<User> {
  const user = await deps.meta.users.get(id);
  if (!user) throw new NotFound('NAME_UNKNOWN', `user ${id} not found`);
  return user;
}

function record(deps: ApiDeps, req: FastifyRequest, operation: string, username: string, detail: string | null) {
  deps.audit.record({
    username: req.security.name,
    clientIp: req.ip,
    operation,
    resourceType: 'user',
    resource: username,
    project: null,
    success: true,
    detail,
  });
}

/** go-openapi's boolean spellings (`strconv.ParseBool`); absent is false; anything else a 422. */
function parseBool(name: string, raw: string | undefined): boolean {
  if (raw === undefined || raw === '') return false;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(raw)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(raw)) return false;
  throw unprocessable(`${name} in query must be of type boolean: "${raw}"`);
}

/** Every project permission any role holds: what a project scope can answer. */
const PROJECT_POLICIES = uniquePermissions(ROLES_BY_PRIVILEGE.flatMap((role) => ROLE_PERMISSIONS[role]));

/**
 * System permissions a scope `/system` can answer: what robots may hold plus what only people
 * administer (users, groups, LDAP import, configuration, robots).
 */
const SYSTEM_POLICIES = uniquePermissions([
  ...ROBOT_SYSTEM_PERMISSIONS,
  ...['create', 'read', 'update', 'delete', 'list'].flatMap((action) => [
    { resource: 'user', action },
    { resource: 'user-group', action },
    { resource: 'robot', action },
  ]),
  { resource: 'ldap-user', action: 'create' },
  { resource: 'ldap-user', action: 'list' },
  { resource: 'configuration', action: 'read' },
  { resource: 'configuration', action: 'update' },
]);

function uniquePermissions(list: readonly { resource: string; action: string }[]) {
  const seen = new Map<string, { resource: string; action: string }>();
  for (const p of list) seen.set(`${p.resource}:${p.action}`, { resource: p.resource, action: p.action });
  return [...seen.values()];
}

/**
 * Harbor's getCurrentUserPermissions: for scope `/project/<id>` or `/system`, each permission of that
 * namespace the caller holds, as `{resource, action}` with the resource absolute (`/project/1/repository`)
 * or, with `relative`, relative to the scope (`repository`; the project itself is `.`). Any other
 * scope, or an unknown project, answers an empty list.
 */
async function currentPermissions(deps: ApiDeps, req: FastifyRequest, scope: string, relative: boolean) {
  const out: { resource: string; action: string }[] = [];
  const trimmed = scope.replace(/\/+$/, '');
  const project = /^\/project\/(\d+)$/.exec(trimmed);
  if (project) {
    const id = Number(project[1]);
    const found = Number.isSafeInteger(id) ? await deps.meta.projects.getById(id) : undefined;
    if (!found) return out;
    for (const p of PROJECT_POLICIES) {
      if (!(await req.security.can(found, p.resource, p.action))) continue;
      const resource = relative
        ? p.resource || '.'
        : `${trimmed}${p.resource === PROJECT_SELF ? '' : `/${p.resource}`}`;
      out.push({ resource, action: p.action });
    }
    return out;
  }
  if (trimmed === '/system') {
    for (const p of SYSTEM_POLICIES) {
      if (!(await req.security.canSystem(p.resource, p.action))) continue;
      out.push({ resource: relative ? p.resource : `/system/${p.resource}`, action: p.action });
    }
  }
  return out;
}
