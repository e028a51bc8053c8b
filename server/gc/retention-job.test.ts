import { createHash } from 'node:crypto';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventBus } from '../core/events.js';
import type { TaskContext } from '../jobs/job-types.js';
import type { MetaStore } from '../meta/meta-store.js';
import type { RetentionRule } from '../meta/retention-types.js';
import { openSqliteMetaStore } from '../meta/sqlite/sqlite-meta-store.js';
import { ManifestService } from '../registry/manifest-service.js';
import { BlobStore } from '../storage/blob-store.js';
import { MemoryDriver } from '../storage/memory-driver.js';
import { retainRepository, type RetentionTaskParams } from './retention-job.js';

const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
const REPO = { name: 'p/app', project: 'p' };

let meta: MetaStore;
let manifests: ManifestService;

beforeEach(async () => {
  meta = openSqliteMetaStore({ file: ':memory:' });
  await meta.projects.ensure('p');
  manifests = new ManifestService({
    blobs: new BlobStore(new MemoryDriver()),
    meta,
    events: new EventBus(() => {}),
    log: pino({ level: 'silent' }),
    autoCreateProjects: false,
    cacheBytes: 1 << 20,
  });
});

afterEach(async () => {
  await meta.close();
});

/** Pushes a one-layer image by tag (or untagged) and returns its digest. */
async function push(tag: string | null, n: number): Promise<string> {
  const config = { digest: sha(`config-${n}`), size: 10 };
  const layer = { digest: sha(`layer-${n}`), size: 20 };
  for (const blob of [config, layer]) {
    await meta.blobs.link({ repository: REPO.name, project: 'p', createProject: false, blob });
  }
  const body = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
    }),
  );
  const digest = sha(body.toString());
  await manifests.put(REPO, tag ?? digest, body, 'application/vnd.oci.image.manifest.v1+json');
  // Distinct push times, oldest first.
  await new Promise((r) => setTimeout(r, 5));
  return digest;
}

const keepNewest = (k: number): RetentionRule => ({
  id: 1,
  priority: 0,
  disabled: false,
  action: 'retain',
  template: 'latestPushedK',
  params: { latestPushedK: k },
  tagSelectors: [{ kind: 'doublestar', decoration: 'matches', pattern: '**' }],
  scopeSelectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
});

/** A TaskContext as the job system hands it, with the log in an array and an abort switch. */
function fakeContext(params: RetentionTaskParams, abortAfterDeletions = Infinity) {
  const controller = new AbortController();
  const lines: string[] = [];
  const progress: [number, number][] = [];
  const ctx = {
    task: { id: 1, executionId: 1, jobType: 'retention', attempts: 1 },
    params,
    signal: controller.signal,
    log: {
      info: (l: string) => lines.push(l),
      warn: (l: string) => lines.push(l),
      error: (l: string) => lines.push(l),
    },
    progress: (done: number, total: number) => {
      progress.push([done, total]);
      if (done >= abortAfterDeletions) controller.abort(new Error('stopped'));
    },
    setExecutionAttrs: () => {},
  } as unknown as TaskContext<RetentionTaskParams>;
  return { ctx, lines, progress };
}

const params = (dryRun: boolean, rules = [keepNewest(1)]): RetentionTaskParams => ({
  policyId: 1,
  projectId: 1,
  project: 'p',
  repository: REPO.name,
  dryRun,
  rules,
});

async function remaining(): Promise<string[]> {
  const page = await meta.artifacts.list(REPO.name, { filters: [], sort: [], offset: 0, limit: 100 });
  return page.items.map((a) => a.digest).sort();
}

describe('retention task', () => {
  it('a dry run logs the table and deletes nothing; the real run deletes the same artifacts', async () => {
    const old = [await push('v1', 1), await push(null, 2), await push('v3', 3)];
    const newest = await push('v4', 4);
    const dry = fakeContext(params(true));
    const planned = await retainRepository(dry.ctx, { meta, manifests, log: pino({ level: 'silent' }) });
    const del = [...planned.marks].filter(([, m]) => m === 'DEL').map(([d]) => d);
    expect(del.sort()).toEqual([...old].sort());
    expect(dry.lines.join('\n')).toMatch(/\| Retention \|/);
    expect(await remaining()).toHaveLength(4);

    const real = fakeContext(params(false));
    await retainRepository(real.ctx, { meta, manifests, log: pino({ level: 'silent' }) });
    expect(await remaining()).toEqual([newest]);
    expect(real.progress.at(-1)).toEqual([3, 3]);
  });

  it('stops between deletions when aborted, and a re-run finishes the job (idempotent)', async () => {
    for (let i = 1; i <= 4; i++) await push(`v${i}`, i);
    const first = fakeContext(params(false), 1);
    await expect(retainRepository(first.ctx, { meta, manifests, log: pino({ level: 'silent' }) })).rejects.toThrow(
      /stopped/,
    );
    expect(await remaining()).toHaveLength(3);
    const again = fakeContext(params(false));
    const outcome = await retainRepository(again.ctx, { meta, manifests, log: pino({ level: 'silent' }) });
    expect(await remaining()).toHaveLength(1);
    expect(outcome).toMatchObject({ total: 3, retained: 1 });
  });

  it('never deletes an artifact with an immutable tag', async () => {
    const project = (await meta.projects.get('p'))!;
    await meta.immutableRules.create({
      projectId: project.id,
      disabled: false,
      priority: 0,
      action: 'immutable',
      template: 'immutable_template',
      params: {},
      tagSelectors: [{ kind: 'doublestar', decoration: 'matches', pattern: 'v1' }],
      scopeSelectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
    });
    const v1 = await push('v1', 1);
    const v2 = await push('v2', 2);
    const newest = await push('v3', 3);
    const real = fakeContext(params(false));
    const outcome = await retainRepository(real.ctx, { meta, manifests, log: pino({ level: 'silent' }) });
    expect(outcome.marks.get(v1)).toBe('IMMUTABLE');
    expect(await remaining()).toEqual([v1, newest].sort());
    expect(outcome.marks.get(v2)).toBe('DEL');
  });
});
