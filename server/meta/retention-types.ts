import type { Selector } from '../core/selectors.js';

/**
 * Tag retention policies and immutable tag rules, both per project (Harbor's `retention_policy` and
 * `immutable_tag_rule`). Rules and selectors are stored as Harbor's JSON, validated by the API layer;
 * the store keeps them opaque apart from the columns it needs to look them up.
 */

/** Harbor's `ImmutableRule`. */
export interface ImmutableRule {
  id: number;
  projectId: number;
  disabled: boolean;
  priority: number;
  /** Always `immutable`. */
  action: string;
  /** Always `immutable_template`. */
  template: string;
  params: Record<string, unknown>;
  tagSelectors: Selector[];
  /** `{ repository: [selector] }`. */
  scopeSelectors: Record<string, Selector[]>;
}

export type NewImmutableRule = Omit<ImmutableRule, 'id'>;

export interface ImmutableRuleRepo {
  /** Throws `NotFound(NAME_UNKNOWN)` for an unknown project, `Conflict` for a rule identical to another. */
  create(rule: NewImmutableRule): Promise<ImmutableRule>;
  get(id: number): Promise<ImmutableRule | undefined>;
  /** The project's rules in id order (Harbor sorts by id), with the total. */
  list(projectId: number, page?: { offset: number; limit: number }): Promise<{ items: ImmutableRule[]; total: number }>;
  /** Replaces the rule's content; throws `NotFound` when absent, `Conflict` for a duplicate. */
  update(rule: ImmutableRule): Promise<ImmutableRule>;
  delete(id: number): Promise<boolean>;
}

/** Harbor's `RetentionRule`. */
export interface RetentionRule {
  id: number;
  priority: number;
  disabled: boolean;
  /** Always `retain`. */
  action: string;
  /** `latestPushedK`, `latestPulledN`, `latestActiveK`, `nDaysSinceLastPush`, `nDaysSinceLastPull`, `always`. */
  template: string;
  params: Record<string, unknown>;
  tagSelectors: Selector[];
  scopeSelectors: Record<string, Selector[]>;
}

/** Harbor's `RetentionPolicy` (scope level `project` only, as Harbor allows). */
export interface RetentionPolicy {
  id: number;
  /** Always `or`. */
  algorithm: string;
  rules: RetentionRule[];
  /** `{ kind: 'Schedule', settings: { cron }, references? }`. */
  trigger: { kind: string; settings: Record<string, unknown>; references?: Record<string, unknown> };
  scope: { level: 'project'; ref: number };
  createdAt: Date;
  updatedAt: Date;
}

export type NewRetentionPolicy = Omit<RetentionPolicy, 'id' | 'createdAt' | 'updatedAt'>;

export interface RetentionPolicyRepo {
  /**
   * Stores the policy and sets the project's `retention_id` metadata in one transaction. Throws
   * `NotFound(NAME_UNKNOWN)` for an unknown project and `Conflict` when the project already has a
   * policy (Harbor: one per project).
   */
  create(policy: NewRetentionPolicy, now?: Date): Promise<RetentionPolicy>;
  get(id: number): Promise<RetentionPolicy | undefined>;
  getByProject(projectId: number): Promise<RetentionPolicy | undefined>;
  /** Replaces rules and trigger (the scope stays); throws `NotFound` when absent. */
  update(
    id: number,
    policy: Pick<RetentionPolicy, 'algorithm' | 'rules' | 'trigger'>,
    now?: Date,
  ): Promise<RetentionPolicy>;
  /** Deletes the policy and the project's `retention_id` metadata. */
  delete(id: number): Promise<boolean>;
}
