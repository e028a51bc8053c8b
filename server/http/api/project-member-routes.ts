import type { FastifyRequest } from 'fastify';
import { ROLE_NAMES } from '../../auth/rbac.js';
import { Denied, Invalid, NotFound } from '../../core/errors.js';
import type { User } from '../../meta/identity-types.js';
import type { Filter } from '../../meta/list-query.js';
import type { MetaStore, Project } from '../../meta/meta-store.js';
import type { ProjectMember, ProjectRoleId } from '../../meta/project-types.js';
import type { ApiRouteModule } from './api-plugin.js';
import { requireProject } from './guards.js';
import { parsePaging, type RawQuery } from './harbor-query.js';
import { sendPage } from './paging.js';
import { asObject } from './project-request.js';
import { actor, projectOf, type ProjectParams } from './project-routes.js';

/**
 * Project members: listProjectMembers, createProjectMember, getProjectMember, updateProjectMember,
 * deleteProjectMember (Harbor's `handler/member.go`). Permissions are the `member` resource: project
 * admins manage members; guests and up may list and read them; limited guests may not.
 *
 * Members are users (`member_user` by `user_id` or `username`); user groups do not exist in Berth
 * yet, so `member_group` is refused with a 400 saying so. A user is a member at most once (409).
 * A caller may not change or remove their own membership (a system administrator may): Harbor's
 * portal offers no such action, and it keeps a project admin from locking themselves out.
 */

export interface ProjectMemberEntityJson {
  id: number;
  project_id: number;
  entity_name: string;
  entity_type: 'u' | 'g';
  entity_id: number;
  role_id: number;
  role_name: string;
}

export function toMemberJson(m: ProjectMember): ProjectMemberEntityJson {
  return {
    id: m.id,
    project_id: m.projectId,
    entity_name: m.entityName,
    entity_type: m.entityType,
    entity_id: m.entityId,
    role_id: m.roleId,
    role_name: ROLE_NAMES[m.roleId],
  };
}

export const projectMemberRoutes: ApiRouteModule = (app, deps) => {
  const { meta } = deps;
  const base = '/projects/:project_name_or_id/members';

  app.get(base, async (req, reply) => {
    const project = await projectOf(meta, req);
    await requireProject(req, project, 'member', 'list');
    const params = req.query as RawQuery;
    const paging = parsePaging(single(params.page), single(params.page_size));
    const name = single(params.entityname);
    const filters: Filter[] = name ? [{ key: 'entityname', kind: 'fuzzy', value: name }] : [];
    const page = await meta.members.list(project.id, {
      filters,
      sort: [],
      offset: (paging.page - 1) * paging.pageSize,
      limit: paging.pageSize,
    });
    return sendPage(req, reply, paging, page, toMemberJson);
  });

  app.post(base, async (req, reply) => {
    const project = await projectOf(meta, req);
    await requireProject(req, project, 'member', 'create');
    const body = readMemberRequest(req.body);
    const user = await memberUser(meta, body);
    const member = await meta.members.add(project.id, 'u', user.id, body.roleId);
    record(req, project, member, 'create', `role=${ROLE_NAMES[member.roleId]}`);
    const { project_name_or_id: nameOrId } = req.params as ProjectParams;
    return reply
      .code(201)
      .header('location', `/api/v2.0/projects/${encodeURIComponent(nameOrId)}/members/${member.id}`)
      .send();
  });

  app.get(`${base}/:mid`, async (req) => {
    const project = await projectOf(meta, req);
    await requireProject(req, project, 'member', 'read');
    return toMemberJson(await memberOf(meta, req, project));
  });

  app.put(`${base}/:mid`, async (req, reply) => {
    const project = await projectOf(meta, req);
    await requireProject(req, project, 'member', 'update');
    const mid = memberId(req);
    const body = asObject(req.body, 'the request body (a RoleRequest)');
    const roleId = readRole(body.role_id);
    const member = await memberOf(meta, req, project, mid);
    refuseSelf(req, member, 'change');
    if (member.roleId !== roleId) {
      const updated = await meta.members.update(project.id, member.id, roleId);
      record(req, project, updated, 'update', `role=${ROLE_NAMES[roleId]} (was ${ROLE_NAMES[member.roleId]})`);
    }
    return reply.code(200).send();
  });

  app.delete(`${base}/:mid`, async (req, reply) => {
    const project = await projectOf(meta, req);
    await requireProject(req, project, 'member', 'delete');
    const member = await memberOf(meta, req, project);
    refuseSelf(req, member, 'remove');
    if (await meta.members.remove(project.id, member.id)) {
      record(req, project, member, 'delete', `role=${ROLE_NAMES[member.roleId]}`);
    }
    return reply.code(200).send();
  });

  function record(req: FastifyRequest, project: Project, member: ProjectMember, operation: string, detail: string) {
    deps.audit.record({
      ...actor(req),
      operation,
      resourceType: 'member',
      resource: `${project.name}/${member.entityName}`,
      project: project.name,
      success: true,
      detail,
    });
  }
};

interface MemberRequest {
  roleId: ProjectRoleId;
  userId?: number;
  username?: string;
}

function readMemberRequest(raw: unknown): MemberRequest {
  const body = asObject(raw, 'the request body (a ProjectMember)');
  const group = body.member_group;
  if (group !== undefined && group !== null && (typeof group !== 'object' || Object.keys(group).length > 0)) {
    throw new Invalid('NAME_INVALID', 'member_group: user groups are not supported; add users with member_user');
  }
  const roleId = readRole(body.role_id);
  if (body.member_user === undefined || body.member_user === null) {
    throw new Invalid('NAME_INVALID', 'member_user is required: give its user_id or username');
  }
  const user = asObject(body.member_user, 'member_user');
  const { user_id: userId, username } = user;
  if (userId !== undefined && userId !== null && userId !== 0) {
    if (typeof userId !== 'number' || !Number.isSafeInteger(userId) || userId < 0) {
      throw new Invalid('NAME_INVALID', 'member_user.user_id must be a positive integer');
    }
    return { roleId, userId };
  }
  if (typeof username === 'string' && username !== '') return { roleId, username };
  if (username !== undefined && username !== null && typeof username !== 'string') {
    throw new Invalid('NAME_INVALID', 'member_user.username must be a string');
  }
  throw new Invalid('NAME_INVALID', 'member_user needs a user_id or a username');
}

function readRole(raw: unknown): ProjectRoleId {
  if (raw === undefined || raw === null) throw new Invalid('NAME_INVALID', 'role_id is required');
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1 || raw > 5) {
    throw new Invalid(
      'NAME_INVALID',
      'role_id must be 1 (project admin), 2 (developer), 3 (guest), 4 (maintainer) or 5 (limited guest)',
    );
  }
  return raw as ProjectRoleId;
}

/** The user a member request names; an unknown user is a 400, as Harbor answers. */
async function memberUser(meta: MetaStore, body: MemberRequest): Promise<User> {
  if (body.userId !== undefined) {
    const user = await meta.users.get(body.userId);
    if (!user) throw new Invalid('NAME_INVALID', `member_user: user ${body.userId} not found`);
    return user;
  }
  const user = await meta.users.getByName(body.username ?? '');
  if (!user) throw new Invalid('NAME_INVALID', `member_user: user ${JSON.stringify(body.username)} not found`);
  return user;
}

function memberId(req: FastifyRequest): number {
  const raw = (req.params as { mid: string }).mid;
  const id = /^\d{1,15}$/.test(raw) ? Number(raw) : 0;
  if (id <= 0) throw new Invalid('NAME_INVALID', `mid must be a positive integer member id, got "${raw.slice(0, 40)}"`);
  return id;
}

async function memberOf(meta: MetaStore, req: FastifyRequest, project: Project, mid = memberId(req)) {
  const member = await meta.members.get(project.id, mid);
  if (!member) throw new NotFound('NAME_UNKNOWN', `member ${mid} not found in project ${project.name}`);
  return member;
}

function refuseSelf(req: FastifyRequest, member: ProjectMember, what: 'change' | 'remove'): void {
  const security = req.security;
  if (security.isSysAdmin || member.entityType !== 'u' || member.entityId !== security.userId) return;
  throw new Denied(`forbidden: you cannot ${what} your own membership; ask another project admin`);
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
