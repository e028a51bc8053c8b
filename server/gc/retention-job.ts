import type { Logger } from 'pino';
import { DomainError, Invalid, NotFound } from '../core/errors.js';
import { isIndexMediaType } from '../core/media-types.js';
import type { Execution, JobService, TaskContext, Trigger } from '../jobs/job-types.js';
import type { ArtifactWithTags, MetaStore } from '../meta/meta-store.js';
import type { RetentionPolicy, RetentionRule } from '../meta/retention-types.js';
import type { ManifestService } from '../registry/manifest-service.js';
import { repositoryPath } from '../registry/immutability.js';
import { retainedDigests, rulesForRepository, type RetentionCandidate } from './retention-policy.js';

/**
 * Tag retention on the job system: one execution per run (vendor `RETENTION`, vendor id = policy
 * id), one `retention` task per repository that some enabled rule selects (Harbor's launcher).
 * Each task snapshots the rules that apply to its repository, so a policy edited mid-run does not
 * change what a dry run and a real run of the same moment decide. See `retention-policy.ts` for the
 * semantics.
 */

export const RETENTION_VENDOR = 'RETENTION';
export const RETENTION_JOB = 'retention';
const SCHEDULE_CALLBACK = 'retention';

export interface RetentionDeps {
  meta: MetaStore;
  manifests: ManifestService;
  log: Logger;
  /** For tests: the clock the day-based rules read. */
  now?: () => number;
}

/** What a retention task gets. */
export interface RetentionTaskParams {
  policyId: number;
  projectId: number;
  project: string;
  /** Full name, `<project>/<path>`. */
  repository: string;
  dryRun: boolean;
  rules: RetentionRule[];
}

export interface RetentionService {
  /**
   * Starts a run of the policy: one task per selected repository (an execution without tasks
   * finishes at once). Throws `Conflict` while another run of the policy is active.
   */
  launch(policy: RetentionPolicy, trigger: Trigger, dryRun: boolean): Promise<Execution>;
  /** Creates, replaces or (empty cron) removes the policy's schedule. Throws `Invalid` for a bad cron. */
  syncSchedule(policy: RetentionPolicy): Promise<void>;
  /** Removes the policy's schedule (when the policy goes). */
  dropSchedule(policyId: number): Promise<void>;
}

/**
 * Registers the `retention` job type and the schedule callback. Call before `jobs.start()`; wire the
 * returned service into the API (`retentionRoutes`).
 */
export function registerRetention(jobs: JobService, deps: RetentionDeps): RetentionService {
  jobs.define<RetentionTaskParams>({
    type: RETENTION_JOB,
    lane: 'background',
    concurrency: 2,
    cpuSlots: 0,
    maxAttempts: 3,
    run: (ctx) => runRetentionTask(ctx, deps),
  });
  const service = retentionService(jobs, deps.meta);
  jobs.onSchedule(SCHEDULE_CALLBACK, async (schedule) => {
    const policy = await deps.meta.retentionPolicies.get(schedule.vendorId);
    if (!policy) {
      // The policy went without its schedule (another process, a crash in between): tidy up.
      await jobs.deleteSchedule(RETENTION_VENDOR, schedule.vendorId);
      return;
    }
    await service.launch(policy, 'SCHEDULE', false);
  });
  return service;
}

/**
 * Launching and scheduling runs, over the job system alone (the API builds one per request; the
 * job type itself is registered once by `registerRetention`).
 */
export function retentionService(jobs: JobService, meta: MetaStore): RetentionService {
  return {
    async launch(policy, trigger, dryRun) {
      const tasks = await planTasks(meta, policy, dryRun);
      return jobs.startExecution({
        vendorType: RETENTION_VENDOR,
        vendorId: policy.id,
        projectId: policy.scope.ref,
        trigger,
        singleActive: true,
        extraAttrs: { dry_run: dryRun },
        tasks: tasks.map((params) => ({ jobType: RETENTION_JOB, params: { ...params } })),
      });
    },
    async syncSchedule(policy) {
      const cron = typeof policy.trigger.settings.cron === 'string' ? policy.trigger.settings.cron.trim() : '';
      if (cron === '') {
        await jobs.deleteSchedule(RETENTION_VENDOR, policy.id);
        return;
      }
      await jobs.setSchedule({ vendorType: RETENTION_VENDOR, vendorId: policy.id, cron, callback: SCHEDULE_CALLBACK });
    },
    async dropSchedule(policyId) {
      await jobs.deleteSchedule(RETENTION_VENDOR, policyId);
    },
  };
}

/** One task per repository of the project that some enabled rule selects, with those rules. */
export async function planTasks(
  meta: MetaStore,
  policy: RetentionPolicy,
  dryRun: boolean,
): Promise<RetentionTaskParams[]> {
  const project = await meta.projects.getById(policy.scope.ref);
  if (!project)
    throw new NotFound('NAME_UNKNOWN', `project ${policy.scope.ref} of retention policy ${policy.id} not found`);
  const out: RetentionTaskParams[] = [];
  const pageSize = 500;
  for (let offset = 0; ; offset += pageSize) {
    const page = await meta.repositories.list({
      filters: [{ key: 'project_id', kind: 'exact', value: project.id }],
      sort: [{ key: 'name', desc: false }],
      offset,
      limit: pageSize,
    });
    for (const repository of page.items) {
      const rules = rulesForRepository(policy.rules, repositoryPath(project.name, repository.name));
      if (rules.length === 0) continue;
      out.push({
        policyId: policy.id,
        projectId: project.id,
        project: project.name,
        repository: repository.name,
        dryRun,
        rules,
      });
    }
    if (page.items.length < pageSize) break;
  }
  return out;
}

/** What a task decided for one candidate. */
export type RetentionMark = 'RETAIN' | 'DEL' | 'IMMUTABLE' | 'ERR';

export interface RetentionOutcome {
  total: number;
  retained: number;
  marks: Map<string, RetentionMark>;
}

/**
 * One repository: loads the candidates, evaluates the rules, logs Harbor's table, and (unless a dry
 * run) deletes what is not retained through the manifest service, so events and audit fire as for
 * any delete. Idempotent: a re-run after a crash finds the deleted artifacts gone and, because only
 * unretained artifacts were deleted, retains the same ones. The abort signal is checked between
 * deletions.
 */
export async function runRetentionTask(
  ctx: TaskContext<RetentionTaskParams>,
  deps: RetentionDeps,
): Promise<{ message: string }> {
  const outcome = await retainRepository(ctx, deps);
  return { message: JSON.stringify({ total: outcome.total, retained: outcome.retained }) };
}

export async function retainRepository(
  ctx: TaskContext<RetentionTaskParams>,
  deps: RetentionDeps,
): Promise<RetentionOutcome> {
  const p = ctx.params;
  if (typeof p.repository !== 'string' || !Array.isArray(p.rules)) {
    throw new Invalid('NAME_INVALID', 'retention task without repository or rules');
  }
  const repo = { name: p.repository, project: p.project };
  ctx.log.info(`run retention process: repository ${p.repository}, rule algorithm or, dry run ${p.dryRun}`);
  ctx.signal.throwIfAborted();

  const { candidates, dependents } = await loadCandidates(deps.meta, p.repository);
  ctx.log.info(`load ${candidates.length} candidates from repository ${p.repository}`);
  const now = (deps.now ?? Date.now)();
  const retained = retainedDigests(p.rules, candidates, now);

  const marks = new Map<string, RetentionMark>();
  const doomed: RetentionCandidate[] = [];
  for (const c of candidates) {
    if (retained.has(c.digest)) {
      marks.set(c.digest, 'RETAIN');
    } else if ((await deps.manifests.immutability.immutableTags(p.project, p.repository, c.tags)).size > 0) {
      marks.set(c.digest, 'IMMUTABLE');
    } else {
      marks.set(c.digest, 'DEL');
      doomed.push(c);
    }
  }

  let done = 0;
  ctx.progress(done, doomed.length);
  if (!p.dryRun) {
    for (const c of doomed) {
      ctx.signal.throwIfAborted();
      try {
        await deleteCandidate(deps, repo, c.digest, dependents.get(c.digest) ?? []);
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        marks.set(c.digest, 'ERR');
        ctx.log.warn(`retention error for artifact ${p.repository}@${c.digest}: ${err.message}`);
      }
      ctx.progress(++done, doomed.length);
    }
  }
  ctx.log.info(`\n${table(p.repository, candidates, marks)}`);
  const deleted = [...marks.values()].filter((m) => m === 'DEL').length;
  ctx.log.info(
    `${p.dryRun ? 'dry run: would delete' : 'deleted'} ${deleted} of ${candidates.length} artifacts in ${p.repository}`,
  );
  return { total: candidates.length, retained: candidates.length - deleted, marks };
}

/**
 * The repository's candidates: its artifacts, except accessories of an artifact present (signatures,
 * SBOMs: they go with their subject) and manifests an index of the repository lists (they go with
 * the index when untagged), which Harbor's artifact listing does not show either. `dependents` maps
 * a candidate to those that go with it.
 */
async function loadCandidates(
  meta: MetaStore,
  repository: string,
): Promise<{ candidates: RetentionCandidate[]; dependents: Map<string, string[]> }> {
  const all: ArtifactWithTags[] = [];
  const pageSize = 500;
  for (let offset = 0; ; offset += pageSize) {
    const page = await meta.artifacts.list(repository, { filters: [], sort: [], offset, limit: pageSize });
    all.push(...page.items);
    if (page.items.length < pageSize) break;
  }
  const digests = new Set(all.map((a) => a.digest));
  const dependents = new Map<string, string[]>();
  const hidden = new Set<string>();
  const add = (owner: string, digest: string) => {
    hidden.add(digest);
    const list = dependents.get(owner) ?? [];
    list.push(digest);
    dependents.set(owner, list);
  };
  for (const a of all) {
    if (a.subjectDigest !== null && digests.has(a.subjectDigest)) add(a.subjectDigest, a.digest);
    if (isIndexMediaType(a.mediaType)) {
      for (const child of await meta.artifacts.children(repository, a.digest)) add(a.digest, child.digest);
    }
  }
  const candidates = all
    .filter((a) => !hidden.has(a.digest))
    .map((a) => ({
      id: a.id,
      digest: a.digest,
      tags: a.tags.map((t) => t.name),
      pushedAt: Math.max(a.pushTime.getTime(), ...a.tags.map((t) => t.pushTime.getTime())),
      pulledAt: maxTime([a.pullTime, ...a.tags.map((t) => t.pullTime)]),
    }));
  return { candidates, dependents };
}

/** Deletes an artifact with its accessories and the untagged children no other index lists. */
async function deleteCandidate(
  deps: RetentionDeps,
  repo: { name: string; project: string },
  digest: string,
  dependents: readonly string[],
): Promise<void> {
  try {
    await deps.manifests.delete(repo, digest);
  } catch (err) {
    // Already gone: an earlier attempt of this task got there.
    if (!(err instanceof NotFound)) throw err;
  }
  for (const dependent of dependents) {
    const artifact = await deps.meta.artifacts.getByDigest(repo.name, dependent);
    if (!artifact) continue;
    const tagged = await deps.meta.tags.listForArtifact(repo.name, dependent, {
      filters: [],
      sort: [],
      offset: 0,
      limit: 1,
    });
    if (tagged.total > 0 && artifact.subjectDigest === null) continue;
    try {
      await deps.manifests.delete(repo, dependent);
    } catch (err) {
      // Still listed by another index, or protected: it stays, as Harbor's cascade leaves it.
      if (!(err instanceof DomainError)) throw err;
    }
  }
}

function maxTime(times: (Date | null)[]): number | null {
  let max: number | null = null;
  for (const t of times) if (t && (max === null || t.getTime() > max)) max = t.getTime();
  return max;
}

/** Harbor's per-repository table: one row per candidate with what retention did to it. */
export function table(
  repository: string,
  candidates: readonly RetentionCandidate[],
  marks: Map<string, RetentionMark>,
): string {
  const rows = [
    ['Artifact', 'Tags', 'PushedTime', 'PulledTime', 'Retention'],
    ...candidates.map((c) => [
      `${repository}@${c.digest}`,
      c.tags.join(',') || '<none>',
      timeText(c.pushedAt),
      c.pulledAt === null ? '-' : timeText(c.pulledAt),
      marks.get(c.digest) ?? 'RETAIN',
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(rows[0]!), rule, ...rows.slice(1).map(line)].join('\n');
}

function timeText(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}
