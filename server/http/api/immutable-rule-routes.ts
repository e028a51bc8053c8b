import type { FastifyRequest } from 'fastify';
import { Invalid, NotFound } from '../../core/errors.js';
import { REPOSITORY_DECORATIONS, TAG_DECORATIONS, validateSelector, type Selector } from '../../core/selectors.js';
import type { Project } from '../../meta/meta-store.js';
import type { ImmutableRule, NewImmutableRule } from '../../meta/retention-types.js';
import type { ApiDeps } from './api-deps.js';
import type { ApiRouteModule } from './api-plugin.js';
import { requireProject } from './guards.js';
import { parseListRequest } from './harbor-query.js';
import { pagingHeaders } from './paging.js';
import { actor, projectOf } from './project-routes.js';

/**
 * Immutable tag rules (Harbor's `handler/immutable.go`): ListImmuRules, CreateImmuRule,
 * UpdateImmuRule (also how the portal enables and disables a rule), DeleteImmuRule under
 * `/projects/{project_name_or_id}/immutabletagrules`. Permissions are the `immutable-tag` resource
 * (maintainers and project admins). A rule needs a repository selector and a tag selector (Harbor's
 * matcher ignores a rule without either); an identical rule in the same project is a 409. Every
 * change drops the project's cached rules, so the next push sees it.
 */
export const immutableRuleRoutes: ApiRouteModule = (app, deps) => {
  const { meta } = deps;
  const base = '/projects/:project_name_or_id/immutabletagrules';

  app.get(base, async (req, reply) => {
    const list = parseListRequest(req.query);
    const project = await projectOf(meta, req);
    await requireProject(req, project, 'immutable-tag', 'list');
    const page = await meta.immutableRules.list(project.id, { offset: list.query.offset, limit: list.query.limit });
    reply.headers(pagingHeaders(req.url, page.total, list));
    return page.items.map(toRuleJson);
  });

  app.post(base, async (req, reply) => {
    const project = await projectOf(meta, req);
    await requireProject(req, project, 'immutable-tag', 'create');
    const rule = await meta.immutableRules.create({ ...readRule(req.body), projectId: project.id });
    deps.manifests.immutability.invalidate(project.id);
    record(req, deps, project, 'create', rule);
    const path = (req.url.split('?')[0] ?? '').replace(/\/+$/, '');
    return reply.code(201).header('location', `${path}/${rule.id}`).send();
  });

  app.put<{ Params: { immutable_rule_id: string } }>(`${base}/:immutable_rule_id`, async (req, reply) => {
    const id = ruleId(req.params.immutable_rule_id);
    const body = readRule(req.body);
    const bodyId = (req.body as { id?: unknown }).id;
    if (bodyId !== undefined && bodyId !== null && bodyId !== 0 && bodyId !== id) {
      throw new Invalid(
        'NAME_INVALID',
        "the immutable_rule_id doesn't match the id in the payload body of ImmutableRule",
      );
    }
    const project = await projectOf(meta, req);
    await requireProject(req, project, 'immutable-tag', 'update');
    await ruleOf(deps, project, id);
    const rule = await meta.immutableRules.update({ ...body, id, projectId: project.id });
    deps.manifests.immutability.invalidate(project.id);
    record(req, deps, project, 'update', rule);
    return reply.code(200).send();
  });

  app.delete<{ Params: { immutable_rule_id: string } }>(`${base}/:immutable_rule_id`, async (req, reply) => {
    const id = ruleId(req.params.immutable_rule_id);
    const project = await projectOf(meta, req);
    await requireProject(req, project, 'immutable-tag', 'delete');
    const rule = await ruleOf(deps, project, id);
    await meta.immutableRules.delete(id);
    deps.manifests.immutability.invalidate(project.id);
    record(req, deps, project, 'delete', rule);
    return reply.code(200).send();
  });
};

/** Harbor's `ImmutableRule` JSON. */
export interface ImmutableRuleJson {
  id: number;
  project_id: number;
  disabled: boolean;
  priority: number;
  action: string;
  template: string;
  params: Record<string, unknown>;
  tag_selectors: Selector[];
  scope_selectors: Record<string, Selector[]>;
}

export function toRuleJson(rule: ImmutableRule): ImmutableRuleJson {
  return {
    id: rule.id,
    project_id: rule.projectId,
    disabled: rule.disabled,
    priority: rule.priority,
    action: rule.action,
    template: rule.template,
    params: rule.params,
    tag_selectors: rule.tagSelectors,
    scope_selectors: rule.scopeSelectors,
  };
}

/** A rule of this project, else 404 (Harbor: "project id does not match"). */
async function ruleOf(deps: ApiDeps, project: Project, id: number): Promise<ImmutableRule> {
  const rule = await deps.meta.immutableRules.get(id);
  if (!rule || rule.projectId !== project.id) {
    throw new NotFound('NAME_UNKNOWN', `immutable rule ${id} not found in project ${project.name}`);
  }
  return rule;
}

function ruleId(raw: string): number {
  const id = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(id) || id <= 0)
    throw new Invalid('NAME_INVALID', 'immutable_rule_id must be a positive integer');
  return id;
}

/** The body as a rule (without id and project): selectors checked, Harbor's defaults filled in. */
function readRule(body: unknown): Omit<NewImmutableRule, 'projectId'> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new Invalid('NAME_INVALID', 'the request body must be an immutable rule object');
  }
  const b = body as Record<string, unknown>;
  const action = b.action ?? 'immutable';
  if (action !== 'immutable') throw new Invalid('NAME_INVALID', 'action must be "immutable"');
  const template = b.template ?? 'immutable_template';
  if (template !== 'immutable_template') throw new Invalid('NAME_INVALID', 'template must be "immutable_template"');
  if (b.disabled !== undefined && typeof b.disabled !== 'boolean')
    throw new Invalid('NAME_INVALID', 'disabled must be a boolean');
  const priority = b.priority ?? 0;
  if (typeof priority !== 'number' || !Number.isInteger(priority))
    throw new Invalid('NAME_INVALID', 'priority must be an integer');
  const params = b.params ?? {};
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new Invalid('NAME_INVALID', 'params must be an object');
  }
  if (!Array.isArray(b.tag_selectors) || b.tag_selectors.length === 0) {
    throw new Invalid('NAME_INVALID', 'tag_selectors needs a selector');
  }
  const tagSelectors = b.tag_selectors.map((s, i) => validateSelector(s, `tag_selectors[${i}]`, TAG_DECORATIONS));
  const scope = b.scope_selectors;
  if (typeof scope !== 'object' || scope === null || Array.isArray(scope)) {
    throw new Invalid('NAME_INVALID', 'scope_selectors needs a repository selector');
  }
  const repository = (scope as Record<string, unknown>).repository;
  if (!Array.isArray(repository) || repository.length === 0) {
    throw new Invalid('NAME_INVALID', 'scope_selectors.repository needs a selector');
  }
  const scopeSelectors = {
    repository: repository.map((s, i) =>
      validateSelector(s, `scope_selectors.repository[${i}]`, REPOSITORY_DECORATIONS),
    ),
  };
  return {
    disabled: b.disabled === true,
    priority,
    action,
    template,
    params: params as Record<string, unknown>,
    tagSelectors,
    scopeSelectors,
  };
}

function record(req: FastifyRequest, deps: ApiDeps, project: Project, operation: string, rule: ImmutableRule): void {
  const tag = rule.tagSelectors[0];
  const repository = rule.scopeSelectors.repository?.[0];
  deps.audit.record({
    ...actor(req),
    operation,
    resourceType: 'immutable_tag_rule',
    resource: `${project.name}/${rule.id}`,
    project: project.name,
    success: true,
    detail: `${repository?.decoration ?? ''} ${repository?.pattern ?? ''}, ${tag?.decoration ?? ''} ${tag?.pattern ?? ''}${rule.disabled ? ' (disabled)' : ''}`,
  });
}
