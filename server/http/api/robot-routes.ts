import type { FastifyRequest } from 'fastify';
import { ROBOT_PREFIX } from '../../auth/authenticator.js';
import { assertPasswordPolicy } from '../../auth/password.js';
import { newSecret, sha256Hex } from '../../auth/secrets.js';
import { Invalid, NotFound } from '../../core/errors.js';
import type { Robot } from '../../meta/identity-types.js';
import type { Filter } from '../../meta/list-query.js';
import type { Project } from '../../meta/meta-store.js';
import type { ApiDeps } from './api-deps.js';
import { unprocessable } from './api-errors.js';
import type { ApiRouteModule } from './api-plugin.js';
import { requireAuthenticated, requireProject, requireSystem } from './guards.js';
import { parseListRequest } from './harbor-query.js';
import { sendPage } from './paging.js';
import { expiryOf, readRobotBody, toRobotCreatedJson, toRobotJson, type RobotInput } from './robot-json.js';
import { objectBody, optionalString } from './user-json.js';

/**
 * Harbor v2 robot accounts at `/robots`: ListRobot, CreateRobot, GetRobotByID, UpdateRobot,
 * DeleteRobot, RefreshSec.
 *
 * A `system` robot is a system administrator's (`robot:<action>` at system level): its permissions
 * may name projects (or `*`, every project) and system resources. A `project` robot belongs to one
 * project and is managed by whoever holds `robot:<action>` in it (a project admin); its single
 * permission must name that project. Names are `robot$<name>` and `robot$<project>+<name>`. The
 * secret is random (or, on refresh, the caller's, if it passes the password policy), stored as a
 * SHA-256, and shown only in the create and refresh answers. Every change drops cached credential
 * checks and is audited, never with the secret.
 */
export const robotRoutes: ApiRouteModule = (app, deps) => {
  app.get('/robots', async (req, reply) => {
    requireAuthenticated(req);
    const list = parseListRequest(req.query);
    const { filters, level, projectId } = robotFilters(list.query.filters);
    if (level === 'project') {
      if (projectId === undefined) throw new Invalid('NAME_INVALID', 'ProjectID is required to list project robots');
      await requireProject(req, await projectById(deps, projectId), 'robot', 'list');
    } else {
      await requireSystem(req, 'robot', 'list');
    }
    list.query.filters = filters;
    return sendPage(req, reply, list, await deps.meta.robots.list(list.query), toRobotJson);
  });

  app.post('/robots', async (req, reply) => {
    requireAuthenticated(req);
    const input = readRobotBody(req.body, 'create');
    const project = await checkScope(deps, req, input, 'create');
    const secret = newSecret();
    const now = new Date();
    const duration = input.duration ?? -1;
    const robot = await deps.meta.robots.create(
      {
        name: `${ROBOT_PREFIX}${project ? `${project.name}+` : ''}${input.name}`,
        description: input.description,
        level: input.level,
        projectId: project?.id ?? null,
        disabled: input.disable,
        duration,
        expiresAt: expiryOf(duration, now),
        creator: req.security.name,
        secretHash: sha256Hex(secret),
        permissions: input.permissions,
      },
      now,
    );
    record(deps, req, 'create', robot, `level ${robot.level}, duration ${robot.duration}`);
    return reply
      .code(201)
      .header('location', `${req.url.split('?')[0] ?? ''}/${robot.id}`)
      .send(toRobotCreatedJson(robot, secret));
  });

  app.get('/robots/:robot_id', async (req) => {
    requireAuthenticated(req);
    const robot = await robotOf(deps, req);
    await requireOnRobot(deps, req, robot, 'read');
    return toRobotJson(robot);
  });

  app.put('/robots/:robot_id', async (req, reply) => {
    requireAuthenticated(req);
    const robot = await robotOf(deps, req);
    await requireOnRobot(deps, req, robot, 'update');
    const input = readRobotBody(req.body, 'update');
    if (input.level !== robot.level) throw new Invalid('NAME_INVALID', 'the level of a robot cannot be changed');
    if (input.name !== robot.name && fullName(robot, input.name) !== robot.name) {
      throw new Invalid('NAME_INVALID', 'the name of a robot cannot be changed');
    }
    const project = await checkScope(deps, req, input, 'update');
    if ((project?.id ?? null) !== robot.projectId) {
      throw new Invalid('NAME_INVALID', 'the project of a robot cannot be changed');
    }
    const duration = input.duration ?? robot.duration;
    const updated = await deps.meta.robots.update(robot.id, {
      description: input.description,
      disabled: input.disable,
      permissions: input.permissions,
      ...(duration === robot.duration ? {} : { duration, expiresAt: expiryOf(duration, robot.createdAt) }),
    });
    deps.authenticator.invalidate();
    const changes = [
      updated.disabled === robot.disabled ? null : updated.disabled ? 'disabled' : 'enabled',
      duration === robot.duration ? null : `duration ${duration}`,
      'permissions set',
    ];
    record(deps, req, 'update', updated, changes.filter(Boolean).join(', '));
    return reply.code(200).send();
  });

  app.patch('/robots/:robot_id', async (req) => {
    requireAuthenticated(req);
    const robot = await robotOf(deps, req);
    await requireOnRobot(deps, req, robot, 'update');
    const given = optionalString(objectBody(req.body ?? {}, 'robotSec'), 'secret');
    if (given) {
      try {
        assertPasswordPolicy(given);
      } catch (err) {
        if (!(err instanceof Invalid)) throw err;
        throw new Invalid('NAME_INVALID', `secret: ${err.message.replace(/^the password/, 'the secret')}`);
      }
    }
    const secret = given || newSecret();
    await deps.meta.robots.setSecret(robot.id, sha256Hex(secret));
    deps.authenticator.invalidate();
    record(deps, req, 'update', robot, given ? 'secret set by the caller' : 'secret refreshed');
    // As Harbor: a secret the caller chose is not echoed back.
    return given ? {} : { secret };
  });

  app.delete('/robots/:robot_id', async (req, reply) => {
    requireAuthenticated(req);
    const robot = await robotOf(deps, req);
    await requireOnRobot(deps, req, robot, 'delete');
    await deps.meta.robots.delete(robot.id);
    deps.authenticator.invalidate();
    record(deps, req, 'delete', robot, null);
    return reply.code(200).send();
  });
};

/**
 * Harbor's `q` keys for robots (`Level`, `ProjectID`, `name`; the lower-case spellings work too) →
 * metadata keys. Without a level, system robots are listed (as Harbor), unless a project id says otherwise.
 */
function robotFilters(given: Filter[]): { filters: Filter[]; level: 'system' | 'project'; projectId?: number } {
  const filters: Filter[] = [];
  let level: string | undefined;
  let projectId: number | undefined;
  for (const f of given) {
    const key = f.key.toLowerCase();
    if (key === 'name') {
      filters.push({ ...f, key: 'name' });
    } else if (key === 'level' || key === 'projectid' || key === 'project_id') {
      if (f.kind !== 'exact') throw new Invalid('NAME_INVALID', `query key "${f.key}" takes one exact value`);
      if (key === 'level') level = String(f.value);
      else {
        projectId = Number(f.value);
        if (!Number.isSafeInteger(projectId)) throw new Invalid('NAME_INVALID', `ProjectID must be an integer`);
      }
    } else {
      throw new Invalid('NAME_INVALID', `unsupported query key "${f.key}"; supported: Level, ProjectID, name`);
    }
  }
  level ??= projectId === undefined ? 'system' : 'project';
  if (level !== 'system' && level !== 'project') {
    throw new Invalid('NAME_INVALID', `Level must be "system" or "project", got "${level}"`);
  }
  filters.push({ key: 'level', kind: 'exact', value: level });
  if (level === 'project' && projectId !== undefined)
    filters.push({ key: 'project_id', kind: 'exact', value: projectId });
  return level === 'project' && projectId !== undefined ? { filters, level, projectId } : { filters, level };
}

/**
 * Checks what a create or update body may do and that the caller may do it: a project robot names
 * exactly one existing project (the caller needs `robot:<action>` there); a system robot needs the
 * system permission, and each project it names must exist. Returns the project of a project robot.
 */
async function checkScope(
  deps: ApiDeps,
  req: FastifyRequest,
  input: RobotInput,
  action: 'create' | 'update',
): Promise<Project | undefined> {
  if (input.level === 'project') {
    const [permission, ...rest] = input.permissions;
    if (!permission || rest.length > 0 || permission.kind !== 'project' || permission.namespace === '*') {
      throw new Invalid(
        'NAME_INVALID',
        'permissions of a project robot must be exactly one project permission naming its project',
      );
    }
    const project = await deps.meta.projects.get(permission.namespace);
    if (!project) throw new NotFound('NAME_UNKNOWN', `project ${permission.namespace} not found`);
    await requireProject(req, project, 'robot', action);
    return project;
  }
  await requireSystem(req, 'robot', action);
  for (const p of input.permissions) {
    if (p.kind !== 'project' || p.namespace === '*') continue;
    if (!(await deps.meta.projects.get(p.namespace)))
      throw new NotFound('NAME_UNKNOWN', `project ${p.namespace} not found`);
  }
  return undefined;
}

async function requireOnRobot(deps: ApiDeps, req: FastifyRequest, robot: Robot, action: string): Promise<void> {
  if (robot.level === 'system' || robot.projectId === null) return requireSystem(req, 'robot', action);
  return requireProject(req, await projectById(deps, robot.projectId), 'robot', action);
}

async function projectById(deps: ApiDeps, id: number): Promise<Project> {
  const project = await deps.meta.projects.getById(id);
  if (!project) throw new NotFound('NAME_UNKNOWN', `project ${id} not found`);
  return project;
}

async function robotOf(deps: ApiDeps, req: FastifyRequest): Promise<Robot> {
  const raw = (req.params as { robot_id: string }).robot_id;
  const id = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(id))
    throw unprocessable(`robot_id in path must be of type int64: "${raw}"`);
  const robot = await deps.meta.robots.get(id);
  if (!robot) throw new NotFound('NAME_UNKNOWN', `robot ${id} not found`);
  return robot;
}

/** The full name a short name would have for this robot's level and project. */
function fullName(robot: Robot, short: string): string {
  if (robot.level === 'system') return `${ROBOT_PREFIX}${short}`;
  const plus = robot.name.indexOf('+');
  return `${robot.name.slice(0, plus + 1)}${short}`;
}

function record(deps: ApiDeps, req: FastifyRequest, operation: string, robot: Robot, detail: string | null): void {
  const project = robot.level === 'project' ? robot.name.slice(ROBOT_PREFIX.length, robot.name.indexOf('+')) : null;
  deps.audit.record({
    username: req.security.name,
    clientIp: req.ip,
    operation,
    resourceType: 'robot',
    resource: robot.name,
    project,
    success: true,
    detail,
  });
}
