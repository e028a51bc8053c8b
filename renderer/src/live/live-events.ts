import type { QueryClient } from '@tanstack/react-query';
import { create } from 'zustand';
import type { ArtifactPushedEvent, Execution, LiveEventMap, Task } from '../api/types';

/**
 * The server's event stream (`GET /api/v2.0/events`) keeps open pages current: pushes and deletes
 * invalidate the listings that show them, job progress is written straight into cached executions
 * and tasks, so a page moves without a reload and without polling. EventSource reconnects by itself
 * and resumes from the last event id; a `reset` means the server forgot that point, so everything
 * is reloaded.
 */

export type LiveEventName = keyof LiveEventMap;
type Handler<N extends LiveEventName> = (data: LiveEventMap[N]) => void;

interface LiveState {
  connected: boolean;
  /** The latest pushes seen since the page loaded, newest first (the dashboard's feed). */
  recentPushes: (ArtifactPushedEvent & { at: string })[];
}

export const useLiveState = create<LiveState>()(() => ({ connected: false, recentPushes: [] }));

const handlers = new Map<LiveEventName, Set<Handler<LiveEventName>>>();

/** Subscribes to one event type; returns the unsubscribe function (use inside useEffect). */
export function onLiveEvent<N extends LiveEventName>(name: N, handler: Handler<N>): () => void {
  let set = handlers.get(name);
  if (!set) handlers.set(name, (set = new Set()));
  set.add(handler as Handler<LiveEventName>);
  return () => set.delete(handler as Handler<LiveEventName>);
}

const REGISTRY_KEYS = [
  'repositories',
  'artifacts',
  'artifact',
  'projects',
  'project',
  'statistics',
  'quotas',
  'audit-logs',
];
const JOB_KEYS = ['executions', 'queues', 'gc', 'schedules'];
/** A scan's progress and end change what artifact rows and reports show. */
const SCAN_KEYS = ['artifacts', 'artifact', 'vulnerabilities', 'sbom'];
const SCAN_VENDORS = new Set(['IMAGE_SCAN', 'SBOM']);

export function startLiveEvents(queryClient: QueryClient): () => void {
  const source = new EventSource('/api/v2.0/events');
  const pending = new Set<string>();
  let flush: ReturnType<typeof setTimeout> | undefined;
  // Bursts (a GC deleting thousands of artifacts) invalidate each listing once per 300 ms at most.
  const invalidate = (keys: string[]) => {
    for (const k of keys) pending.add(k);
    flush ??= setTimeout(() => {
      flush = undefined;
      const keys = [...pending];
      pending.clear();
      for (const k of keys) void queryClient.invalidateQueries({ queryKey: [k] });
    }, 300);
  };

  const dispatch = <N extends LiveEventName>(name: N, data: LiveEventMap[N]) => {
    for (const h of handlers.get(name) ?? []) h(data);
  };

  const listen = <N extends LiveEventName>(name: N, react: (data: LiveEventMap[N]) => void) => {
    source.addEventListener(name, (e) => {
      let data: LiveEventMap[N];
      try {
        data = JSON.parse((e as MessageEvent<string>).data) as LiveEventMap[N];
      } catch {
        return;
      }
      react(data);
      dispatch(name, data);
    });
  };

  listen('artifact.pushed', (data) => {
    useLiveState.setState((s) => ({
      recentPushes: [{ ...data, at: new Date().toISOString() }, ...s.recentPushes].slice(0, 20),
    }));
    invalidate(REGISTRY_KEYS);
  });
  listen('artifact.deleted', () => invalidate(REGISTRY_KEYS));
  listen('tag.deleted', () => invalidate(REGISTRY_KEYS));
  listen('execution', (execution) => {
    const known = replaceInLists<Execution>(queryClient, ['executions'], execution);
    queryClient.setQueryData(['execution', execution.id], execution);
    if (!known || execution.end_time) invalidate(JOB_KEYS);
    // Every step of one artifact's scan moves its row (Scanning… n%); scan-all only at its start and end.
    if (SCAN_VENDORS.has(execution.vendor_type)) invalidate(SCAN_KEYS);
    else if (execution.vendor_type === 'SCAN_ALL' && (!known || execution.end_time))
      invalidate([...SCAN_KEYS, 'scan-all']);
    // A scheduled advisory download changes the database's status (and, re-matched, the reports).
    else if (execution.vendor_type === 'SCANNER_DB_UPDATE' && execution.end_time) invalidate([...SCAN_KEYS, 'vulndb']);
  });
  listen('task', (task) => {
    const known = replaceInLists<Task>(queryClient, ['tasks', task.execution_id], task);
    if (!known || task.end_time) invalidate(['tasks', 'queues']);
  });
  listen('reset', () => void queryClient.invalidateQueries());

  source.onopen = () => useLiveState.setState({ connected: true });
  source.onerror = () => useLiveState.setState({ connected: false });
  return () => {
    if (flush) clearTimeout(flush);
    source.close();
    useLiveState.setState({ connected: false });
  };
}

/**
 * Writes a fresh object into every cached page of a listing that holds it (by id). Cached pages are
 * either arrays or `ApiResponse`s (`{ data: [...] }`). Returns whether any page held it.
 */
function replaceInLists<T extends { id: number }>(queryClient: QueryClient, key: unknown[], fresh: T): boolean {
  let found = false;
  queryClient.setQueriesData<unknown>({ queryKey: key }, (old: unknown) => {
    const swap = (list: T[]) => {
      const i = list.findIndex((x) => x.id === fresh.id);
      if (i < 0) return list;
      // Some listings (Harbor's retention runs) share ids with the job system but not its shape.
      if (!sameShape(list[i], fresh)) return list;
      found = true;
      const next = list.slice();
      next[i] = fresh;
      return next;
    };
    if (Array.isArray(old)) return swap(old as T[]);
    if (old && typeof old === 'object' && Array.isArray((old as { data?: unknown }).data)) {
      const o = old as { data: T[] };
      const data = swap(o.data);
      return data === o.data ? old : { ...o, data };
    }
    return old;
  });
  return found;
}

function sameShape(cached: unknown, fresh: object): boolean {
  if (typeof cached !== 'object' || cached === null) return false;
  return Object.keys(fresh).every((k) => k in cached);
}
