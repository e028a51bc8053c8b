import type { Logger } from 'pino';
import { Invalid, NotFound } from '../core/errors.js';
import { MAX_NAME_LENGTH, isValidRepositoryName } from '../core/names.js';
import { parseCron } from '../jobs/schedule-time.js';
import type { MetaStore } from '../meta/meta-store.js';
import { validateFilters } from './filters.js';
import { hasControl } from './registry-service.js';
import {
  LOCAL_REGISTRY_ID,
  type NewPolicy,
  type ReplicationPolicies,
  type ReplicationPolicy,
  type ReplicationRegistries,
  type TriggerType,
} from './replication-contract.js';

type ChangeListener = (policy: ReplicationPolicy | { id: number; deleted: true }) => void;

const TRIGGERS: readonly TriggerType[] = ['manual', 'scheduled', 'event_based'];
const MAX_TEXT = 1024;
export const MAX_CONCURRENCY = 32;
export const DEFAULT_CONCURRENCY = 4;
/** Deeper than any repository path Berth accepts (255 characters, so at most 128 components). */
const MAX_REPLACE_COUNT = 128;

/**
 * What a policy body that leaves a setting out gets. Harbor's API would take Go zero values (a
 * disabled policy that never overrides); Berth takes what Harbor's policy editor pre-selects
 * (enabled, override) so a minimal API call makes a working policy, plus its own additions.
 */
export const POLICY_DEFAULTS = {
  enabled: true,
  override: true,
  replicateDeletion: false,
  speedKbps: 0,
  copyByChunk: false,
  singleActive: false,
  concurrency: DEFAULT_CONCURRENCY,
  copyReferrers: true,
  destNamespace: '',
  destNamespaceReplaceCount: -1,
} as const;

/**
 * Replication policies (`ReplicationPolicies`): Harbor's rules checked here (exactly one side is
 * this Berth, the other an existing endpoint; filters; a six-field cron for scheduled triggers),
 * stored by `meta.replication` (which re-checks the endpoint inside its transaction). Listeners
 * hear every committed change, after the commit, so schedules and the event listener follow.
 */
export class PolicyService implements ReplicationPolicies {
  private readonly meta: MetaStore;
  private readonly registries: ReplicationRegistries;
  private readonly log: Logger | undefined;
  private readonly listeners: ChangeListener[] = [];

  constructor(options: { meta: MetaStore; registries: ReplicationRegistries; log?: Logger }) {
    this.meta = options.meta;
    this.registries = options.registries;
    this.log = options.log;
  }

  async list(query: { name?: string; page: number; pageSize: number }) {
    return this.meta.replication.listPolicies({
      ...(query.name ? { name: query.name } : {}),
      offset: (query.page - 1) * query.pageSize,
      limit: query.pageSize,
    });
  }

  async get(id: number): Promise<ReplicationPolicy | undefined> {
    return this.meta.replication.getPolicy(id);
  }

  async create(input: NewPolicy): Promise<ReplicationPolicy> {
    const valid = await this.validate(input);
    const created = await this.meta.replication.createPolicy(valid);
    this.emit(created);
    return created;
  }

  async update(id: number, input: NewPolicy): Promise<ReplicationPolicy> {
    if (!(await this.meta.replication.getPolicy(id))) {
      throw new NotFound('NAME_UNKNOWN', `replication policy ${id} not found`);
    }
    const valid = await this.validate(input);
    const updated = await this.meta.replication.updatePolicy(id, valid);
    this.emit(updated);
    return updated;
  }

  async delete(id: number): Promise<void> {
    if (!(await this.meta.replication.deletePolicy(id))) {
      throw new NotFound('NAME_UNKNOWN', `replication policy ${id} not found`);
    }
    this.emit({ id, deleted: true });
  }

  async eventBased(): Promise<ReplicationPolicy[]> {
    return this.meta.replication.policiesByTrigger('event_based');
  }

  onChange(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  private emit(change: ReplicationPolicy | { id: number; deleted: true }): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (err) {
        // The change is committed; a listener's failure must not turn it into an error for the caller.
        this.log?.error({ err, policyId: change.id }, 'replication policy change listener failed');
      }
    }
  }

  /** Checks a policy against Harbor's rules and returns it normalised. Throws `Invalid`. */
  async validate(input: NewPolicy): Promise<NewPolicy> {
    const name = typeof input.name === 'string' ? input.name.trim() : '';
    if (name === '' || name.length > MAX_NAME_LENGTH || hasControl(name)) {
      throw new Invalid('NAME_INVALID', `name must be 1 to ${MAX_NAME_LENGTH} printable characters`);
    }
    if (typeof input.description !== 'string' || input.description.length > MAX_TEXT) {
      throw new Invalid('NAME_INVALID', `description must be a string of at most ${MAX_TEXT} characters`);
    }
    const src = integer('src_registry.id', input.srcRegistryId, 0, Number.MAX_SAFE_INTEGER);
    const dest = integer('dest_registry.id', input.destRegistryId, 0, Number.MAX_SAFE_INTEGER);
    if ((src === LOCAL_REGISTRY_ID) === (dest === LOCAL_REGISTRY_ID)) {
      throw new Invalid(
        'NAME_INVALID',
        'exactly one of src_registry and dest_registry must be this registry (id 0): push-based or pull-based',
      );
    }
    const remote = src === LOCAL_REGISTRY_ID ? dest : src;
    if (!(await this.registries.get(remote))) {
      throw new Invalid('NAME_INVALID', `registry ${remote} does not exist`);
    }
    const trigger = validateTrigger(input.trigger);
    if (trigger.type === 'event_based' && src !== LOCAL_REGISTRY_ID) {
      // Berth hears only its own pushes and deletions; a remote source sends no events.
      throw new Invalid('NAME_INVALID', 'an event_based trigger needs this registry as the source (push-based)');
    }
    const destNamespace = typeof input.destNamespace === 'string' ? input.destNamespace.trim() : '';
    if (destNamespace !== '' && !isValidRepositoryName(destNamespace)) {
      throw new Invalid('NAME_INVALID', `dest_namespace "${destNamespace.slice(0, 80)}" is not a valid namespace`);
    }
    return {
      name,
      description: input.description,
      srcRegistryId: src,
      destRegistryId: dest,
      destNamespace,
      destNamespaceReplaceCount: integer(
        'dest_namespace_replace_count',
        input.destNamespaceReplaceCount,
        -1,
        MAX_REPLACE_COUNT,
      ),
      trigger,
      filters: validateFilters(input.filters),
      replicateDeletion: flag('replicate_deletion', input.replicateDeletion),
      override: flag('override', input.override),
      enabled: flag('enabled', input.enabled),
      speedKbps: integer('speed', input.speedKbps, -1, 2 ** 31 - 1),
      copyByChunk: flag('copy_by_chunk', input.copyByChunk),
      singleActive: flag('single_active_replication', input.singleActive),
      concurrency: integer('concurrency', input.concurrency, 1, MAX_CONCURRENCY),
      copyReferrers: flag('copy_referrers', input.copyReferrers),
    };
  }
}

function validateTrigger(trigger: NewPolicy['trigger'] | undefined): NewPolicy['trigger'] {
  const type = trigger?.type;
  if (!type || !TRIGGERS.includes(type)) {
    throw new Invalid('NAME_INVALID', `trigger.type must be one of ${TRIGGERS.join(', ')}`);
  }
  if (type !== 'scheduled') return { type };
  const cron = typeof trigger.cron === 'string' ? trigger.cron.trim() : '';
  if (cron === '') throw new Invalid('NAME_INVALID', 'a scheduled trigger needs trigger_settings.cron');
  const fields = cron.split(/\s+/).length;
  if (fields !== 6) {
    throw new Invalid('NAME_INVALID', `trigger_settings.cron "${cron}" must have 6 fields (seconds first)`);
  }
  parseCron(cron);
  return { type, cron };
}

function integer(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new Invalid('NAME_INVALID', `${field} must be an integer from ${min} to ${max}`);
  }
  return value;
}

function flag(field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new Invalid('NAME_INVALID', `${field} must be a boolean`);
  return value;
}
