import { Readable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Conflict, Unauthorized } from '../../core/errors.js';
import { EventBus } from '../../core/events.js';
import { LocalJobService } from '../../jobs/job-service.js';
import type { Execution } from '../../jobs/job-types.js';
import type { MetaStore } from '../../meta/meta-store.js';
import { openSqliteMetaStore } from '../../meta/sqlite/sqlite-meta-store.js';
import {
  FakePolicies,
  FakeRegistry,
  fakeSides,
  gate,
  newPolicy,
  readAll,
} from '../../../test/helpers/replication-fakes.js';
import {
  REPLICATION_JOB_TYPES,
  REPLICATION_VENDOR,
  ReplicationTransportError,
  type NewPolicy,
} from '../replication-contract.js';
import type { EngineTunables } from './engine-types.js';
import { ReplicationEngine } from './replication-engine.js';
import { executionJson, taskJson } from '../../http/api/replication-execution-routes.js';

const log = pino({ level: 'silent' });
const open: Array<{ jobs: LocalJobService; meta: MetaStore }> = [];

afterEach(async () => {
  for (const { jobs, meta } of open.splice(0)) {
    await jobs.close();
    await meta.close();
  }
});

async function setup(tunables: Partial<EngineTunables> = {}) {
  const meta = openSqliteMetaStore({ file: ':memory:' });
  const jobs = new LocalJobService({
    repo: meta.jobs,
    log,
    owner: 'test',
    cpuSlots: 2,
    leaseMs: 3000,
    historyPerVendor: 50,
    maxLogLines: 500,
    pollMs: 50,
  });
  open.push({ jobs, meta });
  const local = new FakeRegistry();
  const remote = new FakeRegistry();
  const policies = new FakePolicies();
  const events = new EventBus(() => undefined);
  const engine = new ReplicationEngine({
    jobs,
    events,
    policies,
    log,
    ...fakeSides(local, remote),
    tunables: { retryBaseMs: 10, backpressurePollMs: 20, ...tunables },
  });
  await engine.register();
  await jobs.start();
  const run = async (change: Partial<NewPolicy> = {}) => {
    const policy = await policies.create(newPolicy(change));
    const { executionId } = await engine.start(policy.id, 'MANUAL');
    return { policy, executionId, done: () => ended(jobs, executionId) };
  };
  const copyTasks = async (executionId: number) =>
    (await jobs.listTasks({ executionId, jobType: REPLICATION_JOB_TYPES.copy }, { page: 1, pageSize: 100 })).items;
  const logOf = async (executionId: number) => {
    const lines = [];
    for (const t of (await jobs.listTasks({ executionId }, { page: 1, pageSize: 100 })).items) {
      lines.push(await jobs.readLog(t.id));
    }
    return lines.join('');
  };
  return { jobs, local, remote, policies, events, engine, run, copyTasks, logOf };
}

async function until<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, what: string): Promise<T> {
  const deadline = Date.now() + 8000;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const ended = (jobs: LocalJobService, id: number): Promise<Execution> =>
  until(async () => {
    const e = await jobs.getExecution(id);
    return e?.endTime ? e : undefined;
  }, `execution ${id} to end`);

describe('ReplicationEngine copies', () => {
  it('streams: the first copy runs before enumeration ends, and every artifact arrives with its tags', async () => {
    const { local, remote, run, copyTasks } = await setup();
    const a = local.image('library/a', ['1.0', '1.1'], [3000, 5000]);
    const b = local.image('library/b', ['2.0'], [7000]);
    const copied = gate();
    local.beforePage = async (page) => {
      if (page === 1) await copied.promise;
    };
    remote.onPushBlob = () => {
      copied.open();
      return undefined;
    };
    const { executionId, done } = await run({ destNamespace: 'mirror', destNamespaceReplaceCount: 1 });
    const execution = await done();
    expect(execution.status).toBe('Success');
    expect(remote.repo('mirror/a').tags.get('1.0')).toBe(a);
    expect(remote.repo('mirror/a').tags.get('1.1')).toBe(a);
    expect(remote.repo('mirror/b').tags.get('2.0')).toBe(b);
    for (const [digest, body] of local.repo('library/b').blobs)
      expect(remote.repo('mirror/b').blobs.get(digest)).toEqual(body);
    expect(remote.namespaces.has('mirror')).toBe(true);
    const tasks = await copyTasks(executionId);
    expect(tasks.map((t) => t.status)).toEqual(['Success', 'Success']);
    // Byte progress is written a moment after it is reported.
    const progress = await until(async () => {
      const p = (await copyTasks(executionId))[1]!.progress;
      return p.total > 0 ? p : undefined;
    }, 'byte progress');
    expect(progress.total).toBeGreaterThan(7000);
    expect(progress.done).toBe(progress.total);
  });

  it('skips blobs the destination has, mounts blobs this run pushed to another repository, else pushes', async () => {
    const { local, remote, run, logOf } = await setup();
    const base = Buffer.alloc(9000, 7);
    local.image('library/a', ['1'], [base, 4000]);
    local.image('library/b', ['1'], [base, 4000]);
    const there = local.image('library/c', ['1'], [6000]);
    // c's layer and config are at the destination already.
    for (const [digest, body] of local.repo('library/c').blobs) remote.repo('library/c').blobs.set(digest, body);
    const { executionId, done } = await run({ concurrency: 1 });
    expect((await done()).status).toBe('Success');
    const baseDigest = [...local.repo('library/a').blobs].find(([, v]) => v.equals(base))![0];
    expect(remote.calls.filter((c) => c.startsWith('pushBlob') && c.includes(baseDigest))).toEqual([
      `pushBlob library/a ${baseDigest}`,
    ]);
    expect(remote.calls).toContain(`mountBlob library/b ${baseDigest} from library/a`);
    expect(remote.calls.some((c) => c.startsWith('pushBlob library/c'))).toBe(false);
    expect(remote.repo('library/c').tags.get('1')).toBe(there);
    expect(await logOf(executionId)).toMatch(/is already in library\/c: skipped/);
  });

  it('leaves a destination tag naming another digest alone unless override is on; same digest is up to date', async () => {
    const { local, remote, run, logOf } = await setup();
    const mine = local.image('app', ['1.0'], [1000]);
    const theirs = remote.image('app', ['1.0'], [1000]);
    const off = await run({ override: false });
    expect((await off.done()).status).toBe('Success');
    expect(remote.repo('app').tags.get('1.0')).toBe(theirs);
    expect(await logOf(off.executionId)).toMatch(/override is off: skipped/);

    const on = await run({ override: true });
    expect((await on.done()).status).toBe('Success');
    expect(remote.repo('app').tags.get('1.0')).toBe(mine);

    remote.calls.length = 0;
    const again = await run({ override: true });
    expect((await again.done()).status).toBe('Success');
    expect(remote.calls.filter((c) => c.startsWith('put') || c.startsWith('push'))).toEqual([]);
    expect(await logOf(again.executionId)).toMatch(/up to date/);
  });

  it('copies an index after its children, and referrers (a signature of the index, an SBOM of the signature)', async () => {
    const { local, remote, run } = await setup();
    const amd = local.image('multi', [], [2000], { list: false });
    const arm = local.image('multi', [], [2500], { list: false });
    const index = local.index('multi', ['latest'], [amd, arm]);
    const sig = local.image('multi', [], [300], {
      subject: local.descriptor('multi', index),
      artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
    });
    const sbom = local.image('multi', [], [400], {
      subject: local.descriptor('multi', sig),
      artifactType: 'application/spdx+json',
    });
    const { done } = await run();
    expect((await done()).status).toBe('Success');
    const puts = remote.calls.filter((c) => c.startsWith('putManifest'));
    expect(puts.indexOf(`putManifest multi ${index}`)).toBeGreaterThan(puts.indexOf(`putManifest multi ${amd}`));
    expect(puts.indexOf(`putManifest multi ${index}`)).toBeGreaterThan(puts.indexOf(`putManifest multi ${arm}`));
    expect(remote.repo('multi').tags.get('latest')).toBe(index);
    expect(remote.repo('multi').manifests.has(sig)).toBe(true);
    expect(remote.repo('multi').manifests.has(sbom)).toBe(true);
  });

  it('runs at most the policy concurrency of one execution copies at once', async () => {
    const { local, remote, run } = await setup();
    for (let i = 0; i < 6; i++) local.image(`r/${i}`, ['1'], [100]);
    local.pageSize = 6;
    // Tasks (repositories) with a blob in flight; each artifact has two blobs pushed in parallel.
    const active = new Map<string, number>();
    let peak = 0;
    const release = gate();
    remote.onPushBlob = (repository, blob, openBlob, options) =>
      (async () => {
        active.set(repository, (active.get(repository) ?? 0) + 1);
        peak = Math.max(peak, active.size);
        if (peak >= 2) release.open();
        await release.promise;
        const body = await readAll(await openBlob(0), options);
        remote.storeBlob(repository, blob.digest, body);
        const left = active.get(repository)! - 1;
        if (left === 0) active.delete(repository);
        else active.set(repository, left);
      })();
    const { done } = await run({ concurrency: 2 });
    expect((await done()).status).toBe('Success');
    expect(peak).toBe(2);
    for (let i = 0; i < 6; i++) expect(remote.repo(`r/${i}`).tags.get('1')).toBeDefined();
  });

  it('paces an execution with a speed limit through its token bucket', async () => {
    let now = 0;
    const clock = { now: () => now, sleep: async (ms: number) => void (now += ms) };
    const { local, remote, run } = await setup({ clock });
    const layer = Buffer.alloc(96 * 1024, 1);
    local.image('slow', ['1'], [layer]);
    const { done } = await run({ speedKbps: 8 });
    expect((await done()).status).toBe('Success');
    expect([...remote.repo('slow').blobs.values()].some((b) => b.equals(layer))).toBe(true);
    // 8 KiB/s with a 16 KiB burst: the virtual clock moved by at least the time the rest needs.
    expect(now).toBeGreaterThanOrEqual(((layer.length - 16 * 1024) / (8 * 1024)) * 1000 - 1);
  });

  it('a stop ends a blob in the middle of its stream', async () => {
    const { local, remote, run, jobs } = await setup();
    local.image('big', ['1'], [10]);
    let destroyed = false;
    let received = 0;
    local.onOpenBlob = async (_repo, _digest, _offset, signal) => {
      // A source that sends a little and then never ends until aborted.
      const stream = new Readable({ read() {} });
      stream.push(Buffer.alloc(1000));
      signal.addEventListener('abort', () => {
        destroyed = true;
        stream.destroy(signal.reason as Error);
      });
      return stream;
    };
    remote.onPushBlob = (_repository, _blob, openBlob) =>
      (async () => {
        const stream = await openBlob(0);
        for await (const chunk of stream) received += (chunk as Buffer).length;
      })();
    const { executionId, done } = await run();
    await until(() => received >= 1000, 'bytes to flow');
    await jobs.stopExecution(executionId);
    expect((await done()).status).toBe('Stopped');
    expect(destroyed).toBe(true);
  });

  it('a transport failure is retried and the blob resumes at the offset the destination holds', async () => {
    const { local, remote, run, copyTasks } = await setup();
    const layer = Buffer.alloc(20_000, 3);
    local.image('resume', ['1'], [layer]);
    const partial = new Map<string, Buffer>();
    remote.onPushBlob = (repository, blob, openBlob, options) =>
      (async () => {
        const have = partial.get(blob.digest) ?? Buffer.alloc(0);
        const stream = await openBlob(have.length);
        const chunks = [have];
        let size = have.length;
        for await (const chunk of stream) {
          chunks.push(chunk as Buffer);
          size += (chunk as Buffer).length;
          options.onBytes?.((chunk as Buffer).length);
          if (blob.size === layer.length && have.length === 0 && size >= 8192) {
            partial.set(blob.digest, Buffer.concat(chunks));
            stream.destroy();
            throw new ReplicationTransportError('connection reset', 502);
          }
        }
        remote.storeBlob(repository, blob.digest, Buffer.concat(chunks));
      })();
    const { executionId, done } = await run();
    expect((await done()).status).toBe('Success');
    const [task] = await copyTasks(executionId);
    expect(task!.attempts).toBe(2);
    const layerOpens = local.calls.filter(
      (c) => c.startsWith('openBlob resume') && c.includes(remote.repo('resume').blobs.size ? '' : ''),
    );
    const offsets = layerOpens.map((c) => Number(c.split(' ')[3])).filter((o) => o > 0);
    expect(offsets).toEqual([8192]);
    expect([...remote.repo('resume').blobs.values()].some((b) => b.equals(layer))).toBe(true);
  });

  it('refused credentials fail the task at once with a clear message', async () => {
    const { local, remote, run, copyTasks } = await setup();
    local.image('x', ['1'], [10]);
    remote.failWith = (method) => (method === 'headManifest' ? new Unauthorized('bad password') : undefined);
    const { executionId, done } = await run();
    expect((await done()).status).toBe('Error');
    const [task] = await copyTasks(executionId);
    expect(task).toMatchObject({ status: 'Error', attempts: 1 });
    expect(task!.statusMessage).toMatch(/refused the credentials: bad password/);
  });
});

describe('Harbor execution and task JSON', () => {
  it('counts artifact tasks only, in Harbor status words, with byte progress and resources', async () => {
    const { local, run, jobs, copyTasks } = await setup();
    local.image('library/a', ['1.0'], [1000]);
    const { executionId, done } = await run({ destNamespace: 'm' });
    const e = await done();
    expect(await executionJson(jobs, e)).toMatchObject({
      id: executionId,
      status: 'Succeed',
      trigger: 'manual',
      total: 1,
      succeed: 1,
      failed: 0,
      in_progress: 0,
      stopped: 0,
    });
    const [task] = await copyTasks(executionId);
    expect(taskJson(task!)).toMatchObject({
      status: 'Succeed',
      job_id: String(task!.id),
      operation: 'copy',
      resource_type: 'image',
      src_resource: 'library/a:1.0',
      dst_resource: 'm/a:1.0',
    });
  });
});

describe('ReplicationEngine triggers', () => {
  it('refuses a second manual run while a single-active policy runs', async () => {
    const { local, engine, policies, jobs } = await setup();
    local.image('x', ['1'], [10]);
    const hold = gate();
    local.beforePage = () => hold.promise;
    const policy = await policies.create(newPolicy({ singleActive: true }));
    const first = await engine.start(policy.id, 'MANUAL');
    await expect(engine.start(policy.id, 'MANUAL')).rejects.toBeInstanceOf(Conflict);
    hold.open();
    expect((await ended(jobs, first.executionId)).status).toBe('Success');
  });

  it('starts one event execution per push a local-source event policy selects, and syncs deletions', async () => {
    const { local, remote, policies, events, jobs } = await setup();
    const policy = await policies.create(
      newPolicy({
        trigger: { type: 'event_based' },
        filters: [{ type: 'name', value: 'library/**' }],
        replicateDeletion: true,
      }),
    );
    const d1 = local.image('library/web', ['1'], [100]);
    const d2 = local.image('library/web', ['2'], [100]);
    local.image('other/web', ['1'], [100]);
    const push = (repository: string, digest: string, tag: string) =>
      events.emit('artifact.pushed', { repository, digest, tag, mediaType: 'x', size: 1, actor: null });
    push('library/web', d1, '1');
    push('library/web', d2, '2');
    push('other/web', d1, '1');
    const executions = await until(async () => {
      const page = await jobs.listExecutions(
        { vendorType: REPLICATION_VENDOR, vendorId: policy.id },
        { page: 1, pageSize: 10 },
      );
      return page.total === 2 && page.items.every((e) => e.endTime) ? page.items : undefined;
    }, 'two event executions');
    for (const e of executions) {
      expect(e).toMatchObject({ trigger: 'EVENT', status: 'Success' });
      expect((await jobs.listTasks({ executionId: e.id }, { page: 1, pageSize: 10 })).total).toBe(1);
    }
    expect(remote.repo('library/web').tags.get('1')).toBe(d1);
    expect(remote.repo('library/web').tags.get('2')).toBe(d2);
    expect(remote.repos.has('other/web')).toBe(false);

    events.emit('tag.deleted', { repository: 'library/web', tag: '1', actor: null });
    await until(() => !remote.repo('library/web').tags.has('1'), 'the tag deletion to replicate');
    events.emit('artifact.deleted', { repository: 'library/web', digest: d2, actor: null });
    await until(() => !remote.repo('library/web').manifests.has(d2), 'the deletion to replicate');
  });

  it('keeps a schedule per enabled scheduled policy', async () => {
    const { policies, jobs } = await setup();
    const p = await policies.create(newPolicy({ trigger: { type: 'scheduled', cron: '0 0 1 * * *' } }));
    await until(() => jobs.getSchedule(REPLICATION_VENDOR, p.id), 'the schedule');
    await policies.update(p.id, newPolicy({ enabled: false, trigger: { type: 'scheduled', cron: '0 0 1 * * *' } }));
    await until(async () => !(await jobs.getSchedule(REPLICATION_VENDOR, p.id)), 'the schedule to go');
  });
});

describe('ReplicationEngine preview', () => {
  it('lists what the filters select, with destinations, up to the limit', async () => {
    const { local, engine } = await setup();
    local.image('library/a', ['1.0', 'dev'], [10]);
    local.image('library/b', ['dev'], [10]);
    local.image('library/c', ['2.0'], [10]);
    local.image('library/d', ['3.0'], [10]);
    const policy = newPolicy({ filters: [{ type: 'tag', value: '*.*' }], destNamespace: 'm' });
    const { items, truncated } = await engine.preview(policy, 2, new AbortController().signal);
    expect(items.map((i) => [i.repository, i.tags, i.dstRepository])).toEqual([
      ['library/a', ['1.0'], 'm/a'],
      ['library/c', ['2.0'], 'm/c'],
    ]);
    expect(truncated).toBe(true);
  });
});
