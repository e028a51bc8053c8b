import type { FastifyRequest } from 'fastify';
import { Invalid, NotFound } from '../../core/errors.js';
import type { Filter, SortKey } from '../../meta/list-query.js';
import type { MetaStore, Project } from '../../meta/meta-store.js';
import type { ApiRouteModule } from './api-plugin.js';
import { requireSystem } from './guards.js';
import { parsePaging, parseSort, type RawQuery } from './harbor-query.js';
import { sendPage } from './paging.js';
import { toQuotaJson, type QuotaJson } from './project-json.js';
import { asObject } from './project-request.js';
import { actor } from './project-routes.js';

/**
 * Project quotas: listQuotas, getQuota, updateQuota (Harbor's `handler/quota.go`), for system
 * administrators (Harbor's system `quota` resource; robots may hold read/list). Every project has
 * exactly one quota and its id is the project id. The only resource is `storage`: bytes, -1 for
 * unlimited; `used.storage` counts each blob of the project once, however many of its repositories
 * hold it. A limit below the current usage is accepted; pushes then fail until space is freed.
 *
 * Sorting by `hard.storage` / `used.storage` (Harbor's sort keys) reads every matching project and
 * sorts in memory: the project repository sorts by name and times only.
 */

const STORAGE_SORTS: Record<string, (p: Project) => number> = {
  'hard.storage': (p) => (p.storageLimit < 0 ? Number.POSITIVE_INFINITY : p.storageLimit),
  'used.storage': (p) => p.storageUsed,
};
const ALL_PAGE = 1000;

export const quotaRoutes: ApiRouteModule = (app, deps) => {
  const { meta } = deps;

  app.get('/quotas', async (req, reply) => {
    await requireSystem(req, 'quota', 'list');
    const params = req.query as RawQuery;
    const paging = parsePaging(single(params.page), single(params.page_size));
    const sort = parseSort(single(params.sort));
    const reference = single(params.reference);
    const referenceId = single(params.reference_id);
    const empty = { items: [] as QuotaJson[], total: 0 };
    if (reference !== undefined && reference !== '' && reference !== 'project') {
      return sendPage(req, reply, paging, empty, (q) => q);
    }
    const filters: Filter[] = [];
    if (referenceId !== undefined && referenceId !== '') {
      if (!/^\d{1,15}$/.test(referenceId)) return sendPage(req, reply, paging, empty, (q) => q);
      filters.push({ key: 'project_id', kind: 'exact', value: Number(referenceId) });
    }
    const offset = (paging.page - 1) * paging.pageSize;
    const page = sort.some((s) => s.key in STORAGE_SORTS)
      ? await sortedByStorage(meta, filters, sort, offset, paging.pageSize)
      : await meta.projects.list({ filters, sort: projectSort(sort), offset, limit: paging.pageSize });
    const owners = ownerNames(meta);
    const items = await Promise.all(page.items.map(async (p) => toQuotaJson(p, await owners(p.ownerId))));
    return sendPage(req, reply, paging, { items, total: page.total }, (q) => q);
  });

  app.get('/quotas/:id', async (req) => {
    await requireSystem(req, 'quota', 'read');
    const project = await quotaProject(meta, req);
    return toQuotaJson(project, await ownerNames(meta)(project.ownerId));
  });

  app.put('/quotas/:id', async (req, reply) => {
    await requireSystem(req, 'quota', 'update');
    const body = asObject(req.body, 'the request body (a QuotaUpdateReq)');
    const limit = readHard(body.hard);
    const project = await quotaProject(meta, req);
    if (project.storageLimit !== limit) {
      await meta.projects.setStorageLimit(project.id, limit);
      deps.audit.record({
        ...actor(req),
        operation: 'update',
        resourceType: 'quota',
        resource: project.name,
        project: project.name,
        success: true,
        detail: `storage=${limit} (was ${project.storageLimit})`,
      });
    }
    return reply.code(200).send();
  });
};

/** `hard` of a `QuotaUpdateReq`: `{ "storage": bytes }`, -1 for unlimited. */
function readHard(raw: unknown): number {
  if (raw === undefined || raw === null) throw new Invalid('NAME_INVALID', 'hard is required in the body');
  const hard = asObject(raw, 'hard');
  const names = Object.keys(hard);
  if (names.length === 0) throw new Invalid('NAME_INVALID', 'hard is required in the body');
  const unknown = names.find((n) => n !== 'storage');
  if (unknown !== undefined) {
    throw new Invalid('NAME_INVALID', `hard.${unknown}: unknown quota resource; the only resource is storage`);
  }
  const storage = hard.storage;
  if (typeof storage !== 'number' || !Number.isSafeInteger(storage) || (storage !== -1 && storage <= 0)) {
    throw new Invalid('NAME_INVALID', 'hard.storage must be a positive number of bytes, or -1 for unlimited');
  }
  return storage;
}

async function quotaProject(meta: MetaStore, req: FastifyRequest): Promise<Project> {
  const raw = (req.params as { id: string }).id;
  if (!/^\d{1,15}$/.test(raw))
    throw new Invalid('NAME_INVALID', `id must be an integer quota id, got "${raw.slice(0, 40)}"`);
  const project = await meta.projects.getById(Number(raw));
  if (!project) throw new NotFound('NAME_UNKNOWN', `quota ${raw} not found`);
  return project;
}

/** Harbor's `creation_time` / `update_time` sort keys map to the project's; others are refused. */
function projectSort(sort: SortKey[]): SortKey[] {
  for (const s of sort) {
    if (s.key !== 'creation_time' && s.key !== 'update_time') {
      throw new Invalid(
        'NAME_INVALID',
        `unsupported sort key "${s.key}"; supported: hard.storage, used.storage, creation_time, update_time`,
      );
    }
  }
  return sort;
}

async function sortedByStorage(
  meta: MetaStore,
  filters: Filter[],
  sort: SortKey[],
  offset: number,
  limit: number,
): Promise<{ items: Project[]; total: number }> {
  const all: Project[] = [];
  for (let at = 0; ; at += ALL_PAGE) {
    const page = await meta.projects.list({ filters, sort: [], offset: at, limit: ALL_PAGE });
    all.push(...page.items);
    if (page.items.length < ALL_PAGE) break;
  }
  const keys = sort.map((s) => {
    const by = STORAGE_SORTS[s.key];
    if (by) return { by, desc: s.desc };
    projectSort([s]);
    const time =
      s.key === 'creation_time' ? (p: Project) => p.createdAt.getTime() : (p: Project) => p.updatedAt.getTime();
    return { by: time, desc: s.desc };
  });
  all.sort((a, b) => {
    for (const k of keys) {
      const d = k.by(a) - k.by(b);
      if (d !== 0 && !Number.isNaN(d)) return k.desc ? -d : d;
    }
    return a.id - b.id;
  });
  return { items: all.slice(offset, offset + limit), total: all.length };
}

function ownerNames(meta: MetaStore): (id: number | null) => Promise<string> {
  const cache = new Map<number, Promise<string>>();
  return (id) => {
    if (id === null) return Promise.resolve('');
    let name = cache.get(id);
    if (!name) cache.set(id, (name = meta.users.get(id).then((u) => u?.username ?? '')));
    return name;
  };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
