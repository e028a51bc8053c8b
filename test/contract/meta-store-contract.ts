import { describe, expect, it, vi } from 'vitest';
import { DomainError } from '../../server/core/errors.js';
import { firstPage } from '../../server/meta/list-query.js';
import type { CommitManifestInput, MetaStore } from '../../server/meta/meta-store.js';
import { MediaType } from '../fixtures/image-builder.js';
import {
  expectDomainError,
  freshStoreForEachTest,
  linkBlob,
  uniqueDigests,
  type OpenMetaStore,
} from './contract-kit.js';

/**
 * Behaviour every MetaStore implementation must show. Each dialect's test file calls this with a
 * factory that opens a fresh, empty store (only the `library` project present).
 */
export function describeMetaStoreContract(name: string, open: OpenMetaStore): void {
  describe(`MetaStore contract: ${name}`, () => {
    let store: MetaStore;
    freshStoreForEachTest(open, (opened) => (store = opened));

    const REPO = 'team/app';
    const T0 = new Date(1_700_000_000_000);
    const T1 = new Date(1_700_000_060_000);
    const digest = uniqueDigests();

    const link = (repository: string, d: string, size = 10) => linkBlob(store, repository, d, size);

    function manifestInput(overrides: Partial<CommitManifestInput> = {}): CommitManifestInput {
      return {
        repository: REPO,
        project: 'team',
        createProject: true,
        manifest: { digest: digest('manifest'), size: 500, mediaType: MediaType.ociManifest },
        artifactType: MediaType.ociConfig,
        configDigest: null,
        subjectDigest: null,
        annotations: null,
        blobDigests: [],
        childDigests: [],
        tag: null,
        now: T0,
        ...overrides,
      };
    }

    /** Pushes config + layer and an image manifest referencing them. */
    async function pushImage(overrides: Partial<CommitManifestInput> = {}) {
      const repository = overrides.repository ?? REPO;
      const config = digest('config');
      const layer = digest('layer');
      await link(repository, config);
      await link(repository, layer);
      return store.artifacts.commitManifest(
        manifestInput({ configDigest: config, blobDigests: [config, layer], ...overrides }),
      );
    }

    describe('projects', () => {
      it('always has a public library project', async () => {
        const library = await store.projects.get('library');
        expect(library).toMatchObject({ name: 'library', public: true });
      });

      it('ensure creates once, private by default, and keeps an existing project as is', async () => {
        const created = await store.projects.ensure('team');
        expect(created).toMatchObject({ name: 'team', public: false });
        expect(created.createdAt).toBeInstanceOf(Date);
        const again = await store.projects.ensure('team', { public: true });
        expect(again).toEqual(created);
        expect((await store.projects.ensure('open', { public: true })).public).toBe(true);
        expect((await store.projects.list(firstPage())).items.map((p) => p.name)).toEqual(['library', 'open', 'team']);
        expect(await store.projects.get('nope')).toBeUndefined();
      });
    });

    describe('blobs', () => {
      it('link creates project and repository, and is idempotent', async () => {
        const d = digest();
        await store.blobs.link({
          repository: REPO,
          project: 'team',
          createProject: true,
          blob: { digest: d, size: 3 },
        });
        await store.blobs.link({
          repository: REPO,
          project: 'team',
          createProject: true,
          blob: { digest: d, size: 3 },
        });
        expect(await store.projects.get('team')).toMatchObject({ public: false });
        const repo = await store.repositories.get(REPO);
        expect(repo).toMatchObject({ name: REPO, projectId: (await store.projects.get('team'))!.id });
        expect(await store.blobs.getLinked(REPO, d)).toMatchObject({ digest: d, size: 3, mediaType: null });
      });

      it('link into an unknown project without createProject throws NAME_UNKNOWN and stores nothing', async () => {
        const d = digest();
        await expectDomainError(
          store.blobs.link({
            repository: 'ghost/app',
            project: 'ghost',
            createProject: false,
            blob: { digest: d, size: 1 },
          }),
          { code: 'NAME_UNKNOWN' },
        );
        expect(await store.projects.get('ghost')).toBeUndefined();
        expect(await store.repositories.get('ghost/app')).toBeUndefined();
        expect(await store.blobs.get(d)).toBeUndefined();
      });

      it('getLinked is per repository; get finds any copy; unlink removes only the link', async () => {
        const d = digest();
        await link(REPO, d, 7);
        await store.projects.ensure('other');
        expect(await store.blobs.getLinked('other/app', d)).toBeUndefined();
        expect(await store.blobs.get(d)).toMatchObject({ digest: d, size: 7 });
        expect(await store.blobs.unlink(REPO, d)).toBe(true);
        expect(await store.blobs.unlink(REPO, d)).toBe(false);
        expect(await store.blobs.getLinked(REPO, d)).toBeUndefined();
        expect(await store.blobs.get(d)).toBeDefined();
      });
    });

    describe('commitManifest', () => {
      it('stores the artifact, links the manifest blob and sets the tag', async () => {
        const subject = digest('subject');
        const artifact = await pushImage({
          tag: 'v1',
          annotations: { 'org.opencontainers.image.title': 'app' },
          subjectDigest: subject,
        });
        expect(artifact).toMatchObject({
          repository: REPO,
          mediaType: MediaType.ociManifest,
          artifactType: MediaType.ociConfig,
          size: 500,
          subjectDigest: subject,
          annotations: { 'org.opencontainers.image.title': 'app' },
          pullTime: null,
        });
        expect(artifact.pushTime.getTime()).toBe(T0.getTime());
        expect(artifact.configDigest).toMatch(/^sha256:/);
        expect(await store.artifacts.getByDigest(REPO, artifact.digest)).toEqual(artifact);
        expect(await store.artifacts.getByTag(REPO, 'v1')).toEqual(artifact);
        expect(await store.blobs.getLinked(REPO, artifact.digest)).toMatchObject({
          size: 500,
          mediaType: MediaType.ociManifest,
        });
        expect((await store.repositories.get(REPO))!.updatedAt.getTime()).toBe(T0.getTime());
        expect(await store.tags.list(REPO, 10)).toEqual(['v1']);
      });

      it('refuses a manifest whose blob is not linked, naming it, and stores nothing', async () => {
        const config = digest('config');
        const missing = digest('missing');
        await link(REPO, config);
        const input = manifestInput({ blobDigests: [config, missing], tag: 'v1' });
        await expectDomainError(store.artifacts.commitManifest(input), {
          code: 'MANIFEST_BLOB_UNKNOWN',
          message: new RegExp(missing),
        });
        expect(await store.artifacts.getByDigest(REPO, input.manifest.digest)).toBeUndefined();
        expect(await store.blobs.getLinked(REPO, input.manifest.digest)).toBeUndefined();
        expect(await store.blobs.get(input.manifest.digest)).toBeUndefined();
        expect(await store.tags.list(REPO, 10)).toEqual([]);
      });

      it('refuses a blob linked to another repository only, without creating the repository', async () => {
        const layer = digest('layer');
        await link('team/other', layer);
        const input = manifestInput({ blobDigests: [layer] });
        await expectDomainError(store.artifacts.commitManifest(input), { code: 'MANIFEST_BLOB_UNKNOWN' });
        expect(await store.repositories.get(REPO)).toBeUndefined();
      });

      it('refuses an index whose child is not an artifact of the repository', async () => {
        const child = await pushImage({ repository: 'team/other' });
        const input = manifestInput({
          manifest: { digest: digest('index'), size: 300, mediaType: MediaType.ociIndex },
          childDigests: [child.digest],
          tag: 'multi',
        });
        await expectDomainError(store.artifacts.commitManifest(input), {
          code: 'MANIFEST_BLOB_UNKNOWN',
          message: new RegExp(`manifest unknown: child ${child.digest}`),
        });
        expect(await store.artifacts.getByDigest(REPO, input.manifest.digest)).toBeUndefined();
      });

      it('accepts an index whose children are in the repository', async () => {
        const a = await pushImage();
        const b = await pushImage();
        const index = await store.artifacts.commitManifest(
          manifestInput({
            manifest: { digest: digest('index'), size: 300, mediaType: MediaType.ociIndex },
            artifactType: null,
            childDigests: [a.digest, b.digest],
            tag: 'multi',
          }),
        );
        expect(index).toMatchObject({ mediaType: MediaType.ociIndex, artifactType: null });
        expect((await store.artifacts.getByTag(REPO, 'multi'))!.digest).toBe(index.digest);
      });

      it('throws NAME_UNKNOWN for an unknown project without createProject, storing nothing', async () => {
        const input = manifestInput({ repository: 'ghost/app', project: 'ghost', createProject: false, tag: 'v1' });
        await expectDomainError(store.artifacts.commitManifest(input), { code: 'NAME_UNKNOWN' });
        expect(await store.projects.get('ghost')).toBeUndefined();
        expect(await store.repositories.get('ghost/app')).toBeUndefined();
        expect(await store.blobs.get(input.manifest.digest)).toBeUndefined();
      });

      it('reports the unknown project before the blobs such a repository cannot have', async () => {
        const input = manifestInput({
          repository: 'ghost/app',
          project: 'ghost',
          createProject: false,
          blobDigests: [digest('layer')],
        });
        await expectDomainError(store.artifacts.commitManifest(input), { code: 'NAME_UNKNOWN' });
      });

      it('creates the repository in an existing project without createProject', async () => {
        await store.projects.ensure('team');
        const artifact = await store.artifacts.commitManifest(manifestInput({ createProject: false }));
        expect(artifact.repository).toBe(REPO);
      });

      it('moves a tag from one artifact to another; the old artifact stays', async () => {
        const first = await pushImage({ tag: 'latest' });
        const second = await pushImage({ tag: 'latest', now: T1 });
        expect((await store.artifacts.getByTag(REPO, 'latest'))!.digest).toBe(second.digest);
        expect(await store.artifacts.getByDigest(REPO, first.digest)).toBeDefined();
        expect(await store.tags.list(REPO, 10)).toEqual(['latest']);
      });

      it('is idempotent for identical content: same row, refreshed push time', async () => {
        const input = manifestInput({ tag: 'v1' });
        const first = await store.artifacts.commitManifest(input);
        const again = await store.artifacts.commitManifest({ ...input, now: T1 });
        expect(again.id).toBe(first.id);
        expect(again.pushTime.getTime()).toBe(T1.getTime());
        expect(await store.tags.list(REPO, 10)).toEqual(['v1']);
        expect(await store.repositories.catalog(10)).toEqual([REPO]);
        // Re-pushing by digest only keeps the existing tag.
        await store.artifacts.commitManifest({ ...input, tag: null });
        expect((await store.artifacts.getByTag(REPO, 'v1'))!.id).toBe(first.id);
      });

      it('stores the same manifest in two repositories as two artifacts', async () => {
        const input = manifestInput();
        const a = await store.artifacts.commitManifest(input);
        const b = await store.artifacts.commitManifest({ ...input, repository: 'team/mirror' });
        expect(a.id).not.toBe(b.id);
        expect(b.repository).toBe('team/mirror');
      });
    });

    describe('referrers', () => {
      it('lists artifacts by subject, filters by artifact type, ignores other repositories', async () => {
        const subject = await pushImage({ tag: 'v1' });
        const signature = await store.artifacts.commitManifest(
          manifestInput({
            artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
            subjectDigest: subject.digest,
            annotations: { kind: 'sig' },
          }),
        );
        const sbom = await store.artifacts.commitManifest(
          manifestInput({ artifactType: 'application/spdx+json', subjectDigest: subject.digest }),
        );
        await store.artifacts.commitManifest(
          manifestInput({
            repository: 'team/other',
            artifactType: 'application/spdx+json',
            subjectDigest: subject.digest,
          }),
        );

        const all = await store.artifacts.referrers(REPO, subject.digest);
        expect(all.map((r) => r.digest)).toEqual([signature.digest, sbom.digest]);
        expect(all[0]).toEqual({
          mediaType: MediaType.ociManifest,
          digest: signature.digest,
          size: 500,
          artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
          annotations: { kind: 'sig' },
        });
        expect(await store.artifacts.referrers(REPO, subject.digest)).toEqual(all);

        const filtered = await store.artifacts.referrers(REPO, subject.digest, 'application/spdx+json');
        expect(filtered.map((r) => r.digest)).toEqual([sbom.digest]);
        expect(await store.artifacts.referrers(REPO, subject.digest, 'application/none')).toEqual([]);
        expect(await store.artifacts.referrers(REPO, digest('unknown'))).toEqual([]);
        expect(await store.artifacts.referrers('team/nowhere', subject.digest)).toEqual([]);
      });

      it('accepts a referrer pushed before its subject', async () => {
        const subject = digest('later');
        const referrer = await store.artifacts.commitManifest(manifestInput({ subjectDigest: subject }));
        expect((await store.artifacts.referrers(REPO, subject)).map((r) => r.digest)).toEqual([referrer.digest]);
      });
    });

    describe('delete', () => {
      it('deletes the artifact and its tags, then reports it absent', async () => {
        const artifact = await pushImage({ tag: 'v1' });
        const keep = await pushImage({ tag: 'v2' });
        expect(await store.artifacts.delete(REPO, artifact.digest)).toBe(true);
        expect(await store.artifacts.getByDigest(REPO, artifact.digest)).toBeUndefined();
        expect(await store.artifacts.getByTag(REPO, 'v1')).toBeUndefined();
        expect(await store.tags.list(REPO, 10)).toEqual(['v2']);
        expect(await store.artifacts.getByDigest(REPO, keep.digest)).toBeDefined();
        expect(await store.artifacts.delete(REPO, artifact.digest)).toBe(false);
        expect(await store.artifacts.delete('team/nowhere', artifact.digest)).toBe(false);
      });

      it('refuses to delete a child of an index with DENIED, until the index is gone', async () => {
        const child = await pushImage();
        const index = await store.artifacts.commitManifest(
          manifestInput({
            manifest: { digest: digest('index'), size: 300, mediaType: MediaType.ociIndex },
            childDigests: [child.digest],
          }),
        );
        const err = await store.artifacts.delete(REPO, child.digest).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(DomainError);
        expect(err).toMatchObject({ kind: 'conflict', code: 'DENIED' });
        expect(await store.artifacts.getByDigest(REPO, child.digest)).toBeDefined();

        expect(await store.artifacts.delete(REPO, index.digest)).toBe(true);
        expect(await store.artifacts.delete(REPO, child.digest)).toBe(true);
      });

      it('keeps referrers when their subject is deleted', async () => {
        const subject = await pushImage();
        const referrer = await store.artifacts.commitManifest(manifestInput({ subjectDigest: subject.digest }));
        expect(await store.artifacts.delete(REPO, subject.digest)).toBe(true);
        expect(await store.artifacts.getByDigest(REPO, referrer.digest)).toBeDefined();
        expect((await store.artifacts.referrers(REPO, subject.digest)).map((r) => r.digest)).toEqual([referrer.digest]);
      });

      it('tags.delete removes only the tag', async () => {
        const artifact = await pushImage({ tag: 'v1' });
        expect(await store.tags.delete(REPO, 'v1')).toBe(true);
        expect(await store.tags.delete(REPO, 'v1')).toBe(false);
        expect(await store.artifacts.getByTag(REPO, 'v1')).toBeUndefined();
        expect(await store.artifacts.getByDigest(REPO, artifact.digest)).toBeDefined();
      });
    });

    describe('pagination', () => {
      it('catalog pages in lexical order after `last`', async () => {
        for (const name of ['team/b', 'team/a', 'library/z', 'team/a/sub', 'team/B']) await link(name, digest());
        const all = ['library/z', 'team/B', 'team/a', 'team/a/sub', 'team/b'];
        expect(await store.repositories.catalog(100)).toEqual(all);
        expect(await store.repositories.catalog(2)).toEqual(all.slice(0, 2));
        expect(await store.repositories.catalog(2, 'team/B')).toEqual(['team/a', 'team/a/sub']);
        expect(await store.repositories.catalog(2, 'team/a/sub')).toEqual(['team/b']);
        expect(await store.repositories.catalog(2, 'team/b')).toEqual([]);
        expect(await store.repositories.catalog(2, 'team/aa')).toEqual(['team/b']);
        expect(await store.repositories.catalog(0)).toEqual([]);
      });

      it('tags.list pages in lexical order after `last`, and knows unknown repositories', async () => {
        const input = manifestInput();
        for (const tag of ['v2', 'latest', 'V1', 'v10', '1.0']) await store.artifacts.commitManifest({ ...input, tag });
        const all = ['1.0', 'V1', 'latest', 'v10', 'v2'];
        expect(await store.tags.list(REPO, 100)).toEqual(all);
        expect(await store.tags.list(REPO, 2)).toEqual(['1.0', 'V1']);
        expect(await store.tags.list(REPO, 2, 'V1')).toEqual(['latest', 'v10']);
        expect(await store.tags.list(REPO, 10, 'v2')).toEqual([]);
        expect(await store.tags.list(REPO, 10, 'u')).toEqual(['v10', 'v2']);
        await expectDomainError(store.tags.list('team/nowhere', 10), { code: 'NAME_UNKNOWN' });
      });
    });

    describe('uploads', () => {
      it('creates, reads, lists by age and deletes sessions', async () => {
        await store.uploads.create({ id: 'u1', repository: REPO, startedAt: T0 });
        await store.uploads.create({ id: 'u2', repository: REPO, startedAt: T1 });
        expect(await store.uploads.get('u1')).toEqual({ id: 'u1', repository: REPO, startedAt: T0 });
        expect(await store.uploads.get('nope')).toBeUndefined();
        expect((await store.uploads.listStartedBefore(T1)).map((s) => s.id)).toEqual(['u1']);
        expect((await store.uploads.listStartedBefore(new Date(T1.getTime() + 1))).map((s) => s.id)).toEqual([
          'u1',
          'u2',
        ]);
        expect(await store.uploads.delete('u1')).toBe(true);
        expect(await store.uploads.delete('u1')).toBe(false);
        expect(await store.uploads.get('u1')).toBeUndefined();
      });

      it('refuses a duplicate session id with a domain error', async () => {
        await store.uploads.create({ id: 'dup', repository: REPO, startedAt: T0 });
        const err = await store.uploads.create({ id: 'dup', repository: REPO, startedAt: T1 }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(DomainError);
        expect(await store.uploads.get('dup')).toEqual({ id: 'dup', repository: REPO, startedAt: T0 });
      });
    });

    describe('markPulled', () => {
      it('records pull times on the artifact and on the tag pulled by, eventually', async () => {
        const artifact = await pushImage({ tag: 'v1' });
        await store.artifacts.markPulled(REPO, artifact.digest, T0, 'v1');
        await store.artifacts.markPulled(REPO, artifact.digest, T1);
        await store.artifacts.markPulled(REPO, digest('unknown'), T1);
        await vi.waitFor(
          async () => {
            const pulled = await store.artifacts.getByDigest(REPO, artifact.digest);
            expect(pulled!.pullTime?.getTime()).toBe(T1.getTime());
          },
          { timeout: 5000, interval: 100 },
        );
      });

      it('counts every pull of the repository', async () => {
        const artifact = await pushImage({ tag: 'v1' });
        for (let i = 0; i < 5; i++)
          await store.artifacts.markPulled(REPO, artifact.digest, T1, i % 2 ? 'v1' : undefined);
        await vi.waitFor(
          async () => {
            const page = await store.repositories.list({ filters: [], sort: [], offset: 0, limit: 10 });
            expect(page.items.find((r) => r.name === REPO)?.pullCount).toBe(5);
          },
          { timeout: 5000, interval: 100 },
        );
      });
    });
  });
}
