import type { FastifyRequest } from 'fastify';
import { Invalid, NotFound } from '../../core/errors.js';
import {
  REGISTRY_TYPES,
  type NewRegistry,
  type RegistryChange,
  type RegistryCredential,
  type RegistryEndpoint,
  type RegistryType,
} from '../../replicate/replication-contract.js';
import { sameOrigin, validateRegistry } from '../../replicate/registry-service.js';
import type { StoredRegistry } from '../../meta/replication-types.js';
import type { ApiDeps } from './api-deps.js';
import type { ApiRouteModule } from './api-plugin.js';
import { requireSystem } from './guards.js';
import { parseListRequest, type RawQuery } from './harbor-query.js';
import { pagingHeaders } from './paging.js';
import {
  MASKED_SECRET,
  auditReplication,
  idParam,
  replicationApi,
  toRegistryInfoJson,
  toRegistryJson,
} from './replication-json.js';
import { objectBody } from './scan-json.js';

/**
 * Replication endpoints, Harbor's `handler/registry.go` (system resources `registry` and
 * `replication-adapter`; system administrators, or robots holding them):
 *
 *   GET    /registries                list (q: name exact or ~fuzzy, type; legacy ?name= fuzzy)
 *   POST   /registries                Registry (credential.access_secret in clear) → 201 + Location
 *   POST   /registries/ping           RegistryPing: a stored endpoint by id (fields given override
 *                                    it) or one described in full → 200, or 400 with the reason
 *   GET    /registries/{id}           one
 *   PUT    /registries/{id}           RegistryUpdate (flat credential fields; an empty or absent
 *                                    access_secret keeps the stored one)
 *   DELETE /registries/{id}           412 while a policy uses it
 *   GET    /registries/{id}/info      the adapter's RegistryInfo
 *   GET    /replication/adapters      the endpoint types
 *   GET    /replication/adapterinfos  per type, the endpoint and credential patterns
 *
 * A secret is never in an answer (always `*****`), in an audit record or in a ping's error text.
 */

const PING_TIMEOUT_MS = 15_000;

export const registryRoutes: ApiRouteModule = (app, deps) => {
  app.get('/registries', async (req, reply) => {
    await requireSystem(req, 'registry', 'list');
    const list = parseListRequest(req.query);
    const query: { name?: string; type?: RegistryType; page: number; pageSize: number } = {
      page: list.page,
      pageSize: list.pageSize,
    };
    for (const f of list.query.filters) {
      if (f.key === 'name' && (f.kind === 'exact' || f.kind === 'fuzzy')) query.name = String(f.value);
      else if (f.key === 'type' && f.kind === 'exact') query.type = registryType(String(f.value));
      else throw new Invalid('NAME_INVALID', `unsupported query "${f.key}" (${f.kind}); supported: name, type`);
    }
    const legacy = (req.query as RawQuery).name;
    if (typeof legacy === 'string' && legacy !== '') query.name = legacy;
    replicationApi(deps);
    // Shown from the stored settings: listing needs no secret, so none is opened.
    const page = await deps.meta.replication.listRegistries({
      ...(query.name ? { name: query.name } : {}),
      ...(query.type ? { type: query.type } : {}),
      offset: list.query.offset,
      limit: list.pageSize,
    });
    reply.headers(pagingHeaders(req.url, page.total, list));
    return page.items.map(toRegistryJson);
  });

  app.post('/registries', async (req, reply) => {
    await requireSystem(req, 'registry', 'create');
    const created = await replicationApi(deps).registries.create(readRegistry(req.body));
    auditReplication(req, deps, { operation: 'create', resourceType: 'registry', resource: created.name });
    const path = (req.url.split('?')[0] ?? '').replace(/\/+$/, '');
    return reply.code(201).header('location', `${path}/${created.id}`).send();
  });

  app.post('/registries/ping', async (req, reply) => {
    await requireSystem(req, 'registry', 'read');
    const { endpoint, storedId } = await pingTarget(deps, req.body);
    const failure = await ping(req, deps, endpoint);
    if (storedId !== undefined) {
      await replicationApi(deps).registries.setStatus(storedId, failure === undefined ? 'healthy' : 'unhealthy');
    }
    if (failure !== undefined) throw new Invalid('NAME_INVALID', failure);
    return reply.code(200).send();
  });

  app.get<{ Params: { id: string } }>('/registries/:id', async (req) => {
    await requireSystem(req, 'registry', 'read');
    return toRegistryJson(await storedSettings(deps, req.params.id));
  });

  app.put<{ Params: { id: string } }>('/registries/:id', async (req, reply) => {
    await requireSystem(req, 'registry', 'update');
    const existing = await storedSettings(deps, req.params.id);
    const change = readRegistryUpdate(req.body, existing);
    const updated = await replicationApi(deps).registries.update(existing.id, change);
    auditReplication(req, deps, { operation: 'update', resourceType: 'registry', resource: updated.name });
    return reply.code(200).send();
  });

  app.delete<{ Params: { id: string } }>('/registries/:id', async (req, reply) => {
    await requireSystem(req, 'registry', 'delete');
    const existing = await storedSettings(deps, req.params.id);
    await replicationApi(deps).registries.delete(existing.id);
    auditReplication(req, deps, { operation: 'delete', resourceType: 'registry', resource: existing.name });
    return reply.code(200).send();
  });

  app.get<{ Params: { id: string } }>('/registries/:id/info', async (req) => {
    await requireSystem(req, 'registry', 'read');
    const existing = await stored(deps, req.params.id);
    return toRegistryInfoJson(replicationApi(deps).adapters.forEndpoint(existing).info());
  });

  app.get('/replication/adapters', async (req) => {
    await requireSystem(req, 'replication-adapter', 'list');
    return [...REGISTRY_TYPES].sort();
  });

  app.get('/replication/adapterinfos', async (req) => {
    await requireSystem(req, 'replication-adapter', 'list');
    const out: Record<string, unknown> = {};
    for (const type of [...REGISTRY_TYPES].sort()) out[type] = providerInfo(type);
    return out;
  });
};

/** Harbor's RegistryProviderInfo: Docker Hub has one fixed endpoint; the others take any URL. */
function providerInfo(type: RegistryType): Record<string, unknown> {
  const credential_pattern = {
    access_key_type: 'AccessKeyTypeStandard',
    access_key_data: '',
    access_secret_type: 'AccessSecretTypeStandard',
    access_secret_data: '',
  };
  if (type === 'docker-hub') {
    return {
      endpoint_pattern: {
        endpoint_type: 'EndpointPatternTypeFix',
        endpoints: [{ key: 'hub.docker.com', value: 'https://hub.docker.com' }],
      },
      credential_pattern,
    };
  }
  return { endpoint_pattern: { endpoint_type: 'EndpointPatternTypeStandard' }, credential_pattern };
}

async function stored(deps: ApiDeps, raw: string): Promise<RegistryEndpoint> {
  const id = idParam(raw);
  const found = id === undefined ? undefined : await replicationApi(deps).registries.get(id);
  if (!found) throw new NotFound('NAME_UNKNOWN', `registry ${raw.slice(0, 40)} not found`);
  return found;
}

/**
 * A stored endpoint's settings without opening its secret: showing, updating or deleting it must
 * work even when the secret cannot be opened any more (the key file was replaced), since entering
 * the password again is the way out. Only using it (ping, info, replication) opens the secret.
 */
async function storedSettings(deps: ApiDeps, raw: string): Promise<StoredRegistry> {
  replicationApi(deps);
  const id = idParam(raw);
  const found = id === undefined ? undefined : await deps.meta.replication.getRegistry(id);
  if (!found) throw new NotFound('NAME_UNKNOWN', `registry ${raw.slice(0, 40)} not found`);
  return found;
}

function registryType(value: unknown): RegistryType {
  if (typeof value !== 'string' || !(REGISTRY_TYPES as readonly string[]).includes(value)) {
    throw new Invalid('NAME_INVALID', `type must be one of ${REGISTRY_TYPES.join(', ')}`);
  }
  return value as RegistryType;
}

/** An optional string field: absent or null is undefined; anything but a string is `Invalid`. */
function optText(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new Invalid('NAME_INVALID', `${key} must be a string`);
  return v;
}

function optFlag(body: Record<string, unknown>, key: string): boolean | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new Invalid('NAME_INVALID', `${key} must be a boolean`);
  return v;
}

function optRepositories(body: Record<string, unknown>): string[] | undefined {
  const v = body.repositories;
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((r) => typeof r !== 'string')) {
    throw new Invalid('NAME_INVALID', 'repositories must be an array of repository names');
  }
  return v as string[];
}

/** Harbor's credential types; an empty type with a key is basic (what Harbor's portal means). */
function credentialType(raw: string | undefined): RegistryCredential['type'] {
  if (raw === undefined || raw === '' || raw === 'basic') return 'basic';
  if (raw === 'oauth') return 'oauth';
  throw new Invalid('NAME_INVALID', 'credential type must be basic or oauth');
}

function readRegistry(raw: unknown): NewRegistry {
  const body = objectBody(raw, 'the request body (Registry)');
  const input: NewRegistry = {
    name: optText(body, 'name') ?? '',
    type: registryType(body.type),
    url: optText(body, 'url') ?? '',
    description: optText(body, 'description') ?? '',
    insecure: optFlag(body, 'insecure') ?? false,
    caCertificate: optText(body, 'ca_certificate') ?? null,
    repositories: optRepositories(body) ?? [],
  };
  if (body.credential !== undefined && body.credential !== null) {
    const c = objectBody(body.credential, 'credential');
    input.credential = {
      type: credentialType(optText(c, 'type')),
      accessKey: optText(c, 'access_key') ?? '',
      accessSecret: optText(c, 'access_secret') ?? '',
    };
  }
  return input;
}

/**
 * Harbor's RegistryUpdate, merged over `existing`: fields left out stay. A masked secret (what GET
 * shows) counts as no new secret, so a client that sends back what it read changes nothing.
 */
function readRegistryUpdate(raw: unknown, existing: StoredRegistry): RegistryChange {
  const body = objectBody(raw, 'the request body (RegistryUpdate)');
  const change: RegistryChange = {};
  const name = optText(body, 'name');
  if (name !== undefined) change.name = name;
  const description = optText(body, 'description');
  if (description !== undefined) change.description = description;
  const url = optText(body, 'url');
  if (url !== undefined) change.url = url;
  const insecure = optFlag(body, 'insecure');
  if (insecure !== undefined) change.insecure = insecure;
  const ca = optText(body, 'ca_certificate');
  if (ca !== undefined) change.caCertificate = ca === '' ? null : ca;
  const repositories = optRepositories(body);
  if (repositories !== undefined) change.repositories = repositories;
  const type = optText(body, 'credential_type');
  const key = optText(body, 'access_key');
  let secret = optText(body, 'access_secret');
  if (secret === MASKED_SECRET) secret = undefined;
  if (type !== undefined || key !== undefined || secret !== undefined) {
    change.credential = {
      type: credentialType(type ?? existing.credential?.type),
      accessKey: key ?? existing.credential?.accessKey ?? '',
      accessSecret: secret ?? '',
    };
  }
  return change;
}

/**
 * The endpoint a RegistryPing names: a stored one by id, with any fields the body gives laid over
 * it (then its status is left alone: the test was not of the stored settings), or one described in
 * full by type and url.
 */
async function pingTarget(deps: ApiDeps, raw: unknown): Promise<{ endpoint: RegistryEndpoint; storedId?: number }> {
  const body = objectBody(raw, 'the request body (RegistryPing)');
  const overlay = ['type', 'url', 'credential_type', 'access_key', 'access_secret', 'insecure', 'ca_certificate']
    .filter((k) => body[k] !== undefined && body[k] !== null)
    .filter((k) => !(k === 'access_secret' && body[k] === MASKED_SECRET));
  let base: RegistryEndpoint | undefined;
  if (body.id !== undefined && body.id !== null) {
    if (typeof body.id !== 'number' || !Number.isSafeInteger(body.id)) {
      throw new Invalid('NAME_INVALID', 'id must be an integer');
    }
    base = await replicationApi(deps).registries.get(body.id);
    if (!base) throw new NotFound('NAME_UNKNOWN', `registry ${body.id} not found`);
    if (overlay.length === 0) return { endpoint: base, storedId: base.id };
  }
  if (!base && (optText(body, 'type') ?? '') === '') throw new Invalid('NAME_INVALID', 'type or url cannot be empty');
  const key = optText(body, 'access_key') ?? base?.credential?.accessKey ?? '';
  let secret = optText(body, 'access_secret');
  const url = optText(body, 'url') ?? base?.url ?? '';
  // The stored secret is only ever sent to the stored endpoint's own origin (see RegistryService.update).
  const storedSecret = base && sameOrigin(base.url, url) ? (base.credential?.accessSecret ?? '') : '';
  if (secret === undefined || secret === '' || secret === MASKED_SECRET) secret = storedSecret;
  const valid = validateRegistry({
    name: base?.name ?? 'ping',
    type: base && body.type === undefined ? base.type : registryType(body.type),
    url,
    credential: {
      type: credentialType(optText(body, 'credential_type') ?? base?.credential?.type),
      accessKey: key,
      accessSecret: secret,
    },
    insecure: optFlag(body, 'insecure') ?? base?.insecure ?? false,
    caCertificate: optText(body, 'ca_certificate') ?? base?.caCertificate ?? null,
    repositories: base?.repositories ?? [],
  });
  const now = new Date();
  // Not a stored endpoint: an id no row has, so nothing keyed by id mistakes it for one.
  return { endpoint: { ...valid, id: -1, status: 'unknown', creationTime: now, updateTime: now } };
}

/** Runs the adapter's connection test; undefined when it passed, else the reason (secret scrubbed). */
async function ping(req: FastifyRequest, deps: ApiDeps, endpoint: RegistryEndpoint): Promise<string | undefined> {
  // The connection, not the request: a request's own 'close' fires once its body has been read.
  const socket = req.raw.socket;
  const closed = new AbortController();
  const onClose = () => closed.abort(new Error('the client went away'));
  socket.once('close', onClose);
  const signal = AbortSignal.any([closed.signal, AbortSignal.timeout(PING_TIMEOUT_MS)]);
  try {
    await replicationApi(deps).adapters.forEndpoint(endpoint).ping(signal);
    return undefined;
  } catch (err) {
    const timedOut = signal.aborted && !closed.signal.aborted;
    const reason = timedOut
      ? `the registry did not answer within ${PING_TIMEOUT_MS / 1000} s`
      : err instanceof Error
        ? err.message
        : String(err);
    const secret = endpoint.credential?.accessSecret ?? '';
    const message = `failed to ping registry ${endpoint.url}: ${secret.length > 0 ? reason.split(secret).join(MASKED_SECRET) : reason}`;
    req.log.info({ registry: endpoint.url, type: endpoint.type }, 'registry ping failed');
    return message;
  } finally {
    socket.off('close', onClose);
  }
}
