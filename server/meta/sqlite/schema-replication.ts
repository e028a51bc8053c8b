import type { Generated } from 'kysely';

/**
 * Replication (migration 10). Conventions as in `schema.ts`.
 *
 * ```
 * replication_registries   endpoints; the secret only sealed (SecretBox: v1:iv:tag:ciphertext)
 * replication_policies     src/dest registry ids, 0 = this Berth (exactly one side), filters JSON
 * ```
 * A policy's remote registry is checked in the policy's write transaction and a registry in use is
 * refused on delete in its own, instead of a foreign key (0 names no row).
 */
export interface ReplicationTables {
  replication_registries: ReplicationRegistriesTable;
  replication_policies: ReplicationPoliciesTable;
}

export interface ReplicationRegistriesTable {
  id: Generated<number>;
  name: string;
  /** `harbor`, `docker-registry`, `docker-hub`, `oci`. */
  type: string;
  url: string;
  description: string;
  /** `basic` or `oauth`; null without a credential. */
  credential_type: string | null;
  access_key: string | null;
  /** SecretBox output; never the secret in clear. */
  access_secret_sealed: string | null;
  insecure: number;
  ca_certificate: string | null;
  /** string[] JSON. */
  repositories: string;
  /** `healthy`, `unhealthy`, `unknown`. */
  status: string;
  created_at: number;
  updated_at: number;
}

export interface ReplicationPoliciesTable {
  id: Generated<number>;
  name: string;
  description: string;
  src_registry_id: number;
  dest_registry_id: number;
  dest_namespace: string;
  dest_namespace_replace_count: number;
  /** `manual`, `scheduled`, `event_based`. */
  trigger_type: string;
  trigger_cron: string | null;
  /** ReplicationFilter[] JSON. */
  filters: string;
  replicate_deletion: number;
  override: number;
  enabled: number;
  /** KiB/s; 0 or -1 for no limit. */
  speed_kbps: number;
  copy_by_chunk: number;
  single_active: number;
  concurrency: number;
  copy_referrers: number;
  created_at: number;
  updated_at: number;
}
