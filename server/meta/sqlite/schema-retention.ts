import type { Generated } from 'kysely';

/**
 * Tag retention and immutability (migration 8).
 *
 * ```
 * projects ─< immutable_rules        (Harbor's rule JSON; unique per project and content)
 * projects ─── retention_policies    (at most one per project; rules and trigger as JSON)
 * ```
 * Both cascade with their project. The project's `retention_id` metadata row names its policy, as in
 * Harbor, and is written in the same transaction as the policy.
 */
export interface RetentionTables {
  immutable_rules: ImmutableRulesTable;
  retention_policies: RetentionPoliciesTable;
}

export interface ImmutableRulesTable {
  id: Generated<number>;
  project_id: number;
  disabled: number;
  /**
   * The rule without id, project and `disabled`, as canonical JSON (Harbor's `tag_filter`); unique per
   * project, so the same rule cannot be added twice.
   */
  filter: string;
  created_at: number;
  updated_at: number;
}

export interface RetentionPoliciesTable {
  id: Generated<number>;
  project_id: number;
  /** `{algorithm, rules, trigger}` as JSON. */
  body: string;
  created_at: number;
  updated_at: number;
}
