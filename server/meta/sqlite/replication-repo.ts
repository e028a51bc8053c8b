import type { Insertable, Selectable } from 'kysely';
import { Conflict, Invalid, NotFound } from '../../core/errors.js';
import {
  LOCAL_REGISTRY_ID,
  type NewPolicy,
  type RegistryHealth,
  type RegistryType,
  type ReplicationFilter,
  type ReplicationPolicy,
} from '../../replicate/replication-contract.js';
import type { Filter, Page } from '../list-query.js';
import type { ReplicationRepo, StoredRegistry, StoredRegistryInput } from '../replication-types.js';
import type { ArgFn, SqlExecutor } from './executor.js';
import { listPage, type ListSpec } from './list-sql.js';
import type { ReplicationPoliciesTable, ReplicationRegistriesTable } from './schema-replication.js';

type RegistryRow = Selectable<ReplicationRegistriesTable>;
type PolicyRow = Selectable<ReplicationPoliciesTable>;
type RegistryColumns = Omit<Insertable<ReplicationRegistriesTable>, 'id' | 'status' | 'created_at' | 'updated_at'>;
type PolicyColumns = Omit<Insertable<ReplicationPoliciesTable>, 'id' | 'created_at'>;

const REGISTRY_LIST: ListSpec = {
  keys: {
    name: { column: 'name', type: 'text', ops: ['fuzzy'] },
    type: { column: 'type', type: 'text' },
  },
  sortable: {},
  defaultSort: [{ column: 'id', desc: false }],
};
const POLICY_LIST: ListSpec = {
  keys: { name: { column: 'name', type: 'text', ops: ['fuzzy'] } },
  sortable: {},
  defaultSort: [{ column: 'id', desc: false }],
};

/**
 * Replication endpoints and policies. Names are unique per table (checked first, so the caller hears
 * which name; the unique index catches a concurrent writer). A policy's remote side is checked inside
 * its write transaction and a registry's users inside its delete, so neither can race the other.
 */
export class SqliteReplicationRepo implements ReplicationRepo {
  private readonly registryById;
  private readonly registryByName;
  private readonly insertRegistry;
  private readonly updateRegistryRow;
  private readonly deleteRegistryRow;
  private readonly setStatus;
  private readonly policyUsing;
  private readonly policyById;
  private readonly policyByName;
  private readonly policiesOfTrigger;
  private readonly insertPolicy;
  private readonly updatePolicyRow;
  private readonly deletePolicyRow;

  constructor(private readonly sql: SqlExecutor) {
    const qb = sql.qb;
    this.registryById = sql.prepare((arg: ArgFn<{ id: number }>) =>
      qb.selectFrom('replication_registries').selectAll().where('id', '=', arg('id')),
    );
    this.registryByName = sql.prepare((arg: ArgFn<{ name: string }>) =>
      qb.selectFrom('replication_registries').select('id').where('name', '=', arg('name')),
    );
    this.insertRegistry = sql.prepare((arg: ArgFn<RegistryColumns & { now: number }>) =>
      qb
        .insertInto('replication_registries')
        .values({ ...registryArgs(arg), status: 'unknown', created_at: arg('now'), updated_at: arg('now') })
        .returning('id'),
    );
    this.updateRegistryRow = sql.prepare((arg: ArgFn<RegistryColumns & { id: number; now: number }>) =>
      qb
        .updateTable('replication_registries')
        .set({ ...registryArgs(arg), updated_at: arg('now') })
        .where('id', '=', arg('id')),
    );
    this.deleteRegistryRow = sql.prepare((arg: ArgFn<{ id: number }>) =>
      qb.deleteFrom('replication_registries').where('id', '=', arg('id')),
    );
    // Health is an observation, not an edit: update_time stays the last change of the settings.
    this.setStatus = sql.prepare((arg: ArgFn<{ id: number; status: string }>) =>
      qb
        .updateTable('replication_registries')
        .set({ status: arg('status') })
        .where('id', '=', arg('id')),
    );
    this.policyUsing = sql.prepare((arg: ArgFn<{ id: number }>) =>
      qb
        .selectFrom('replication_policies')
        .select('name')
        .where((eb) => eb.or([eb('src_registry_id', '=', arg('id')), eb('dest_registry_id', '=', arg('id'))]))
        .orderBy('id')
        .limit(5),
    );
    this.policyById = sql.prepare((arg: ArgFn<{ id: number }>) =>
      qb.selectFrom('replication_policies').selectAll().where('id', '=', arg('id')),
    );
    this.policyByName = sql.prepare((arg: ArgFn<{ name: string }>) =>
      qb.selectFrom('replication_policies').select('id').where('name', '=', arg('name')),
    );
    this.policiesOfTrigger = sql.prepare((arg: ArgFn<{ type: string }>) =>
      qb
        .selectFrom('replication_policies')
        .selectAll()
        .where('trigger_type', '=', arg('type'))
        .where('enabled', '=', 1)
        .orderBy('id'),
    );
    this.insertPolicy = sql.prepare((arg: ArgFn<PolicyColumns & { now: number }>) =>
      qb
        .insertInto('replication_policies')
        .values({ ...policyArgs(arg), created_at: arg('now') })
        .returning('id'),
    );
    this.updatePolicyRow = sql.prepare((arg: ArgFn<PolicyColumns & { id: number }>) =>
      qb.updateTable('replication_policies').set(policyArgs(arg)).where('id', '=', arg('id')),
    );
    this.deletePolicyRow = sql.prepare((arg: ArgFn<{ id: number }>) =>
      qb.deleteFrom('replication_policies').where('id', '=', arg('id')),
    );
  }

  async listRegistries(query: {
    name?: string;
    type?: string;
    offset: number;
    limit: number;
  }): Promise<Page<StoredRegistry>> {
    const filters: Filter[] = [];
    if (query.name) filters.push({ key: 'name', kind: 'fuzzy', value: query.name });
    if (query.type) filters.push({ key: 'type', kind: 'exact', value: query.type });
    const base = this.sql.qb.selectFrom('replication_registries').selectAll();
    return listPage(
      this.sql,
      base,
      { filters, sort: [], offset: query.offset, limit: query.limit },
      REGISTRY_LIST,
      toRegistry,
    );
  }

  async getRegistry(id: number): Promise<StoredRegistry | undefined> {
    const row = this.registryById.get({ id });
    return row && toRegistry(row);
  }

  async createRegistry(input: StoredRegistryInput, now = new Date()): Promise<StoredRegistry> {
    return this.sql.transaction(() => {
      this.refuseRegistryName(input.name, -1);
      const row = this.insertRegistry.get({ ...registryColumns(input), now: now.getTime() });
      if (!row) throw new Error('registry insert returned no id');
      return this.loadRegistry(row.id);
    });
  }

  async updateRegistry(id: number, input: StoredRegistryInput, now = new Date()): Promise<StoredRegistry> {
    return this.sql.transaction(() => {
      if (!this.registryById.get({ id })) throw new NotFound('NAME_UNKNOWN', `registry ${id} not found`);
      this.refuseRegistryName(input.name, id);
      this.updateRegistryRow.run({ ...registryColumns(input), id, now: now.getTime() });
      return this.loadRegistry(id);
    });
  }

  async deleteRegistry(id: number): Promise<boolean> {
    return this.sql.transaction(() => {
      const row = this.registryById.get({ id });
      if (!row) return false;
      const users = this.policyUsing.all({ id }).map((p) => p.name);
      if (users.length > 0) {
        // Harbor answers 412 for a registry still referenced by policies.
        throw new Conflict(
          'PRECONDITION',
          `registry ${row.name} is used by replication policies (${users.join(', ')}); delete or change them first`,
        );
      }
      return this.deleteRegistryRow.run({ id }) > 0;
    });
  }

  async setRegistryStatus(id: number, status: RegistryHealth): Promise<boolean> {
    return this.setStatus.run({ id, status }) > 0;
  }

  async listPolicies(query: { name?: string; offset: number; limit: number }): Promise<Page<ReplicationPolicy>> {
    const filters: Filter[] = query.name ? [{ key: 'name', kind: 'fuzzy', value: query.name }] : [];
    const base = this.sql.qb.selectFrom('replication_policies').selectAll();
    return listPage(
      this.sql,
      base,
      { filters, sort: [], offset: query.offset, limit: query.limit },
      POLICY_LIST,
      toPolicy,
    );
  }

  async getPolicy(id: number): Promise<ReplicationPolicy | undefined> {
    const row = this.policyById.get({ id });
    return row && toPolicy(row);
  }

  async policiesByTrigger(type: ReplicationPolicy['trigger']['type']): Promise<ReplicationPolicy[]> {
    return this.policiesOfTrigger.all({ type }).map(toPolicy);
  }

  async createPolicy(input: NewPolicy, now = new Date()): Promise<ReplicationPolicy> {
    return this.sql.transaction(() => {
      this.refusePolicyName(input.name, -1);
      this.requireRegistries(input);
      const row = this.insertPolicy.get({ ...policyColumns(input, now), now: now.getTime() });
      if (!row) throw new Error('policy insert returned no id');
      return this.loadPolicy(row.id);
    });
  }

  async updatePolicy(id: number, input: NewPolicy, now = new Date()): Promise<ReplicationPolicy> {
    return this.sql.transaction(() => {
      if (!this.policyById.get({ id })) throw new NotFound('NAME_UNKNOWN', `replication policy ${id} not found`);
      this.refusePolicyName(input.name, id);
      this.requireRegistries(input);
      this.updatePolicyRow.run({ ...policyColumns(input, now), id });
      return this.loadPolicy(id);
    });
  }

  async deletePolicy(id: number): Promise<boolean> {
    return this.deletePolicyRow.run({ id }) > 0;
  }

  private refuseRegistryName(name: string, id: number): void {
    const other = this.registryByName.get({ name });
    if (other && other.id !== id) throw new Conflict('DENIED', `a registry named ${name} already exists`);
  }

  private refusePolicyName(name: string, id: number): void {
    const other = this.policyByName.get({ name });
    if (other && other.id !== id) throw new Conflict('DENIED', `a replication policy named ${name} already exists`);
  }

  private requireRegistries(input: NewPolicy): void {
    for (const [side, id] of [
      ['source', input.srcRegistryId],
      ['destination', input.destRegistryId],
    ] as const) {
      if (id !== LOCAL_REGISTRY_ID && !this.registryById.get({ id })) {
        throw new Invalid('NAME_INVALID', `the ${side} registry ${id} does not exist`);
      }
    }
  }

  private loadRegistry(id: number): StoredRegistry {
    const row = this.registryById.get({ id });
    if (!row) throw new Error(`registry ${id} vanished inside its own transaction`);
    return toRegistry(row);
  }

  private loadPolicy(id: number): ReplicationPolicy {
    const row = this.policyById.get({ id });
    if (!row) throw new Error(`replication policy ${id} vanished inside its own transaction`);
    return toPolicy(row);
  }
}

function registryArgs(arg: ArgFn<RegistryColumns>) {
  return {
    name: arg('name'),
    type: arg('type'),
    url: arg('url'),
    description: arg('description'),
    credential_type: arg('credential_type'),
    access_key: arg('access_key'),
    access_secret_sealed: arg('access_secret_sealed'),
    insecure: arg('insecure'),
    ca_certificate: arg('ca_certificate'),
    repositories: arg('repositories'),
  };
}

function registryColumns(input: StoredRegistryInput): RegistryColumns {
  return {
    name: input.name,
    type: input.type,
    url: input.url,
    description: input.description,
    credential_type: input.credential?.type ?? null,
    access_key: input.credential?.accessKey ?? null,
    access_secret_sealed: input.credential?.sealedSecret ?? null,
    insecure: input.insecure ? 1 : 0,
    ca_certificate: input.caCertificate,
    repositories: JSON.stringify(input.repositories),
  };
}

function toRegistry(row: RegistryRow): StoredRegistry {
  const type = row.credential_type;
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    type: row.type as RegistryType,
    url: row.url,
    credential:
      type === 'basic' || type === 'oauth'
        ? { type, accessKey: row.access_key ?? '', sealedSecret: row.access_secret_sealed ?? '' }
        : null,
    insecure: row.insecure !== 0,
    caCertificate: row.ca_certificate,
    repositories: JSON.parse(row.repositories) as string[],
    status: row.status as RegistryHealth,
    creationTime: new Date(row.created_at),
    updateTime: new Date(row.updated_at),
  };
}

function policyArgs(arg: ArgFn<PolicyColumns>) {
  return {
    name: arg('name'),
    description: arg('description'),
    src_registry_id: arg('src_registry_id'),
    dest_registry_id: arg('dest_registry_id'),
    dest_namespace: arg('dest_namespace'),
    dest_namespace_replace_count: arg('dest_namespace_replace_count'),
    trigger_type: arg('trigger_type'),
    trigger_cron: arg('trigger_cron'),
    filters: arg('filters'),
    replicate_deletion: arg('replicate_deletion'),
    override: arg('override'),
    enabled: arg('enabled'),
    speed_kbps: arg('speed_kbps'),
    copy_by_chunk: arg('copy_by_chunk'),
    single_active: arg('single_active'),
    concurrency: arg('concurrency'),
    copy_referrers: arg('copy_referrers'),
    updated_at: arg('updated_at'),
  };
}

function policyColumns(p: NewPolicy, now: Date): PolicyColumns {
  const bit = (b: boolean) => (b ? 1 : 0);
  return {
    name: p.name,
    description: p.description,
    src_registry_id: p.srcRegistryId,
    dest_registry_id: p.destRegistryId,
    dest_namespace: p.destNamespace,
    dest_namespace_replace_count: p.destNamespaceReplaceCount,
    trigger_type: p.trigger.type,
    trigger_cron: p.trigger.cron ?? null,
    filters: JSON.stringify(p.filters),
    replicate_deletion: bit(p.replicateDeletion),
    override: bit(p.override),
    enabled: bit(p.enabled),
    speed_kbps: p.speedKbps,
    copy_by_chunk: bit(p.copyByChunk),
    single_active: bit(p.singleActive),
    concurrency: p.concurrency,
    copy_referrers: bit(p.copyReferrers),
    updated_at: now.getTime(),
  };
}

function toPolicy(row: PolicyRow): ReplicationPolicy {
  const trigger: ReplicationPolicy['trigger'] = { type: row.trigger_type as ReplicationPolicy['trigger']['type'] };
  if (row.trigger_cron !== null) trigger.cron = row.trigger_cron;
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    srcRegistryId: row.src_registry_id,
    destRegistryId: row.dest_registry_id,
    destNamespace: row.dest_namespace,
    destNamespaceReplaceCount: row.dest_namespace_replace_count,
    trigger,
    filters: JSON.parse(row.filters) as ReplicationFilter[],
    replicateDeletion: row.replicate_deletion !== 0,
    override: row.override !== 0,
    enabled: row.enabled !== 0,
    speedKbps: row.speed_kbps,
    copyByChunk: row.copy_by_chunk !== 0,
    singleActive: row.single_active !== 0,
    concurrency: row.concurrency,
    copyReferrers: row.copy_referrers !== 0,
    creationTime: new Date(row.created_at),
    updateTime: new Date(row.updated_at),
  };
}
