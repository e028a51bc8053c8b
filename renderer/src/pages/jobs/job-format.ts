import type { Execution, Task } from '../../api/types';

/** Harbor's `JobQueue` as `/jobservice/queues` returns it (latency in whole seconds). */
export interface JobQueue {
  job_type: string;
  count: number;
  latency: number;
  paused: boolean;
}

/** The statuses the job system uses, in the order a filter lists them. */
export const JOB_STATUSES = ['Pending', 'Running', 'Success', 'Error', 'Stopped'] as const;

/** Vendor types a filter offers: the ones Berth runs today first, then Harbor's others. */
export const VENDOR_TYPES = [
  'GARBAGE_COLLECTION',
  'RETENTION',
  'REPLICATION',
  'IMAGE_SCAN',
  'SCAN_ALL',
  'SBOM',
  'WEBHOOK',
  'P2P_PREHEAT',
  'SCAN_DATA_EXPORT',
  'PURGE_AUDIT_LOG',
] as const;

/** Whether an execution or task is still queued or working. */
export function isActive(job: Pick<Execution | Task, 'status' | 'end_time'>): boolean {
  return !job.end_time && (job.status === 'Pending' || job.status === 'Running');
}

/**
 * Whether the server's retry can help: the execution ended, and some of its tasks failed or were
 * stopped (the execution's status is Error or Stopped exactly then).
 */
export function canRetry(execution: Pick<Execution, 'status' | 'end_time'>): boolean {
  return Boolean(execution.end_time) && (execution.status === 'Error' || execution.status === 'Stopped');
}

/** Harbor's `q` for a listing filtered by exact values; empty values are left out. */
export function exactQ(filters: Record<string, string | number | undefined | null>): string | undefined {
  const terms = Object.entries(filters)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${k}=${String(v)}`);
  return terms.length > 0 ? terms.join(',') : undefined;
}

/** Milliseconds between two times (until `now` when the end has not come yet); undefined without a start. */
export function elapsedMs(
  start: string | null | undefined,
  end: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (!start) return undefined;
  const from = new Date(start).getTime();
  const to = end ? new Date(end).getTime() : now;
  if (Number.isNaN(from) || Number.isNaN(to)) return undefined;
  return Math.max(0, to - from);
}

/**
 * A duration as people say it, in the UI language through Intl: "850 ms", "4.2 sec", "3 min 5 sec",
 * "2 hr 10 min". Two units at most: nobody needs the seconds of a run that took hours.
 */
export function formatDuration(ms: number | undefined, locale?: string): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  const unit = (value: number, u: string, digits = 0) =>
    new Intl.NumberFormat(locale, {
      style: 'unit',
      unit: u,
      unitDisplay: 'short',
      maximumFractionDigits: digits,
    }).format(value);
  if (ms < 1000) return unit(Math.round(ms), 'millisecond');
  if (ms < 60_000) return unit(ms / 1000, 'second', ms < 10_000 ? 1 : 0);
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 3600) {
    const m = Math.floor(totalSeconds / 60);
    const s = totalSeconds % 60;
    return s === 0 ? unit(m, 'minute') : `${unit(m, 'minute')} ${unit(s, 'second')}`;
  }
  const totalMinutes = Math.round(totalSeconds / 60);
  if (totalMinutes < 24 * 60) {
    const h = Math.floor(totalMinutes / 60);
    const m = totalMinutes % 60;
    return m === 0 ? unit(h, 'hour') : `${unit(h, 'hour')} ${unit(m, 'minute')}`;
  }
  const totalHours = Math.round(totalMinutes / 60);
  const d = Math.floor(totalHours / 24);
  const h = totalHours % 24;
  return h === 0 ? unit(d, 'day') : `${unit(d, 'day')} ${unit(h, 'hour')}`;
}

/**
 * A status message as people read it: some job types report a JSON object (retention's
 * `{"total":2,"retained":1}`), shown as `total: 2 · retained: 1`; anything else stays as it is.
 */
export function readableMessage(message: string): string {
  const text = message.trim();
  if (!text.startsWith('{')) return message;
  try {
    const parsed: unknown = JSON.parse(text);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return message;
    return Object.entries(parsed)
      .map(([k, v]) => `${k}: ${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`)
      .join(' · ');
  } catch {
    return message;
  }
}

/** The id at the end of a `Location` header (`/api/v2.0/system/gc/42` → 42). */
export function idFromLocation(location: string | null): number | undefined {
  const match = location ? /\/(\d+)\/?$/.exec(location) : null;
  return match ? Number(match[1]) : undefined;
}
