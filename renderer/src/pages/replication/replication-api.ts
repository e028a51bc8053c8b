import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { Registry, ReplicationExecution } from './types';

/**
 * Query keys of the area. Executions and tasks sit under the live prefixes (`['executions']`,
 * `['tasks', executionId]`) so the job events refresh them; endpoints and policies change only
 * through this page, which invalidates them itself.
 */
export const keys = {
  registries: ['replication', 'registries'] as const,
  policies: ['replication', 'policies'] as const,
  adapters: ['replication', 'adapters'] as const,
  executions: ['executions', 'replication'] as const,
  execution: (id: number) => ['executions', 'replication', 'one', id] as const,
  lastRun: (policyId: number) => ['executions', 'replication', 'last', policyId] as const,
  tasks: (executionId: number) => ['tasks', executionId, 'replication'] as const,
  log: (executionId: number, taskId: number) => ['tasks', executionId, 'log', taskId] as const,
};

export const paths = {
  registries: 'registries',
  registry: (id: number) => `registries/${id}`,
  ping: 'registries/ping',
  adapters: 'replication/adapters',
  policies: 'replication/policies',
  policy: (id: number) => `replication/policies/${id}`,
  preview: 'replication/policies/preview',
  executions: 'replication/executions',
  execution: (id: number) => `replication/executions/${id}`,
  tasks: (id: number) => `replication/executions/${id}/tasks`,
  taskLog: (id: number, taskId: number) => `replication/executions/${id}/tasks/${taskId}/log`,
};

/** The adapter types the server offers (Harbor's names). */
export function useAdapterTypes() {
  return useQuery({
    queryKey: keys.adapters,
    queryFn: ({ signal }) => api.get<string[]>(paths.adapters, undefined, signal),
    staleTime: 10 * 60_000,
  });
}

/**
 * Endpoints for the policy editor's select and the policy table's names: the first 100 by name,
 * which is more than a person picks from in a list (the select searches the rest on the server).
 */
export function useRegistryOptions(search = '') {
  return useQuery({
    queryKey: [...keys.registries, 'options', search],
    queryFn: ({ signal }) =>
      api.get<Registry[]>(
        paths.registries,
        { page: 1, page_size: 100, q: search ? `name=~${search}` : undefined },
        signal,
      ),
    staleTime: 30_000,
  });
}

/** A policy's newest execution (the policy table's "last run"), refreshed while it runs. */
export function useLastRun(policyId: number) {
  return useQuery({
    queryKey: keys.lastRun(policyId),
    queryFn: async ({ signal }) =>
      (
        await api.get<ReplicationExecution[]>(paths.executions, { policy_id: policyId, page: 1, page_size: 1 }, signal)
      )[0] ?? null,
    refetchInterval: (q) => (q.state.data && /InProgress|Pending|Running/.test(q.state.data.status) ? 2000 : false),
  });
}
