import type { Logger } from 'pino';
import { Conflict } from '../core/errors.js';
import type { Execution, JobService, Schedule, Trigger } from '../jobs/job-types.js';
import { normalizeParams, runGarbageCollection, type GcEngineDeps, type GcParams } from './gc-engine.js';

/** Harbor's vendor type for GC executions; there is one GC, so its vendor id is -1. */
export const GC_VENDOR_TYPE = 'GARBAGE_COLLECTION';
export const GC_JOB_TYPE = 'gc';
/** The schedule callback a GC schedule fires. */
export const GC_SCHEDULE_CALLBACK = 'gc';

export interface StartGc {
  dryRun?: boolean;
  deleteUntagged?: boolean;
  workers?: number;
  trigger: Trigger;
}

/** What the GC API routes use. */
export interface GcService {
  /**
   * Starts a GC run now: one execution (`GARBAGE_COLLECTION`, vendor id -1) with one task. Throws
   * `Conflict` while another GC execution is pending or running.
   */
  start(input: StartGc): Promise<Execution>;
  /** The time window in force (ms), reported in the run's parameters. */
  readonly windowMs: number;
}

/**
 * Defines the `gc` job type (background lane, one at a time, no CPU slot: it waits on the disk and
 * the database) and the `gc` schedule callback, and returns the service the API starts runs with.
 * One attempt only: a failed GC is simply run again by the next schedule (or the next click); a run
 * is idempotent, so a crash leaves nothing that the next run does not finish.
 */
export function registerGarbageCollection(jobs: JobService, deps: GcEngineDeps & { log: Logger }): GcService {
  jobs.define<GcParams>({
    type: GC_JOB_TYPE,
    lane: 'background',
    concurrency: 1,
    cpuSlots: 0,
    maxAttempts: 1,
    run: async (ctx) => {
      const result = await runGarbageCollection(ctx, deps);
      return {
        message: `${result.dry_run ? 'dry run: ' : ''}${result.purged_blobs} blobs, ${result.purged_manifests} artifacts, ${result.freed_space} bytes`,
      };
    },
  });

  const service: GcService = {
    windowMs: deps.windowMs,
    async start(input) {
      const params = normalizeParams(input);
      return jobs.startExecution({
        vendorType: GC_VENDOR_TYPE,
        vendorId: -1,
        trigger: input.trigger,
        singleActive: true,
        extraAttrs: {
          dry_run: params.dryRun,
          delete_untagged: params.deleteUntagged,
          workers: params.workers,
          time_window: deps.windowMs / 3600_000,
        },
        tasks: [{ jobType: GC_JOB_TYPE, params: { ...params } }],
      });
    },
  };

  jobs.onSchedule(GC_SCHEDULE_CALLBACK, async (schedule: Schedule) => {
    try {
      await service.start({ ...scheduleParams(schedule.params), trigger: 'SCHEDULE' });
    } catch (err) {
      // The previous run is still going: skip this tick, as Harbor does.
      if (err instanceof Conflict) deps.log.info({ schedule: schedule.id }, 'gc still running, scheduled run skipped');
      else throw err;
    }
  });
  return service;
}

/** A schedule stores Harbor's parameter names (`dry_run`, `delete_untagged`, `workers`). */
export function scheduleParams(params: Record<string, unknown>): Omit<StartGc, 'trigger'> {
  return {
    dryRun: params.dry_run === true,
    deleteUntagged: params.delete_untagged === true,
    workers: typeof params.workers === 'number' ? params.workers : 1,
  };
}
