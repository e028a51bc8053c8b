import { Invalid } from '../../core/errors.js';
import { validateFilters } from '../../replicate/filters.js';
import { POLICY_DEFAULTS } from '../../replicate/policy-service.js';
import { LOCAL_REGISTRY_ID, type NewPolicy } from '../../replicate/replication-contract.js';
import type { ApiRouteModule } from './api-plugin.js';
import { requireSystem } from './guards.js';
import type { RawQuery } from './harbor-query.js';
import { registryRef, replicationApi } from './replication-json.js';
import { objectBody } from './scan-json.js';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;
/** A source that does not answer in this time ends the preview (a 5xx from the adapter's abort). */
const PREVIEW_TIMEOUT_MS = 30_000;

/**
 * Berth's addition for the policy editor: `POST /replication/policies/preview?limit=50` with a
 * ReplicationPolicy body (saved or not) lists what a run would copy now: at most `limit` artifacts,
 * streamed from the source as a run would, each with its destination repository.
 * `{ items: [{repository, tags, digest, dst_repository}], truncated }`. Asks for
 * replication-policy:create, as the editor that sends it does; the enumeration stops when the
 * client goes away.
 */
export const replicationPreviewRoutes: ApiRouteModule = (app, deps) => {
  app.post('/replication/policies/preview', async (req, reply) => {
    await requireSystem(req, 'replication-policy', 'create');
    const service = replicationApi(deps).service;
    const limit = readLimit((req.query as RawQuery).limit);
    const policy = readPreviewPolicy(req.body);
    const gone = new AbortController();
    reply.raw.on('close', () => gone.abort(new Error('the client went away')));
    const signal = AbortSignal.any([gone.signal, AbortSignal.timeout(PREVIEW_TIMEOUT_MS)]);
    const { items, truncated } = await service.preview(policy, limit, signal);
    return {
      items: items.map((i) => ({
        repository: i.repository,
        tags: i.tags,
        digest: i.digest ?? null,
        dst_repository: i.dstRepository,
      })),
      truncated,
    };
  });
};

function readLimit(raw: string | string[] | undefined): number {
  const text = Array.isArray(raw) ? raw[0] : raw;
  if (text === undefined || text === '') return DEFAULT_LIMIT;
  const n = /^\d{1,6}$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= MAX_LIMIT)) throw new Invalid('NAME_INVALID', `limit must be an integer from 1 to ${MAX_LIMIT}`);
  return n;
}

/** What a preview needs of a policy body: its sides, filters and destination naming (checked here). */
function readPreviewPolicy(raw: unknown): NewPolicy {
  const body = objectBody(raw, 'the request body (ReplicationPolicy)');
  const namespace = body.dest_namespace ?? '';
  if (typeof namespace !== 'string') throw new Invalid('NAME_INVALID', 'dest_namespace must be a string');
  const count = body.dest_namespace_replace_count ?? POLICY_DEFAULTS.destNamespaceReplaceCount;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < -1) {
    throw new Invalid('NAME_INVALID', 'dest_namespace_replace_count must be an integer of at least -1');
  }
  return {
    ...POLICY_DEFAULTS,
    name: typeof body.name === 'string' ? body.name : '',
    description: '',
    srcRegistryId: registryRef(body.src_registry, 'src_registry') ?? LOCAL_REGISTRY_ID,
    destRegistryId: registryRef(body.dest_registry, 'dest_registry') ?? LOCAL_REGISTRY_ID,
    destNamespace: namespace,
    destNamespaceReplaceCount: count,
    trigger: { type: 'manual' },
    filters: validateFilters(body.filters ?? []),
  };
}
