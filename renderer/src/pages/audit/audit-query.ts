import { buildQ } from './harbor-q';

/** What the audit log is filtered by, as the page's controls hold it. */
export interface AuditFilters {
  /** Any of these operations (`create`, `delete`, `pull`, `login`, ...); empty for all. */
  operations: readonly string[];
  resourceType?: string;
  /** Part of the username. */
  username: string;
  /** Part of the resource (`library/nginx`, a digest, a username, ...). */
  resource: string;
  /** ISO 8601 instants; either end may be open. */
  from?: string;
  to?: string;
  /** Only sent when the listing reports outcomes. */
  result?: 'success' | 'failure';
}

export const NO_AUDIT_FILTERS: AuditFilters = { operations: [], username: '', resource: '' };

/** The `q` parameter of `GET /audit-logs` for these filters (Harbor's keys), or undefined for none. */
export function auditQ(filters: AuditFilters): string | undefined {
  return buildQ([
    { key: 'operation', kind: 'any', values: filters.operations },
    { key: 'resource_type', kind: 'exact', value: filters.resourceType },
    { key: 'username', kind: 'fuzzy', value: filters.username },
    { key: 'resource', kind: 'fuzzy', value: filters.resource },
    { key: 'op_time', kind: 'range', min: filters.from, max: filters.to },
    {
      key: 'success',
      kind: 'exact',
      value: filters.result === undefined ? undefined : String(filters.result === 'success'),
    },
  ]);
}
