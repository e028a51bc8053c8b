import { describe, expect, it } from 'vitest';
import {
  gcAttributes,
  hasResult,
  isSixFieldCron,
  latestDryRun,
  realRunAfter,
  scheduleForm,
  type GcHistory,
} from './gc-data';

/** A GCHistory as GET /system/gc returned it after a dry run on a seeded server. */
function run(id: number, params: Record<string, unknown>, status = 'Success'): GcHistory {
  return {
    id,
    job_name: 'GARBAGE_COLLECTION',
    job_kind: 'MANUAL',
    job_parameters: JSON.stringify(params),
    schedule: { type: 'Manual' },
    job_status: status,
    deleted: false,
    creation_time: '2026-11-26T07:31:43.272Z',
    update_time: '2026-11-26T07:31:43.409Z',
  };
}
const DRY = {
  dry_run: true,
  delete_untagged: true,
  workers: 2,
  time_window: 2,
  purged_manifests: 2,
  purged_blobs: 6,
  freed_space: 6501136,
  unlinked: 6,
  orphan_blobs: 0,
  purged_uploads: 0,
  duration_ms: 88,
};

describe('GC runs', () => {
  it("reads a dry run's preview from its parameters", () => {
    const a = gcAttributes(run(5, DRY).job_parameters);
    expect(a).toMatchObject({
      dry_run: true,
      delete_untagged: true,
      workers: 2,
      purged_blobs: 6,
      freed_space: 6501136,
    });
    expect(hasResult(a)).toBe(true);
  });

  it('has no result before the run ends, and survives malformed parameters', () => {
    expect(hasResult(gcAttributes(JSON.stringify({ dry_run: true, delete_untagged: false, workers: 1 })))).toBe(false);
    expect(gcAttributes('not json')).toMatchObject({ dry_run: false, workers: 1, freed_space: undefined });
    expect(gcAttributes('{"freed_space":"12"}').freed_space).toBeUndefined();
  });

  it('finds the newest dry run and a real run that made its figures stale', () => {
    const history = [run(8, { ...DRY, dry_run: false }), run(5, DRY), run(4, { ...DRY, freed_space: 0 })];
    expect(latestDryRun(history)?.id).toBe(5);
    expect(realRunAfter(history, latestDryRun(history))?.id).toBe(8);
    expect(realRunAfter([run(5, DRY), run(2, { ...DRY, dry_run: false })], run(5, DRY))).toBeUndefined();
    expect(realRunAfter([run(9, { ...DRY, dry_run: false }, 'Error'), run(5, DRY)], run(5, DRY))).toBeUndefined();
  });
});

describe('GC schedule form', () => {
  it('starts from the saved schedule, or from none', () => {
    expect(scheduleForm({})).toEqual({ type: 'None', cron: '', deleteUntagged: false, workers: 1 });
    expect(
      scheduleForm({
        schedule: { type: 'Custom', cron: '0 30 2 * * *' },
        job_parameters: '{"dry_run":false,"delete_untagged":true,"workers":3}',
      }),
    ).toEqual({ type: 'Custom', cron: '0 30 2 * * *', deleteUntagged: true, workers: 3 });
    expect(scheduleForm({ schedule: { type: 'Daily', cron: '0 0 0 * * *' } }).type).toBe('Daily');
  });

  it('takes six-field crons only, as the server does', () => {
    expect(isSixFieldCron('0 30 2 * * *')).toBe(true);
    expect(isSixFieldCron(' 0 30 2 * * * ')).toBe(true);
    expect(isSixFieldCron('30 2 * * *')).toBe(false);
  });
});
