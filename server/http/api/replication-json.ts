import type { FastifyRequest } from 'fastify';
import { Invalid, Unsupported } from '../../core/errors.js';
import {
  LOCAL_REGISTRY_ID,
  type AdapterInfo,
  type RegistryEndpoint,
  type ReplicationApi,
  type ReplicationPolicy,
} from '../../replicate/replication-contract.js';
import type { ApiDeps } from './api-deps.js';
import { ZERO_TIME, harborTime } from './json-shape.js';
import { objectBody } from './scan-json.js';

/**
 * What the replication routes share: the service (405 where it is not wired, as the scanner's and
 * GC's routes answer), Harbor's Registry and ReplicationPolicy JSON, and the audit record. No
 * secret ever leaves through here: a stored credential's secret is always `*****`.
 */

export const MASKED_SECRET = '*****';

export function replicationApi(deps: ApiDeps): ReplicationApi {
  if (!deps.replication) throw new Unsupported('replication is not available on this server');
  return deps.replication;
}

export interface RegistryJson {
  id: number;
  name: string;
  description: string;
  type: string;
  url: string;
  insecure: boolean;
  ca_certificate: string;
  status: string;
  credential: { type: string; access_key: string; access_secret: string };
  repositories: string[];
  creation_time: string;
  update_time: string;
}

/** An endpoint as shown: its credential's secret is never needed (nor opened) to show it. */
export type ShownRegistry = Omit<RegistryEndpoint, 'credential'> & {
  credential: { type: string; accessKey: string } | null;
};

export function toRegistryJson(r: ShownRegistry): RegistryJson {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    type: r.type,
    url: r.url,
    insecure: r.insecure,
    ca_certificate: r.caCertificate ?? '',
    status: r.status,
    credential: r.credential
      ? { type: r.credential.type, access_key: r.credential.accessKey, access_secret: MASKED_SECRET }
      : { type: '', access_key: '', access_secret: '' },
    repositories: [...r.repositories],
    creation_time: harborTime(r.creationTime),
    update_time: harborTime(r.updateTime),
  };
}

/** The URL clients reach this Berth at: the configured external URL, else the request's own origin. */
export function localUrl(req: FastifyRequest, deps: ApiDeps): string {
  return (deps.system.externalUrl ?? `${req.protocol}://${req.host}`).replace(/\/+$/, '');
}

/** This Berth as a policy's side, as Harbor shows its local registry (id 0, type harbor). */
export function localRegistryJson(url: string): RegistryJson {
  return {
    id: LOCAL_REGISTRY_ID,
    name: 'Local',
    description: '',
    type: 'harbor',
    url,
    insecure: true,
    ca_certificate: '',
    status: 'healthy',
    credential: { type: '', access_key: '', access_secret: '' },
    repositories: [],
    creation_time: ZERO_TIME,
    update_time: ZERO_TIME,
  };
}

export function toPolicyJson(p: ReplicationPolicy, side: (id: number) => RegistryJson | null): Record<string, unknown> {
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    enabled: p.enabled,
    src_registry: side(p.srcRegistryId),
    dest_registry: side(p.destRegistryId),
    dest_namespace: p.destNamespace,
    dest_namespace_replace_count: p.destNamespaceReplaceCount,
    trigger: { type: p.trigger.type, trigger_settings: { cron: p.trigger.cron ?? '' } },
    filters: p.filters.map((f) => ({
      type: f.type,
      value: f.value,
      ...(f.decoration === undefined ? {} : { decoration: f.decoration }),
    })),
    replicate_deletion: p.replicateDeletion,
    deletion: p.replicateDeletion,
    override: p.override,
    speed: p.speedKbps,
    copy_by_chunk: p.copyByChunk,
    single_active_replication: p.singleActive,
    concurrency: p.concurrency,
    copy_referrers: p.copyReferrers,
    creation_time: harborTime(p.creationTime),
    update_time: harborTime(p.updateTime),
  };
}

/** Harbor's RegistryInfo. */
export function toRegistryInfoJson(info: AdapterInfo): Record<string, unknown> {
  return {
    type: info.type,
    description: info.description,
    supported_resource_filters: info.supportedResourceFilters.map((f) => ({
      type: f.type,
      style: f.style,
      ...(f.values === undefined ? {} : { values: [...f.values] }),
    })),
    supported_triggers: [...info.supportedTriggers],
    supported_copy_by_chunk: info.supportedCopyByChunk,
  };
}

export function auditReplication(
  req: FastifyRequest,
  deps: ApiDeps,
  entry: { operation: 'create' | 'update' | 'delete'; resourceType: string; resource: string; detail?: string },
): void {
  deps.audit.record({
    username: req.security.name,
    clientIp: req.ip,
    operation: entry.operation,
    resourceType: entry.resourceType,
    resource: entry.resource,
    project: null,
    success: true,
    detail: entry.detail ?? null,
  });
}

/** A path parameter that must be a positive id; anything else names nothing (404). */
export function idParam(raw: string): number | undefined {
  if (!/^\d{1,15}$/.test(raw)) return undefined;
  const id = Number(raw);
  return id > 0 ? id : undefined;
}

/** A registry reference: null/absent or `{id: 0}` is this Berth, else `{id: n}`. */
export function registryRef(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (value === null) return LOCAL_REGISTRY_ID;
  const ref = objectBody(value, field);
  if (ref.id === undefined || ref.id === null) return LOCAL_REGISTRY_ID;
  if (typeof ref.id !== 'number' || !Number.isSafeInteger(ref.id) || ref.id < 0) {
    throw new Invalid('NAME_INVALID', `${field}.id must be a registry id`);
  }
  return ref.id;
}
