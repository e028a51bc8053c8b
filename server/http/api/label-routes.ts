import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Invalid, NotFound } from '../../core/errors.js';
import type { Filter } from '../../meta/list-query.js';
import type { Project } from '../../meta/meta-store.js';
import type { Label } from '../../meta/project-types.js';
import type { ApiDeps } from './api-deps.js';
import { API_PREFIX, type ApiRouteModule } from './api-plugin.js';
import { openArtifact, pathId, type ArtifactContext, type ArtifactParams } from './artifact-access.js';
import { requireProject, requireSystem } from './guards.js';
import { parseListRequest } from './harbor-query.js';
import { readLabelBody, toLabelJson } from './label-json.js';
import { sendPage } from './paging.js';

/**
 * Labels: ListLabels, CreateLabel, GetLabelByID, UpdateLabel and DeleteLabel under `/labels`, and
 * (registered by `artifactRoutes`) addLabel / removeLabel on an artifact.
 *
 * Access follows Harbor's label handler: a global label (`g`) is the system's `label` resource (system
 * administrators, and robots granted it); a project label (`p`) is the project's `label` resource
 * (maintainers and up write, members and public-project visitors read). Listing global labels needs
 * no permission, as in Harbor: the portal shows them wherever artifacts can be seen.
 */

interface LabelParams {
  label_id: string;
}

export const labelRoutes: ApiRouteModule = (app, deps) => {
  app.get<{ Querystring: Record<string, string | string[] | undefined> }>('/labels', async (req, reply) => {
    const list = parseListRequest(req.query);
    const scope = first(req.query.scope);
    if (scope !== 'g' && scope !== 'p')
      throw new Invalid('NAME_INVALID', 'scope must be "g" (global) or "p" (project)');
    const filters: Filter[] = [{ key: 'scope', kind: 'exact', value: scope }];
    const name = first(req.query.name);
    if (name) filters.push({ key: 'name', kind: 'fuzzy', value: name });
    if (scope === 'p') {
      const raw = first(req.query.project_id);
      if (raw === undefined || raw === '' || raw === '0') {
        throw new Invalid('NAME_INVALID', 'project_id is required to list project labels');
      }
      const project = await projectById(deps, pathId(raw, 'project_id'));
      await requireProject(req, project, 'label', 'list');
      filters.push({ key: 'project_id', kind: 'exact', value: project.id });
    }
    list.query.filters.push(...filters);
    return sendPage(req, reply, list, await deps.meta.labels.list(list.query), toLabelJson);
  });

  app.post('/labels', async (req, reply) => {
    const input = readLabelBody(req.body);
    if (input.name === undefined || input.name.trim() === '') throw new Invalid('NAME_INVALID', 'name is required');
    if (input.scope === undefined) throw new Invalid('NAME_INVALID', 'scope is required: "g" or "p"');
    if (input.scope === 'p' && input.projectId === undefined) {
      throw new Invalid('NAME_INVALID', 'project_id is required for a project label');
    }
    const projectId = input.scope === 'p' ? (input.projectId ?? null) : null;
    const project = await requireLabelAccess(req, deps, { scope: input.scope, projectId }, 'create');
    const label = await deps.meta.labels.create({
      name: input.name,
      description: input.description ?? '',
      color: input.color ?? '',
      scope: input.scope,
      projectId,
    });
    record(req, deps, 'create', label, project);
    return reply.code(201).header('location', `${API_PREFIX}/labels/${label.id}`).send();
  });

  app.get<{ Params: LabelParams }>('/labels/:label_id', async (req) => {
    const label = await labelById(deps, req.params.label_id);
    await requireLabelAccess(req, deps, label, 'read');
    return toLabelJson(label);
  });

  app.put<{ Params: LabelParams }>('/labels/:label_id', async (req, reply) => {
    const input = readLabelBody(req.body);
    if (input.name === undefined || input.name.trim() === '') throw new Invalid('NAME_INVALID', 'name is required');
    const label = await labelById(deps, req.params.label_id);
    const project = await requireLabelAccess(req, deps, label, 'update');
    // Harbor replaces name, description and color with what the body says; scope and project stay.
    const updated = await deps.meta.labels.update(label.id, {
      name: input.name,
      description: input.description ?? '',
      color: input.color ?? '',
    });
    record(req, deps, 'update', updated, project);
    return reply.code(200).send();
  });

  app.delete<{ Params: LabelParams }>('/labels/:label_id', async (req, reply) => {
    const label = await labelById(deps, req.params.label_id);
    const project = await requireLabelAccess(req, deps, label, 'delete');
    if (!(await deps.meta.labels.delete(label.id))) throw new NotFound('NAME_UNKNOWN', `label ${label.id} not found`);
    record(req, deps, 'delete', label, project);
    return reply.code(200).send();
  });
};

/** addLabel and removeLabel on `/projects/{p}/repositories/{r}/artifacts/{reference}/labels`. */
export function artifactLabelRoutes(app: FastifyInstance, ctx: ArtifactContext): void {
  const { deps } = ctx;
  const base = '/projects/:project_name/repositories/:repository_name/artifacts/:reference/labels';

  app.post<{ Params: ArtifactParams }>(base, async (req, reply) => {
    const labelId = readLabelId(req.body);
    const { project, name, artifact } = await openArtifact(req, ctx, req.params, 'artifact-label', 'create');
    const label = await deps.meta.labels.get(labelId);
    // A project label of another project is as good as absent here (Harbor: 404).
    if (!label || (label.scope === 'p' && label.projectId !== project.id)) {
      throw new NotFound('NAME_UNKNOWN', `label ${labelId} not found in project ${project.name}`);
    }
    await deps.meta.labels.attach(artifact.id, label.id);
    recordAttachment(req, deps, 'create', `${name.name}@${artifact.digest}`, label, project);
    return reply.code(200).send();
  });

  app.delete<{ Params: ArtifactParams & LabelParams }>(`${base}/:label_id`, async (req, reply) => {
    const labelId = pathId(req.params.label_id, 'label_id');
    const { project, name, artifact } = await openArtifact(req, ctx, req.params, 'artifact-label', 'delete');
    const label = await deps.meta.labels.get(labelId);
    if (!label || !(await deps.meta.labels.detach(artifact.id, labelId))) {
      throw new NotFound('NAME_UNKNOWN', `label ${labelId} is not attached to artifact ${artifact.digest}`);
    }
    recordAttachment(req, deps, 'delete', `${name.name}@${artifact.digest}`, label, project);
    return reply.code(200).send();
  });
}

/** The project a label belongs to, after checking `action` on it; null for a global label. */
async function requireLabelAccess(
  req: FastifyRequest,
  deps: ApiDeps,
  label: Pick<Label, 'scope' | 'projectId'>,
  action: string,
): Promise<Project | null> {
  if (label.scope === 'g') {
    await requireSystem(req, 'label', action);
    return null;
  }
  const project = await projectById(deps, label.projectId ?? 0);
  await requireProject(req, project, 'label', action);
  return project;
}

async function projectById(deps: ApiDeps, id: number): Promise<Project> {
  const project = id > 0 ? await deps.meta.projects.getById(id) : undefined;
  if (!project) throw new NotFound('NAME_UNKNOWN', `project ${id} not found`);
  return project;
}

async function labelById(deps: ApiDeps, raw: string): Promise<Label> {
  const id = pathId(raw, 'label_id');
  const label = await deps.meta.labels.get(id);
  if (!label) throw new NotFound('NAME_UNKNOWN', `label ${id} not found`);
  return label;
}

/** addLabel's body is a `Label` of which only `id` matters. */
function readLabelId(body: unknown): number {
  const id = typeof body === 'object' && body !== null ? (body as { id?: unknown }).id : undefined;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) {
    throw new Invalid('NAME_INVALID', 'id (the label to attach) must be a positive integer');
  }
  return id;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function record(req: FastifyRequest, deps: ApiDeps, operation: string, label: Label, project: Project | null): void {
  deps.audit.record({
    username: req.security.name,
    clientIp: req.ip,
    operation,
    resourceType: 'label',
    resource: label.name,
    project: project?.name ?? null,
    success: true,
    detail: `${label.scope === 'g' ? 'global' : 'project'} label ${label.id}`,
  });
}

function recordAttachment(
  req: FastifyRequest,
  deps: ApiDeps,
  operation: 'create' | 'delete',
  resource: string,
  label: Label,
  project: Project,
): void {
  deps.audit.record({
    username: req.security.name,
    clientIp: req.ip,
    operation,
    resourceType: 'artifact-label',
    resource,
    project: project.name,
    success: true,
    detail: `label ${label.name} (${label.id})`,
  });
}
