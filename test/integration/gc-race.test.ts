import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../server/core/errors.js';
import { EventBus } from '../../server/core/events.js';
import { resolveRepositoryName } from '../../server/core/names.js';
import { runGarbageCollection, type GcParams } from '../../server/gc/gc-engine.js';
import type { TaskContext } from '../../server/jobs/job-types.js';
import type { MetaStore } from '../../server/meta/meta-store.js';
import { openSqliteMetaStore } from '../../server/meta/sqlite/sqlite-meta-store.js';
import { BlobService } from '../../server/registry/blob-service.js';
import { ManifestService } from '../../server/registry/manifest-service.js';
import { UploadService } from '../../server/registry/upload-service.js';
import { BlobStore } from '../../server/storage/blob-store.js';
import { FilesystemDriver } from '../../server/storage/filesystem-driver.js';

/**
 * Randomised races between pushes and an online GC with a zero window (everything unreferenced is
 * collectable at once), on the real services over SQLite and the filesystem. Seeded: a failure
 * prints its seed, and SEED=<n> replays it. Pushes share layers, re-push content GC just deleted,
 * mount across repositories and probe with HEAD, while artifacts are deleted and GC runs.
 *
 * After every round, every artifact that exists must pull: its manifest and all its blobs readable
 * and matching their digests. A push may fail only with the documented retryable refusals:
 * BLOB_UPLOAD_INVALID (the blob was being collected) or MANIFEST_BLOB_UNKNOWN (with a zero window a
 * layer's link can go before the manifest arrives); never anything else.
 */

const ROUNDS = 15;
const SEED = Number(process.env.SEED ?? Date.now() % 100000);
const RETRYABLE = new Set(['BLOB_UPLOAD_INVALID', 'MANIFEST_BLOB_UNKNOWN']);

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const log = pino({ level: 'silent' });

let dir: string;
let meta: MetaStore;
let blobs: BlobStore;
let uploads: UploadService;
let manifests: ManifestService;
let blobService: BlobService;
const events = new EventBus(() => undefined);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-gc-race-'));
  meta = openSqliteMetaStore({ file: join(dir, 'meta.db') });
  blobs = new BlobStore(new FilesystemDriver(join(dir, 'storage')));
  const shared = { blobs, meta, events, log, autoCreateProjects: true };
  uploads = new UploadService({ ...shared, maxBlobBytes: 1 << 30 });
  manifests = new ManifestService({ ...shared, cacheBytes: 0 });
  blobService = new BlobService({ blobs, meta, linkRefreshMs: 0 });
});

afterAll(async () => {
  await meta?.close();
  await rm(dir, { recursive: true, force: true });
});

function gcContext(params: GcParams): TaskContext<GcParams> {
  return {
    task: { id: 1, executionId: 1, jobType: 'gc', attempts: 1 },
    params,
    signal: new AbortController().signal,
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    progress: () => undefined,
    setExecutionAttrs: () => undefined,
    runInWorker: () => Promise.reject(new Error('unused')),
  };
}

describe(`GC racing pushes (seed ${SEED})`, () => {
  it('never loses a blob an artifact uses, and refuses pushes only retryably', async () => {
    const random = rng(SEED);
    const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
    const pool = Array.from({ length: 12 }, (_, i) => Buffer.from(`layer-${SEED}-${i}-`.repeat(20 + i)));
    const repos = ['library/a', 'library/b', 'team/c'].map((n) => resolveRepositoryName(n));
    const failures: string[] = [];

    const tolerate = (err: unknown) => {
      if (err instanceof DomainError && RETRYABLE.has(err.code)) return;
      failures.push(err instanceof DomainError ? `${err.code}: ${err.message}` : String(err));
    };

    const pushImage = async (round: number, n: number) => {
      const repo = pick(repos);
      const layers = [pick(pool), pick(pool)];
      const config = Buffer.from(JSON.stringify({ os: 'linux', round, n: random() < 0.5 ? 0 : n }));
      for (const content of [config, ...layers]) {
        const digest = sha256(content);
        const roll = random();
        if (roll < 0.3 && (await blobService.probe(repo, digest).catch(() => undefined))) continue;
        if (roll < 0.5 && (await uploads.mount(repo, digest, pick(repos)))) continue;
        await uploads.monolithic(repo, digest, Readable.from([content]));
      }
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: {
            mediaType: 'application/vnd.oci.image.config.v1+json',
            digest: sha256(config),
            size: config.length,
          },
          layers: layers.map((l) => ({
            mediaType: 'application/vnd.oci.image.layer.v1.tar',
            digest: sha256(l),
            size: l.length,
          })),
        }),
      );
      await manifests.put(
        repo,
        random() < 0.5 ? `t${n % 4}` : sha256(manifest),
        manifest,
        'application/vnd.oci.image.manifest.v1+json',
      );
    };

    const deleteSome = async () => {
      const repo = pick(repos);
      const page = await meta.artifacts.list(repo.name, { filters: [], sort: [], offset: 0, limit: 50 });
      for (const artifact of page.items)
        if (random() < 0.4)
          await manifests.delete(repo, artifact.digest).catch((err: unknown) => {
            // GC's delete_untagged may have deleted it first.
            if (!(err instanceof DomainError && err.code === 'MANIFEST_UNKNOWN')) tolerate(err);
          });
    };

    for (let round = 0; round < ROUNDS; round++) {
      const work: Promise<unknown>[] = [];
      for (let n = 0; n < 6; n++) work.push(pushImage(round, n).catch(tolerate));
      work.push(deleteSome().catch(tolerate));
      work.push(
        runGarbageCollection(
          gcContext({ dryRun: false, deleteUntagged: random() < 0.3, workers: 1 + Math.floor(random() * 5) }),
          {
            meta,
            blobs,
            events,
            windowMs: 0,
            uploadMaxAgeMs: 3600_000,
          },
        ),
      );
      await Promise.all(work);

      for (const repo of repos) {
        const page = await meta.artifacts.list(repo.name, { filters: [], sort: [], offset: 0, limit: 1000 });
        for (const artifact of page.items) {
          const bytes = await blobs.getSmall(artifact.digest);
          expect(sha256(bytes), `round ${round}: manifest ${repo.name}@${artifact.digest}`).toBe(artifact.digest);
          const m = JSON.parse(bytes.toString()) as { config: { digest: string }; layers: Array<{ digest: string }> };
          for (const d of [m.config.digest, ...m.layers.map((l) => l.digest)]) {
            expect(await meta.blobs.getLinked(repo.name, d), `round ${round}: link ${repo.name} ${d}`).toBeDefined();
            const data = await buffer(await blobs.open(d));
            expect(sha256(data), `round ${round}: blob ${d} of ${artifact.digest}`).toBe(d);
          }
        }
      }
    }
    expect(failures).toEqual([]);
  }, 60_000);
});
