import { matchesArtifact, matchesRepository, selectTags, tagsRequired } from '../filters.js';
import { destinationRepository } from '../naming.js';
import {
  REPLICATION_JOB_TYPES,
  type ReplicationFilter,
  type ReplicationPolicy,
  type ReplicationTaskParams,
  type SourceArtifact,
} from '../replication-contract.js';
import type { NewTask, Trigger } from '../../jobs/job-types.js';

/** Task priority within the copy queue: a user waiting first, then pushes, then schedules. */
export const PRIORITY: Record<Trigger, number> = { MANUAL: 10, EVENT: 5, SCHEDULE: 0 };

/**
 * Re-checks an artifact the source listed against every filter (adapters filter what their listing
 * can tell; this is the one place that decides), keeping only the tags that pass. Undefined when it
 * is not replicated: name or label/resource filters fail, no tag passes, or it is untagged while a
 * tag filter asks for tags (or the source gave neither tag nor digest to copy it by).
 */
export function selectArtifact(filters: readonly ReplicationFilter[], a: SourceArtifact): SourceArtifact | undefined {
  if (!matchesRepository(filters, a.repository)) return undefined;
  const tags = a.tags.length > 0 ? selectTags(filters, a.tags) : [];
  if (a.tags.length > 0 && tags.length === 0) return undefined;
  if (a.tags.length === 0 && (!a.digest || tagsRequired(filters))) return undefined;
  if (!matchesArtifact(filters, a)) return undefined;
  return { ...a, tags };
}

type Naming = Pick<ReplicationPolicy, 'id' | 'destNamespace' | 'destNamespaceReplaceCount'>;

/** The copy task of a selected artifact; one per (execution, destination repository, digest or tag). */
export function copyTask(executionId: number | 'event', policy: Naming, a: SourceArtifact, trigger: Trigger): NewTask {
  const dstRepository = destinationRepository(policy, a.repository);
  const [first, ...rest] = a.tags;
  const params: ReplicationTaskParams = {
    policyId: policy.id,
    operation: 'copy',
    resourceType: a.resourceType ?? 'image',
    srcRepository: a.repository,
    srcReference: first ?? (a.digest as string),
    extraTags: rest,
    dstRepository,
    ...(a.digest ? { digest: a.digest } : {}),
  };
  return {
    jobType: REPLICATION_JOB_TYPES.copy,
    params: { ...params },
    dedupeKey: executionId === 'event' ? null : `replication:${executionId}:${dstRepository}:${a.digest ?? first}`,
    priority: PRIORITY[trigger],
  };
}

/** The deletion task of an event: a tag, or a whole artifact by digest. */
export function deleteTask(policy: Naming, repository: string, reference: string): NewTask {
  const params: ReplicationTaskParams = {
    policyId: policy.id,
    operation: 'deletion',
    resourceType: 'image',
    srcRepository: repository,
    srcReference: reference,
    extraTags: [],
    dstRepository: destinationRepository(policy, repository),
    ...(reference.includes(':') ? { digest: reference } : {}),
  };
  return { jobType: REPLICATION_JOB_TYPES.delete, params: { ...params }, priority: PRIORITY.EVENT };
}
