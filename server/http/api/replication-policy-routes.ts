import type { FastifyRequest } from 'fastify';
import { Invalid, NotFound } from '../../core/errors.js';
import { POLICY_DEFAULTS } from '../../replicate/policy-service.js';
import {
  LOCAL_REGISTRY_ID,
  REPLICATION_VENDOR,
  type NewPolicy,
  type ReplicationFilter,
  type ReplicationPolicy,
  type TriggerType,
} from '../../replicate/replication-contract.js';
import type { ApiDeps } from './api-deps.js';
import { preconditionFailed } from './api-errors.js';
import type { ApiRouteModule } from './api-plugin.js';
import { requireSystem } from './guards.js';
import { parseListRequest, type RawQuery } from './harbor-query.js';
import { pagingHeaders } from './paging.js';
import {
  auditReplication,
  idParam,
  localRegistryJson,
  localUrl,
  registryRef,
  replicationApi,
  toPolicyJson,
  toRegistryJson,
  type RegistryJson,
} from './replication-json.js';
import { objectBody } from './scan-json.js';

/**
 * Replication policies, Harbor's `handler/replication.go` (system resource `replication-policy`):
 *
 *   GET    /replication/policies       list (q: name exact or ~fuzzy; legacy ?name= fuzzy)
 *   POST   /replication/policies       ReplicationPolicy, registries by id (null or id 0: this
 *                                      Berth) → 201 + Location
 *   GET    /replication/policies/{id}  with both sides as Registry JSON (this Berth as id 0)
 *   PUT    /replication/policies/{id}  fields left out keep their value
 *   DELETE /replication/policies/{id}  412 while one of its executions is pending or running
 *
 * Settings a new policy leaves out take `POLICY_DEFAULTS`. `deletion` is Harbor's older name of
 * `replicate_deletion`; either turns it on.
 */
export const replicationPolicyRoutes: ApiRouteModule = (app, deps) => {
  app.get('/replication/policies', async (req, reply) => {
    await requireSystem(req, 'replication-policy', 'list');
    const list = parseListRequest(req.query);
    const query: { name?: string; page: number; pageSize: number } = { page: list.page, pageSize: list.pageSize };
    for (const f of list.query.filters) {
      if (f.key === 'name' && (f.kind === 'exact' || f.kind === 'fuzzy')) query.name = String(f.value);
      else throw new Invalid('NAME_INVALID', `unsupported query "${f.key}" (${f.kind}); supported: name`);
    }
    const legacy = (req.query as RawQuery).name;
    if (typeof legacy === 'string' && legacy !== '') query.name = legacy;
    const page = await replicationApi(deps).policies.list(query);
    const sides = await sidesOf(req, deps, page.items);
    reply.headers(pagingHeaders(req.url, page.total, list));
    return page.items.map((p) => toPolicyJson(p, sides));
  });

  app.post('/replication/policies', async (req, reply) => {
    await requireSystem(req, 'replication-policy', 'create');
    const created = await replicationApi(deps).policies.create(readPolicy(req.body));
    auditReplication(req, deps, {
      operation: 'create',
      resourceType: 'replication_policy',
      resource: created.name,
    });
    const path = (req.url.split('?')[0] ?? '').replace(/\/+$/, '');
    return reply.code(201).header('location', `${path}/${created.id}`).send();
  });

  app.get<{ Params: { id: string } }>('/replication/policies/:id', async (req) => {
    await requireSystem(req, 'replication-policy', 'read');
    const policy = await stored(deps, req.params.id);
    return toPolicyJson(policy, await sidesOf(req, deps, [policy]));
  });

  app.put<{ Params: { id: string } }>('/replication/policies/:id', async (req, reply) => {
    await requireSystem(req, 'replication-policy', 'update');
    const existing = await stored(deps, req.params.id);
    const updated = await replicationApi(deps).policies.update(existing.id, readPolicy(req.body, existing));
    auditReplication(req, deps, {
      operation: 'update',
      resourceType: 'replication_policy',
      resource: updated.name,
    });
    return reply.code(200).send();
  });

  app.delete<{ Params: { id: string } }>('/replication/policies/:id', async (req, reply) => {
    await requireSystem(req, 'replication-policy', 'delete');
    const existing = await stored(deps, req.params.id);
    for (const status of ['Running', 'Pending'] as const) {
      const active = await deps.jobs.listExecutions(
        { vendorType: REPLICATION_VENDOR, vendorId: existing.id, status },
        { page: 1, pageSize: 1 },
      );
      if (active.total > 0) {
        throw preconditionFailed(
          `replication policy ${existing.name} has an execution in progress; stop it before deleting the policy`,
        );
      }
    }
    await replicationApi(deps).policies.delete(existing.id);
    auditReplication(req, deps, {
      operation: 'delete',
      resourceType: 'replication_policy',
      resource: existing.name,
    });
    return reply.code(200).send();
  });
};

async function stored(deps: ApiDeps, raw: string): Promise<ReplicationPolicy> {
  const id = idParam(raw);
  const found = id === undefined ? undefined : await replicationApi(deps).policies.get(id);
  if (!found) throw new NotFound('NAME_UNKNOWN', `replication policy ${raw.slice(0, 40)} not found`);
  return found;
}

/** Registry JSON for every side the policies name, each registry read once. */
async function sidesOf(
  req: FastifyRequest,
  deps: ApiDeps,
  policies: readonly ReplicationPolicy[],
): Promise<(id: number) => RegistryJson | null> {
  const byId = new Map<number, RegistryJson | null>();
  byId.set(LOCAL_REGISTRY_ID, localRegistryJson(localUrl(req, deps)));
  for (const p of policies) {
    for (const id of [p.srcRegistryId, p.destRegistryId]) {
      if (byId.has(id)) continue;
      const registry = await deps.meta.replication.getRegistry(id);
      byId.set(id, registry ? toRegistryJson(registry) : null);
    }
  }
  return (id) => byId.get(id) ?? null;
}

/**
 * A ReplicationPolicy body as the service's input: fields left out keep `existing`'s values (on
 * update) or take the defaults; types are checked by the service.
 */
function readPolicy(raw: unknown, existing?: ReplicationPolicy): NewPolicy {
  const body = objectBody(raw, 'the request body (ReplicationPolicy)');
  const base: NewPolicy = existing ?? {
    ...POLICY_DEFAULTS,
    name: '',
    description: '',
    srcRegistryId: LOCAL_REGISTRY_ID,
    destRegistryId: LOCAL_REGISTRY_ID,
    trigger: { type: 'manual' },
    filters: [],
  };
  const pick = <T>(key: string, fallback: T): T => {
    const v = body[key];
    return (v === undefined || v === null ? fallback : v) as T;
  };
  // Harbor's handler reads the older `deletion`, its portal sends both: either one turns it on.
  const deletion =
    body.replicate_deletion === true || body.deletion === true
      ? true
      : pick('replicate_deletion', pick('deletion', base.replicateDeletion));
  return {
    name: pick('name', base.name),
    description: pick('description', base.description),
    srcRegistryId: registryRef(body.src_registry, 'src_registry') ?? base.srcRegistryId,
    destRegistryId: registryRef(body.dest_registry, 'dest_registry') ?? base.destRegistryId,
    destNamespace: pick('dest_namespace', base.destNamespace),
    destNamespaceReplaceCount: pick('dest_namespace_replace_count', base.destNamespaceReplaceCount),
    trigger: body.trigger === undefined || body.trigger === null ? base.trigger : readTrigger(body.trigger),
    filters: pick<ReplicationFilter[]>('filters', base.filters),
    replicateDeletion: deletion,
    override: pick('override', base.override),
    enabled: pick('enabled', base.enabled),
    speedKbps: pick('speed', base.speedKbps),
    copyByChunk: pick('copy_by_chunk', base.copyByChunk),
    singleActive: pick('single_active_replication', base.singleActive),
    concurrency: pick('concurrency', base.concurrency),
    copyReferrers: pick('copy_referrers', base.copyReferrers),
  };
}

function readTrigger(raw: unknown): NewPolicy['trigger'] {
  const trigger = objectBody(raw, 'trigger');
  const type = trigger.type === undefined || trigger.type === null || trigger.type === '' ? 'manual' : trigger.type;
  if (typeof type !== 'string') throw new Invalid('NAME_INVALID', 'trigger.type must be a string');
  const settings =
    trigger.trigger_settings === undefined || trigger.trigger_settings === null
      ? {}
      : objectBody(trigger.trigger_settings, 'trigger.trigger_settings');
  const cron = settings.cron;
  if (cron !== undefined && cron !== null && typeof cron !== 'string') {
    throw new Invalid('NAME_INVALID', 'trigger.trigger_settings.cron must be a string');
  }
  return { type: type as TriggerType, ...(typeof cron === 'string' && cron !== '' ? { cron } : {}) };
}
