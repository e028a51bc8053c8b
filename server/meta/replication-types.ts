import type { Page } from './list-query.js';
import type { NewPolicy, RegistryHealth, RegistryType, ReplicationPolicy } from '../replicate/replication-contract.js';

/**
 * Replication's rows as the metadata store keeps them: registries (endpoints) with their secret
 * sealed (the store never sees it in clear; `RegistryService` seals and opens it) and policies as
 * the contract's `ReplicationPolicy`. Validation belongs to the services; the store enforces only
 * what must hold across concurrent writers: unique names, a policy's remote registry exists, and a
 * registry in use by a policy is not deleted.
 */
export interface StoredRegistry {
  id: number;
  name: string;
  description: string;
  type: RegistryType;
  url: string;
  /** Null when the endpoint has no credential. */
  credential: { type: 'basic' | 'oauth'; accessKey: string; sealedSecret: string } | null;
  insecure: boolean;
  caCertificate: string | null;
  repositories: string[];
  status: RegistryHealth;
  creationTime: Date;
  updateTime: Date;
}

export type StoredRegistryInput = Omit<StoredRegistry, 'id' | 'status' | 'creationTime' | 'updateTime'>;

export interface ReplicationRepo {
  /** Name fuzzy (case-insensitive substring), type exact; ordered by id. */
  listRegistries(query: { name?: string; type?: string; offset: number; limit: number }): Promise<Page<StoredRegistry>>;
  getRegistry(id: number): Promise<StoredRegistry | undefined>;
  /** Throws `Conflict` when the name is taken. */
  createRegistry(input: StoredRegistryInput, now?: Date): Promise<StoredRegistry>;
  /** Replaces every field of `input`; throws `NotFound`, `Conflict` (name taken). */
  updateRegistry(id: number, input: StoredRegistryInput, now?: Date): Promise<StoredRegistry>;
  /** Throws `Conflict('PRECONDITION')` (412) while a policy uses it; false when absent. */
  deleteRegistry(id: number): Promise<boolean>;
  /** False when absent. */
  setRegistryStatus(id: number, status: RegistryHealth, now?: Date): Promise<boolean>;

  /** Name fuzzy; ordered by id. */
  listPolicies(query: { name?: string; offset: number; limit: number }): Promise<Page<ReplicationPolicy>>;
  getPolicy(id: number): Promise<ReplicationPolicy | undefined>;
  /** Enabled policies with the given trigger type, by id. */
  policiesByTrigger(type: ReplicationPolicy['trigger']['type']): Promise<ReplicationPolicy[]>;
  /**
   * Throws `Conflict` (name taken) and `Invalid` when a non-local registry id names no registry
   * (checked in the same transaction as the write, so a concurrent delete cannot orphan it).
   */
  createPolicy(input: NewPolicy, now?: Date): Promise<ReplicationPolicy>;
  /** As `createPolicy`; throws `NotFound` when absent. */
  updatePolicy(id: number, input: NewPolicy, now?: Date): Promise<ReplicationPolicy>;
  deletePolicy(id: number): Promise<boolean>;
}
