import type { Logger } from 'pino';
import { Conflict } from '../../core/errors.js';
import type { Execution, JobService, NewTask } from '../../jobs/job-types.js';
import type { Artifact } from '../../meta/meta-store.js';
import { SCAN_ALL_VENDOR_TYPE, type ScannerIdentity, type ScannerRegistration } from '../scan-contract.js';
import { JOB_REMATCH, JOB_SCAN_ALL, REMATCH_VENDOR, isCurrent, scanKind, scanTask } from './scan-jobs.js';
import type { ReportRow, ScanRepo } from './scan-repo-types.js';
import { BUILTIN_SCANNER_UUID } from './scanner-registry.js';

/** What scan-all's enumeration needs of the engine. */
export interface EnumerationHost {
  repo: ScanRepo;
  jobs: JobService;
  log: Logger;
  dbVersion(): Promise<number>;
  scannerFor(projectId: number): Promise<{ scanner: ScannerRegistration; identity: ScannerIdentity }>;
  imageChildren(repository: string, digest: string): Promise<Artifact[]>;
  /** Starts the (Pending) report of an index whose children are queued, so its merge has a row to fill. */
  beginReport(
    digest: string,
    scanner: ScannerRegistration,
    identity: ScannerIdentity,
    executionId: number,
  ): Promise<unknown>;
  tryMergeIndex(repository: string, digest: string, scannerUuid: string): Promise<void>;
}

/** Streams every artifact once, queueing only what is not current (unless forced). */
export async function enumerateAll(h: EnumerationHost, executionId: number, force: boolean): Promise<void> {
  const dbVersion = await h.dbVersion();
  const scanners = new Map<number, { scanner: ScannerRegistration; identity: ScannerIdentity }>();
  let after = 0;
  let queued = 0;
  let skipped = 0;
  for (;;) {
    const execution = await h.jobs.getExecution(executionId);
    if (!execution || execution.status === 'Stopped') return;
    const page = await h.repo.artifactsAfter(after, 500);
    if (page.length === 0) break;
    after = page[page.length - 1]!.id;
    const tasks: NewTask[] = [];
    const seen = new Set<string>();
    const reports = new Map<string, ReportRow[]>();
    for (const r of await h.repo.summariesOf(page.map((a) => a.digest))) {
      reports.set(r.digest, [...(reports.get(r.digest) ?? []), r]);
    }
    for (const a of page) {
      const kind = scanKind(a);
      if (!kind || a.isChild) continue;
      let chosen = scanners.get(a.projectId);
      if (!chosen) {
        chosen = await h.scannerFor(a.projectId);
        scanners.set(a.projectId, chosen);
      }
      const { scanner, identity } = chosen;
      if (scanner.disabled) continue;
      const base = { repository: a.repository, projectId: a.projectId, scannerUuid: scanner.uuid };
      const add = (digest: string, report: ReportRow | undefined) => {
        if (seen.has(digest)) return;
        seen.add(digest);
        if (!force && isCurrent(report, identity, dbVersion)) {
          skipped++;
          return;
        }
        tasks.push(scanTask(JOB_SCAN_ALL, { ...base, digest }, 'SCHEDULE'));
      };
      const reportOf = (digest: string, rows = reports.get(digest)) =>
        rows?.find((r) => r.scannerUuid === scanner.uuid);
      if (kind === 'image') {
        add(a.digest, reportOf(a.digest));
        continue;
      }
      const children = await h.imageChildren(a.repository, a.digest);
      const childReports = await h.repo.summariesOf(children.map((c) => c.digest));
      const before = tasks.length;
      for (const c of children)
        add(
          c.digest,
          childReports.find((r) => r.digest === c.digest && r.scannerUuid === scanner.uuid),
        );
      const indexReport = reportOf(a.digest);
      if (tasks.length > before || force || !isCurrent(indexReport, identity, dbVersion)) {
        await h.beginReport(a.digest, scanner, identity, executionId);
        if (tasks.length === before) await h.tryMergeIndex(a.repository, a.digest, scanner.uuid);
      }
    }
    if (tasks.length > 0) queued += await h.jobs.addTasks(executionId, tasks);
  }
  h.log.info({ executionId, queued, skipped }, 'scan-all queued what changed');
}

/** Stops scan-all runs that are running or waiting. */
export async function stopScanAll(jobs: JobService): Promise<boolean> {
  let stopped = false;
  for (const status of ['Running', 'Pending'] as const) {
    const running = await jobs.listExecutions({ vendorType: SCAN_ALL_VENDOR_TYPE, status }, { page: 1, pageSize: 10 });
    for (const e of running.items) stopped = (await jobs.stopExecution(e.id)) || stopped;
  }
  return stopped;
}

/**
 * Queues a re-match of every successful built-in report made with another DB version whose inventory
 * is stored, in one execution. True when all were queued (or none needed it); false when a re-match
 * run is already going (the next check picks up what it missed).
 */
export async function queueRematches(
  repo: ScanRepo,
  jobs: JobService,
  dbVersion: number,
  analyzerVersion: number,
): Promise<boolean> {
  const first = await repo.staleWithInventory(BUILTIN_SCANNER_UUID, dbVersion, analyzerVersion, '', 500);
  if (first.length === 0) return true;
  let execution: Execution;
  try {
    execution = await jobs.startExecution({
      vendorType: REMATCH_VENDOR,
      vendorId: 0,
      trigger: 'EVENT',
      singleActive: true,
      open: true,
      extraAttrs: { dbVersion },
    });
  } catch (err) {
    if (err instanceof Conflict) return false;
    throw err;
  }
  try {
    let page = first;
    while (page.length > 0) {
      await jobs.addTasks(
        execution.id,
        page.map((digest) => ({
          jobType: JOB_REMATCH,
          params: { digest, repository: '', projectId: 0, scannerUuid: BUILTIN_SCANNER_UUID },
          dedupeKey: `scan:${digest}`,
        })),
      );
      page = await repo.staleWithInventory(
        BUILTIN_SCANNER_UUID,
        dbVersion,
        analyzerVersion,
        page[page.length - 1]!,
        500,
      );
    }
    return true;
  } finally {
    await jobs.seal(execution.id);
  }
}
