/** Harbor's `GCHistory` (`/system/gc`, and the schedule at `/system/gc/schedule`). */
export interface GcHistory {
  id: number;
  job_name: string;
  job_kind: string;
  /** JSON: the run's parameters and, once it ended, its results (see `GcAttributes`). */
  job_parameters: string;
  schedule: { type: string; cron?: string; next_scheduled_time?: string };
  job_status: string;
  deleted: boolean;
  creation_time: string;
  update_time: string;
}

/**
 * What a GC execution records (server/gc/gc-job.ts at the start, gc-engine.ts's `GcResult` at the
 * end): the parameters, and what the run deleted, or for a dry run would delete.
 */
export interface GcAttributes {
  dry_run: boolean;
  delete_untagged: boolean;
  workers: number;
  /** Hours: nothing changed more recently is collected. */
  time_window?: number;
  /** The rest are there once the run has ended successfully. */
  purged_blobs?: number;
  purged_manifests?: number;
  freed_space?: number;
  unlinked?: number;
  orphan_blobs?: number;
  purged_uploads?: number;
  duration_ms?: number;
  retry_of?: number;
}

/** The schedule types the form offers; `Manual` (run now) and `Schedule` are not choices here. */
export const SCHEDULE_TYPES = ['None', 'Hourly', 'Daily', 'Weekly', 'Custom'] as const;
export type ScheduleType = (typeof SCHEDULE_TYPES)[number];

/** The crons the server sets for the presets (gc-routes.ts), shown so nobody has to guess. */
export const PRESET_CRON: Record<'Hourly' | 'Daily' | 'Weekly', string> = {
  Hourly: '0 0 * * * *',
  Daily: '0 0 0 * * *',
  Weekly: '0 0 0 * * 0',
};

/** `job_parameters` read defensively: a field of the wrong type is treated as absent. */
export function gcAttributes(jobParameters: string | undefined): GcAttributes {
  let raw: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(jobParameters ?? '{}');
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) raw = parsed as Record<string, unknown>;
  } catch {
    // not JSON: no attributes
  }
  const num = (k: string) => (typeof raw[k] === 'number' && Number.isFinite(raw[k]) ? (raw[k] as number) : undefined);
  return {
    dry_run: raw.dry_run === true,
    delete_untagged: raw.delete_untagged === true,
    workers: num('workers') ?? 1,
    time_window: num('time_window'),
    purged_blobs: num('purged_blobs'),
    purged_manifests: num('purged_manifests'),
    freed_space: num('freed_space'),
    unlinked: num('unlinked'),
    orphan_blobs: num('orphan_blobs'),
    purged_uploads: num('purged_uploads'),
    duration_ms: num('duration_ms'),
    retry_of: num('retry_of'),
  };
}

/** Whether a run has recorded what it did (only a run that got to its end does). */
export function hasResult(a: GcAttributes): boolean {
  return a.freed_space !== undefined && a.purged_blobs !== undefined;
}

/** The saved schedule as the form's values; `{}` from the server means there is none. */
export function scheduleForm(schedule: Partial<GcHistory> | undefined): {
  type: ScheduleType;
  cron: string;
  deleteUntagged: boolean;
  workers: number;
} {
  const saved = schedule?.schedule?.type;
  const type: ScheduleType = (SCHEDULE_TYPES as readonly string[]).includes(saved ?? '')
    ? (saved as ScheduleType)
    : schedule?.schedule?.cron
      ? 'Custom'
      : 'None';
  const attrs = gcAttributes(schedule?.job_parameters);
  return { type, cron: schedule?.schedule?.cron ?? '', deleteUntagged: attrs.delete_untagged, workers: attrs.workers };
}

/** A cron the server will take: six space-separated fields, seconds first. */
export function isSixFieldCron(cron: string): boolean {
  return cron.trim().split(/\s+/).length === 6;
}

/** Whether a GC run is still queued or working. */
export function gcActive(status: string): boolean {
  return status === 'Pending' || status === 'Running';
}

/** The newest dry run of a page of history (newest first). */
export function latestDryRun(history: GcHistory[]): GcHistory | undefined {
  return history.find((h) => gcAttributes(h.job_parameters).dry_run);
}

/** The newest real run that ended successfully after `dryRun` (so the preview no longer says what is there). */
export function realRunAfter(history: GcHistory[], dryRun: GcHistory | undefined): GcHistory | undefined {
  if (!dryRun) return undefined;
  return history.find((h) => h.id > dryRun.id && h.job_status === 'Success' && !gcAttributes(h.job_parameters).dry_run);
}
