/** Replication's JSON as the Harbor API speaks it (`/api/v2.0/registries`, `/replication/...`). */

export type RegistryType = 'harbor' | 'docker-registry' | 'docker-hub' | 'oci';

export interface RegistryCredentialJson {
  type: string;
  access_key: string;
  /** Always masked by the server. */
  access_secret: string;
}

export interface Registry {
  id: number;
  name: string;
  description: string;
  type: string;
  url: string;
  insecure: boolean;
  ca_certificate: string;
  status: string;
  credential: RegistryCredentialJson;
  repositories: string[];
  creation_time: string;
  update_time: string;
}

export interface FilterJson {
  type: 'name' | 'tag' | 'label' | 'resource';
  value: string | string[];
  decoration?: 'matches' | 'excludes';
}

export type TriggerType = 'manual' | 'scheduled' | 'event_based';

export interface Policy {
  id: number;
  name: string;
  description: string;
  enabled: boolean;
  src_registry: Registry | null;
  dest_registry: Registry | null;
  dest_namespace: string;
  dest_namespace_replace_count: number;
  trigger: { type: TriggerType; trigger_settings?: { cron?: string } };
  filters: FilterJson[] | null;
  replicate_deletion: boolean;
  deletion?: boolean;
  override: boolean;
  speed: number;
  copy_by_chunk: boolean;
  single_active_replication: boolean;
  concurrency: number;
  copy_referrers: boolean;
  creation_time: string;
  update_time: string;
}

/** What create/update/preview take: registries by id (0 = this Berth). */
export type PolicyBody = Omit<Policy, 'id' | 'src_registry' | 'dest_registry' | 'creation_time' | 'update_time'> & {
  src_registry: { id: number };
  dest_registry: { id: number };
};

export interface ReplicationExecution {
  id: number;
  policy_id: number;
  status: string;
  trigger: string;
  start_time: string;
  end_time: string | null;
  status_text: string;
  total: number;
  failed: number;
  succeed: number;
  in_progress: number;
  stopped: number;
}

export interface ReplicationTask {
  id: number;
  execution_id: number;
  status: string;
  job_id: string;
  operation: string;
  resource_type: string;
  src_resource: string;
  dst_resource: string;
  start_time: string | null;
  end_time: string | null;
  bytes_done?: number;
  bytes_total?: number;
}

export interface PreviewItem {
  repository: string;
  tags: string[];
  digest: string | null;
  dst_repository: string;
}

export interface PreviewResult {
  items: PreviewItem[];
  truncated: boolean;
}
