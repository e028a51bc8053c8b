import type { FilterJson, Policy, PolicyBody, ReplicationExecution, TriggerType } from './types';

/**
 * The policy editor's form and the API's policy JSON, both ways. The form speaks in the words a
 * person chooses in (push or pull, one remote endpoint, one filter of each kind); the JSON is
 * Harbor's (source and destination registries, a filter list).
 */

/** This Berth in a policy's `src_registry` / `dest_registry`. */
export const LOCAL_ID = 0;

export type Mode = 'push' | 'pull';
export type ResourceChoice = 'all' | 'image' | 'artifact';

/** Harbor's flattening levels (`dest_namespace_replace_count`): 0 none, n levels, -1 all. */
export const FLATTEN_LEVELS = [0, 1, 2, 3, -1] as const;

export interface PolicyFormValues {
  name: string;
  description: string;
  mode: Mode;
  /** The remote endpoint: the destination of a push, the source of a pull. */
  remoteId?: number;
  nameFilter: string;
  tagFilter: string;
  tagDecoration: 'matches' | 'excludes';
  labels: string[];
  labelDecoration: 'matches' | 'excludes';
  resource: ResourceChoice;
  destNamespace: string;
  flatten: number;
  triggerType: TriggerType;
  cron: string;
  replicateDeletion: boolean;
  override: boolean;
  enabled: boolean;
  /** KB/s; -1 or 0 is no limit. */
  speed: number;
  concurrency: number;
  copyReferrers: boolean;
  copyByChunk: boolean;
  singleActive: boolean;
}

export const DEFAULT_POLICY_FORM: PolicyFormValues = {
  name: '',
  description: '',
  mode: 'push',
  remoteId: undefined,
  nameFilter: '',
  tagFilter: '',
  tagDecoration: 'matches',
  labels: [],
  labelDecoration: 'matches',
  resource: 'all',
  destNamespace: '',
  // Harbor's editor starts at one level: `library/a` into namespace `mirror` becomes `mirror/a`.
  flatten: 1,
  triggerType: 'manual',
  cron: '0 0 * * * *',
  replicateDeletion: false,
  override: true,
  enabled: true,
  speed: -1,
  concurrency: 4,
  copyReferrers: true,
  copyByChunk: false,
  singleActive: true,
};

function isLocal(side: { id: number } | null | undefined): boolean {
  return !side || side.id === LOCAL_ID;
}

/** Push-based when the source is this Berth; pull-based when the destination is. */
export function modeOf(policy: Pick<Policy, 'src_registry' | 'dest_registry'>): Mode {
  return isLocal(policy.src_registry) ? 'push' : 'pull';
}

/** The remote side of a policy (the destination of a push, the source of a pull). */
export function remoteOf(policy: Pick<Policy, 'src_registry' | 'dest_registry'>) {
  return modeOf(policy) === 'push' ? policy.dest_registry : policy.src_registry;
}

export function toPolicyBody(v: PolicyFormValues): PolicyBody {
  const remote = { id: v.remoteId ?? LOCAL_ID };
  const local = { id: LOCAL_ID };
  const filters: FilterJson[] = [];
  if (v.nameFilter.trim()) filters.push({ type: 'name', value: v.nameFilter.trim() });
  if (v.tagFilter.trim()) filters.push({ type: 'tag', value: v.tagFilter.trim(), decoration: v.tagDecoration });
  const labels = v.labels.map((l) => l.trim()).filter(Boolean);
  if (labels.length > 0) filters.push({ type: 'label', value: labels, decoration: v.labelDecoration });
  if (v.resource !== 'all') filters.push({ type: 'resource', value: v.resource });
  const eventBased = v.triggerType === 'event_based';
  return {
    name: v.name.trim(),
    description: v.description,
    enabled: v.enabled,
    src_registry: v.mode === 'push' ? local : remote,
    dest_registry: v.mode === 'push' ? remote : local,
    dest_namespace: v.destNamespace.trim(),
    dest_namespace_replace_count: v.flatten,
    trigger: {
      type: v.triggerType,
      trigger_settings: v.triggerType === 'scheduled' ? { cron: v.cron.trim() } : {},
    },
    filters,
    // Deletions are synced by events only: Harbor shows the switch with the event-based trigger.
    replicate_deletion: eventBased && v.replicateDeletion,
    override: v.override,
    speed: v.speed > 0 ? Math.round(v.speed) : -1,
    copy_by_chunk: v.copyByChunk,
    single_active_replication: v.singleActive,
    concurrency: v.concurrency,
    copy_referrers: v.copyReferrers,
  };
}

function firstFilter(filters: FilterJson[] | null | undefined, type: FilterJson['type']): FilterJson | undefined {
  return (filters ?? []).find((f) => f.type === type);
}

function asText(value: FilterJson['value'] | undefined): string {
  if (value === undefined) return '';
  return Array.isArray(value) ? value.join(',') : value;
}

export function fromPolicy(p: Policy): PolicyFormValues {
  const mode = modeOf(p);
  const tag = firstFilter(p.filters, 'tag');
  const label = firstFilter(p.filters, 'label');
  const resource = asText(firstFilter(p.filters, 'resource')?.value);
  const labels = label ? (Array.isArray(label.value) ? label.value : label.value.split(',')).filter(Boolean) : [];
  return {
    name: p.name,
    description: p.description ?? '',
    mode,
    remoteId: remoteOf(p)?.id,
    nameFilter: asText(firstFilter(p.filters, 'name')?.value),
    tagFilter: asText(tag?.value),
    tagDecoration: tag?.decoration ?? 'matches',
    labels,
    labelDecoration: label?.decoration ?? 'matches',
    resource: resource === 'image' || resource === 'artifact' ? resource : 'all',
    destNamespace: p.dest_namespace ?? '',
    flatten: p.dest_namespace_replace_count,
    triggerType: p.trigger?.type ?? 'manual',
    cron: p.trigger?.trigger_settings?.cron || DEFAULT_POLICY_FORM.cron,
    replicateDeletion: p.replicate_deletion,
    override: p.override,
    enabled: p.enabled,
    speed: p.speed > 0 ? p.speed : -1,
    concurrency: p.concurrency || DEFAULT_POLICY_FORM.concurrency,
    copyReferrers: p.copy_referrers ?? true,
    copyByChunk: p.copy_by_chunk,
    singleActive: p.single_active_replication,
  };
}

/** What the preview must see to be worth asking for: a name and a chosen remote. */
export function previewable(v: Partial<PolicyFormValues>): boolean {
  return typeof v.remoteId === 'number' && v.remoteId > 0;
}

/** Executions that still move (Harbor's status word; the job system's in case one leaks through). */
export function isRunning(e: Pick<ReplicationExecution, 'status'>): boolean {
  return e.status === 'InProgress' || e.status === 'Running' || e.status === 'Pending';
}

/** Parts of the execution's progress bar, percentages that add up to at most 100. */
export function progressParts(
  e: Pick<ReplicationExecution, 'total' | 'succeed' | 'failed' | 'stopped' | 'in_progress'>,
) {
  const total = Math.max(e.total, e.succeed + e.failed + e.stopped + e.in_progress);
  const pct = (n: number) => (total > 0 ? (n / total) * 100 : 0);
  return {
    total,
    done: e.succeed + e.failed + e.stopped,
    succeed: pct(e.succeed),
    failed: pct(e.failed),
    stopped: pct(e.stopped),
    inProgress: pct(e.in_progress),
  };
}

/** A bandwidth limit in words' units: -1/0 none, else KB/s or MB/s. */
export function speedText(speed: number): string | null {
  if (!(speed > 0)) return null;
  return speed >= 1024 && speed % 1024 === 0 ? `${speed / 1024} MB/s` : `${speed} KB/s`;
}
