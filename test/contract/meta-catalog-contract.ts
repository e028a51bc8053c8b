import { describe, expect, it } from 'vitest';
import type { Filter, ListQuery, SortKey } from '../../server/meta/list-query.js';
import type { Artifact, CommitManifestInput, MetaStore } from '../../server/meta/meta-store.js';
import { MediaType } from '../fixtures/image-builder.js';
import {
  expectDomainError,
  freshStoreForEachTest,
  linkBlob,
  uniqueDigests,
  type OpenMetaStore,
} from './contract-kit.js';

/**
 * Listings and catalog operations every MetaStore implementation must show: the visible catalog,
 * repository and artifact listings (filters, sorts, pages), index children, tag creation and the
 * tags of one artifact, and repository deletion. Each dialect's test file calls this with a factory
 * that opens a fresh, empty store (only the `library` project present).
 */
export function describeMetaCatalogContract(name: string, open: OpenMetaStore): void {
  describe(`MetaStore catalog contract: ${name}`, () => {
    let store: MetaStore;
    freshStoreForEachTest(open, (opened) => (store = opened));

    const REPO = 'team/app';
    const HELM_TYPE = 'application/vnd.cncf.helm.config.v1+json';
    const at = (minute: number): Date => new Date(1_700_000_000_000 + minute * 60_000);
    const digest = uniqueDigests();

    function q(filters: Filter[] = [], sort: SortKey[] = [], offset = 0, limit = 100): ListQuery {
      return { filters, sort, offset, limit };
    }

    const link = (repository: string, d: string, size = 10) => linkBlob(store, repository, d, size);

    /** Pushes config + layer (or the given blobs) and a manifest referencing them. */
    async function push(overrides: Partial<CommitManifestInput> & { layers?: string[] } = {}): Promise<Artifact> {
      const { layers, ...rest } = overrides;
      const repository = rest.repository ?? REPO;
      const blobs = layers ?? [digest('config'), digest('layer')];
      for (const b of blobs) await link(repository, b);
      return store.artifacts.commitManifest({
        repository,
        project: repository.split('/')[0]!,
        createProject: true,
        manifest: { digest: digest('manifest'), size: 500, mediaType: MediaType.ociManifest },
        artifactType: MediaType.ociConfig,
        configDigest: blobs[0] ?? null,
        subjectDigest: null,
        annotations: null,
        blobDigests: blobs,
        childDigests: [],
        tag: null,
        now: at(0),
        ...rest,
      });
    }

    describe('repositories.catalogVisible', () => {
      it('lists the repositories of the given projects and, on request, of public ones, in byte order', async () => {
        const pub = await store.projects.ensure('pub', { public: true });
        const one = await store.projects.ensure('one');
        const two = await store.projects.ensure('two');
        for (const r of ['two/d', 'one/c', 'pub/a', 'one/b', 'one/B']) await link(r, digest());
        const visible = (projectIds: number[], includePublic: boolean, limit = 100, last?: string) =>
          store.repositories.catalogVisible({ projectIds, includePublic }, limit, last);

        expect(await visible([one.id], true)).toEqual(['one/B', 'one/b', 'one/c', 'pub/a']);
        expect(await visible([two.id, one.id], false)).toEqual(['one/B', 'one/b', 'one/c', 'two/d']);
        expect(await visible([], true)).toEqual(['pub/a']);
        expect(await visible([pub.id], false)).toEqual(['pub/a']);
        expect(await visible([], false)).toEqual([]);
        expect(await visible([one.id], true, 2)).toEqual(['one/B', 'one/b']);
        expect(await visible([one.id], true, 2, 'one/b')).toEqual(['one/c', 'pub/a']);
        expect(await visible([one.id], true, 0)).toEqual([]);
        expect(await visible([9999], false)).toEqual([]);
      });
    });

    describe('repositories.list', () => {
      it('shows counts, sorts by update time (newest first) by default, and pages with a total', async () => {
        await push({ repository: 'team/b', now: at(1) });
        await push({ repository: 'team/b', now: at(1) });
        await push({ repository: 'team/c', now: at(2) });
        await push({ repository: 'other/a', now: at(0) });
        const page = await store.repositories.list(q());
        expect(page.total).toBe(3);
        expect(page.items.map((r) => [r.name, r.artifactCount, r.pullCount])).toEqual([
          ['team/c', 1, 0],
          ['team/b', 2, 0],
          ['other/a', 1, 0],
        ]);
        const team = await store.projects.get('team');
        expect(page.items[0]).toMatchObject({ projectId: team!.id, updatedAt: at(2) });
        expect(page.items[0]!.createdAt).toBeInstanceOf(Date);

        const second = await store.repositories.list(q([], [], 1, 1));
        expect(second).toEqual({ total: 3, items: [page.items[1]] });
        expect((await store.repositories.list(q([], [{ key: 'name', desc: false }]))).items.map((r) => r.name)).toEqual(
          ['other/a', 'team/b', 'team/c'],
        );
        const byCreation = (await store.repositories.list(q([], [{ key: 'creation_time', desc: true }]))).items;
        const times = byCreation.map((r) => r.createdAt.getTime());
        expect(times).toEqual([...times].sort((x, y) => y - x));
        const byUpdate = await store.repositories.list(q([], [{ key: 'update_time', desc: false }]));
        expect(byUpdate.items.map((r) => r.name)).toEqual(['other/a', 'team/b', 'team/c']);
      });

      it('filters by name (exact, fuzzy) and project_id (exact, or)', async () => {
        for (const r of ['team/app', 'team/web', 'other/APP_x']) await link(r, digest());
        const team = (await store.projects.get('team'))!;
        const other = (await store.projects.get('other'))!;
        const names = async (...filters: Filter[]) =>
          (await store.repositories.list(q(filters, [{ key: 'name', desc: false }]))).items.map((r) => r.name);

        expect(await names({ key: 'name', kind: 'exact', value: 'team/app' })).toEqual(['team/app']);
        expect(await names({ key: 'name', kind: 'fuzzy', value: 'app' })).toEqual(['other/APP_x', 'team/app']);
        // LIKE wildcards in the value are literal.
        expect(await names({ key: 'name', kind: 'fuzzy', value: 'p_x' })).toEqual(['other/APP_x']);
        expect(await names({ key: 'name', kind: 'fuzzy', value: 'a%p' })).toEqual([]);
        expect(await names({ key: 'project_id', kind: 'exact', value: String(team.id) })).toEqual([
          'team/app',
          'team/web',
        ]);
        expect(await names({ key: 'project_id', kind: 'or', values: [other.id, team.id] })).toHaveLength(3);
        expect(
          await names(
            { key: 'project_id', kind: 'exact', value: team.id },
            { key: 'name', kind: 'fuzzy', value: 'WEB' },
          ),
        ).toEqual(['team/web']);
        const counted = await store.repositories.list(
          q([{ key: 'project_id', kind: 'exact', value: team.id }], [], 0, 1),
        );
        expect(counted.total).toBe(2);
        expect(counted.items).toHaveLength(1);
      });

      it('refuses unknown keys, unsupported operators and unknown sorts', async () => {
        await expectDomainError(store.repositories.list(q([{ key: 'nam', kind: 'exact', value: 'x' }])), {
          kind: 'invalid',
        });
        await expectDomainError(store.repositories.list(q([{ key: 'project_id', kind: 'fuzzy', value: '1' }])), {
          kind: 'invalid',
        });
        await expectDomainError(store.repositories.list(q([], [{ key: 'pull_count', desc: true }])), {
          kind: 'invalid',
        });
        await expectDomainError(store.repositories.list(q([{ key: 'project_id', kind: 'exact', value: 'one' }])), {
          kind: 'invalid',
        });
      });
    });

    describe('repositories.delete', () => {
      it('removes the repository with its artifacts, tags and blob links; bytes and other repositories stay', async () => {
        const shared = digest('shared');
        const image = await push({ layers: [digest('config'), shared], tag: 'v1' });
        const index = await push({
          manifest: { digest: digest('index'), size: 300, mediaType: MediaType.ociIndex },
          layers: [],
          childDigests: [image.digest],
          tag: 'multi',
        });
        const kept = await push({ repository: 'team/other', layers: [shared], tag: 'v1' });

        expect(await store.repositories.delete(REPO)).toBe(true);
        expect(await store.repositories.get(REPO)).toBeUndefined();
        expect(await store.repositories.catalog(10)).toEqual(['team/other']);
        expect(await store.artifacts.getByDigest(REPO, image.digest)).toBeUndefined();
        expect(await store.artifacts.getByDigest(REPO, index.digest)).toBeUndefined();
        expect(await store.artifacts.getByTag(REPO, 'v1')).toBeUndefined();
        await expectDomainError(store.tags.list(REPO, 10), { kind: 'not-found', code: 'NAME_UNKNOWN' });
        expect(await store.blobs.getLinked(REPO, shared)).toBeUndefined();
        expect(await store.blobs.getLinked(REPO, image.digest)).toBeUndefined();
        expect(await store.blobs.get(image.digest)).toBeDefined();

        expect(await store.artifacts.getByTag('team/other', 'v1')).toEqual(kept);
        expect(await store.blobs.getLinked('team/other', shared)).toBeDefined();
        expect(await store.repositories.delete(REPO)).toBe(false);
        expect(await store.repositories.delete('ghost/app')).toBe(false);

        // The name can be pushed again from scratch.
        const again = await push({ manifest: { digest: image.digest, size: 500, mediaType: MediaType.ociManifest } });
        expect(again.id).not.toBe(image.id);
        expect((await store.artifacts.list(REPO, q())).total).toBe(1);
      });

      it('releases the project storage that only the deleted repository held', async () => {
        const shared = digest('shared');
        await push({ layers: [digest('config'), shared] }); // 10 + 10 + 500
        await push({ repository: 'team/other', layers: [shared] }); // shared counted once: + 500
        expect((await store.projects.get('team'))!.storageUsed).toBe(1020);
        expect(await store.repositories.delete(REPO)).toBe(true);
        expect((await store.projects.get('team'))!.storageUsed).toBe(510);
        expect(await store.repositories.delete('team/other')).toBe(true);
        expect((await store.projects.get('team'))!.storageUsed).toBe(0);
      });
    });

    describe('artifacts.list', () => {
      /** a: tags v1 + latest; b: v2-beta; c: untagged; pushed a, b, c in that order. */
      async function three() {
        const a = await push({ tag: 'v1', now: at(0) });
        await store.tags.put(REPO, a.digest, 'latest', at(5));
        const b = await push({ tag: 'v2-beta', now: at(1), artifactType: HELM_TYPE });
        const c = await push({ now: at(2) });
        return { a, b, c };
      }
      const digests = async (query: ListQuery, repository = REPO) =>
        (await store.artifacts.list(repository, query)).items.map((x) => x.digest);

      it('lists newest push first with each artifact tags (newest first), paged with a total', async () => {
        const { a, b, c } = await three();
        const page = await store.artifacts.list(REPO, q());
        expect(page.total).toBe(3);
        expect(page.items.map((x) => x.digest)).toEqual([c.digest, b.digest, a.digest]);
        expect(page.items[0]).toEqual({ ...c, tags: [] });
        expect(page.items[2]!.tags.map((t) => [t.name, t.pushTime.getTime(), t.artifactId])).toEqual([
          ['latest', at(5).getTime(), a.id],
          ['v1', at(0).getTime(), a.id],
        ]);
        expect(page.items[1]!.tags[0]).toMatchObject({ name: 'v2-beta', repositoryId: b.repositoryId, pullTime: null });
        expect(await store.artifacts.list(REPO, q([], [], 1, 1))).toEqual({ total: 3, items: [page.items[1]] });
        expect(await digests(q([], [{ key: 'push_time', desc: false }]))).toEqual([a.digest, b.digest, c.digest]);
        expect(await digests(q([], [{ key: 'digest', desc: false }]))).toEqual([a.digest, b.digest, c.digest].sort());
        expect(await digests(q([], [{ key: 'pull_time', desc: true }]))).toHaveLength(3);
      });

      it('filters by tags: nil, *, exact, fuzzy (counting an artifact once)', async () => {
        const { a, b, c } = await three();
        const byTag = (kind: 'exact' | 'fuzzy', value: string) => q([{ key: 'tags', kind, value }]);
        expect(await digests(byTag('exact', 'nil'))).toEqual([c.digest]);
        expect(await store.artifacts.list(REPO, byTag('exact', '*'))).toMatchObject({ total: 2 });
        expect(await digests(byTag('exact', '*'))).toEqual([b.digest, a.digest]);
        expect(await digests(byTag('exact', 'latest'))).toEqual([a.digest]);
        expect(await digests(byTag('exact', 'v2'))).toEqual([]);
        expect(await digests(byTag('fuzzy', 'BETA'))).toEqual([b.digest]);
        expect(await digests(byTag('fuzzy', 'v'))).toEqual([b.digest, a.digest]);
        expect(await digests(byTag('fuzzy', 'v_'))).toEqual([]);
        // A filtered artifact still shows all its tags.
        expect((await store.artifacts.list(REPO, byTag('exact', 'v1'))).items[0]!.tags).toHaveLength(2);
      });

      it('filters by digest, media_type and artifact_type', async () => {
        const { a, b, c } = await three();
        const index = await push({
          manifest: { digest: digest('index'), size: 300, mediaType: MediaType.ociIndex },
          artifactType: null,
          layers: [],
          childDigests: [a.digest, c.digest],
          now: at(3),
        });
        expect(await digests(q([{ key: 'digest', kind: 'exact', value: b.digest }]))).toEqual([b.digest]);
        expect(await digests(q([{ key: 'media_type', kind: 'exact', value: MediaType.ociIndex }]))).toEqual([
          index.digest,
        ]);
        expect(await digests(q([{ key: 'media_type', kind: 'exact', value: MediaType.ociManifest }]))).toHaveLength(3);
        expect(await digests(q([{ key: 'artifact_type', kind: 'exact', value: HELM_TYPE }]))).toEqual([b.digest]);
      });

      it('filters by label_id, one label or all of several', async () => {
        const { a, b, c } = await three();
        const red = await store.labels.create({ name: 'red', description: '', color: '', scope: 'g', projectId: null });
        const blue = await store.labels.create({
          name: 'blue',
          description: '',
          color: '',
          scope: 'g',
          projectId: null,
        });
        await store.labels.attach(a.id, red.id);
        await store.labels.attach(b.id, red.id);
        await store.labels.attach(a.id, blue.id);
        const byLabel = (value: number | string) => q([{ key: 'label_id', kind: 'exact', value }]);
        expect(await digests(byLabel(red.id))).toEqual([b.digest, a.digest]);
        expect(await digests(byLabel(String(blue.id)))).toEqual([a.digest]);
        expect(await digests(q([{ key: 'label_id', kind: 'and', values: [red.id, blue.id] }]))).toEqual([a.digest]);
        expect(await digests(q([{ key: 'label_id', kind: 'and', values: [] }]))).toHaveLength(3);
        expect(
          await digests(
            q([
              { key: 'label_id', kind: 'exact', value: red.id },
              { key: 'tags', kind: 'exact', value: 'nil' },
            ]),
          ),
        ).toEqual([]);
        expect(c.id).not.toBe(a.id);
        await expectDomainError(store.artifacts.list(REPO, byLabel('red')), { kind: 'invalid' });
      });

      it('keeps repositories apart, answers an empty page for an unknown one, refuses unknown keys', async () => {
        const { a } = await three();
        await push({
          repository: 'team/other',
          manifest: { digest: a.digest, size: 500, mediaType: MediaType.ociManifest },
          tag: 'x',
        });
        const theirs = await store.artifacts.list('team/other', q());
        expect(theirs.total).toBe(1);
        expect(theirs.items[0]!.tags.map((t) => t.name)).toEqual(['x']);
        expect((await store.artifacts.list(REPO, q([{ key: 'tags', kind: 'exact', value: 'x' }]))).total).toBe(0);
        expect(await store.artifacts.list('ghost/app', q())).toEqual({ items: [], total: 0 });
        await expectDomainError(store.artifacts.list(REPO, q([{ key: 'tag', kind: 'exact', value: 'v1' }])), {
          kind: 'invalid',
        });
        await expectDomainError(store.artifacts.list(REPO, q([{ key: 'tags', kind: 'or', values: ['v1'] }])), {
          kind: 'invalid',
        });
        await expectDomainError(store.artifacts.list(REPO, q([], [{ key: 'size', desc: true }])), { kind: 'invalid' });
      });
    });

    describe('artifacts.children', () => {
      it('returns the index children stored in the repository, in push order', async () => {
        const amd = await push();
        const arm = await push();
        // The same child digest in another repository must not show up twice.
        await push({
          repository: 'team/other',
          manifest: { digest: arm.digest, size: 500, mediaType: MediaType.ociManifest },
        });
        const index = await push({
          manifest: { digest: digest('index'), size: 300, mediaType: MediaType.ociIndex },
          layers: [],
          childDigests: [arm.digest, amd.digest],
        });
        expect(await store.artifacts.children(REPO, index.digest)).toEqual([amd, arm]);
        expect(await store.artifacts.children(REPO, amd.digest)).toEqual([]);
        expect(await store.artifacts.children(REPO, digest('unknown'))).toEqual([]);
        expect(await store.artifacts.children('team/other', index.digest)).toEqual([]);
      });
    });

    describe('artifacts.list topLevel', () => {
      it("leaves out untagged index children and accessories of artifacts in the repository, as Harbor's listing does", async () => {
        const amd = await push();
        const arm = await push({ tag: 'arm-only' });
        // The same digest in another repository, not under an index there: stays visible there.
        await push({
          repository: 'team/other',
          manifest: { digest: amd.digest, size: 500, mediaType: MediaType.ociManifest },
        });
        const index = await push({
          manifest: { digest: digest('index'), size: 300, mediaType: MediaType.ociIndex },
          layers: [],
          childDigests: [amd.digest, arm.digest],
          tag: 'multi',
        });
        const signature = await push({ subjectDigest: index.digest });
        const dangling = await push({ subjectDigest: digest('absent-subject') });
        const plain = await push();
        const listed = async (repository: string, topLevel: boolean) =>
          (await store.artifacts.list(repository, q(), { topLevel })).items.map((x) => x.digest).sort();

        // A tagged child is shown (someone pushed it by name); a referrer whose subject is missing too.
        expect(await listed(REPO, true)).toEqual([arm.digest, index.digest, dangling.digest, plain.digest].sort());
        expect((await store.artifacts.list(REPO, q(), { topLevel: true })).total).toBe(4);
        expect(await listed(REPO, false)).toContain(signature.digest);
        expect(await listed(REPO, false)).toHaveLength(6);
        expect(await listed('team/other', true)).toEqual([amd.digest]);
      });
    });

    describe('tags.put', () => {
      it('creates a tag, moves it, and leaves it alone when already there', async () => {
        const a = await push({ now: at(0) });
        const b = await push({ now: at(1) });
        const created = await store.tags.put(REPO, a.digest, 'stable', at(10));
        expect(created).toMatchObject({
          name: 'stable',
          artifactId: a.id,
          repositoryId: a.repositoryId,
          pullTime: null,
        });
        expect(created.pushTime).toEqual(at(10));
        expect(await store.artifacts.getByTag(REPO, 'stable')).toEqual(a);
        expect((await store.repositories.get(REPO))!.updatedAt).toEqual(at(10));

        const moved = await store.tags.put(REPO, b.digest, 'stable', at(11));
        expect(moved).toMatchObject({ id: created.id, artifactId: b.id, pushTime: at(11) });
        expect(await store.artifacts.getByTag(REPO, 'stable')).toEqual(b);
        expect((await store.tags.listForArtifact(REPO, a.digest, q())).total).toBe(0);

        expect(await store.tags.put(REPO, b.digest, 'stable', at(12))).toEqual(moved);
        expect((await store.repositories.get(REPO))!.updatedAt).toEqual(at(11));
        expect(await store.tags.list(REPO, 10)).toEqual(['stable']);
      });

      it('throws MANIFEST_UNKNOWN for a digest not in the repository, NAME_UNKNOWN for an unknown repository', async () => {
        const a = await push();
        const elsewhere = await push({ repository: 'team/other' });
        await expectDomainError(store.tags.put(REPO, digest('nope'), 'v1'), {
          kind: 'not-found',
          code: 'MANIFEST_UNKNOWN',
        });
        await expectDomainError(store.tags.put(REPO, elsewhere.digest, 'v1'), {
          kind: 'not-found',
          code: 'MANIFEST_UNKNOWN',
        });
        await expectDomainError(store.tags.put('ghost/app', a.digest, 'v1'), {
          kind: 'not-found',
          code: 'NAME_UNKNOWN',
        });
        expect(await store.tags.list(REPO, 10)).toEqual([]);
      });
    });

    describe('tags.listForArtifact', () => {
      it('lists one artifact tags: newest push first by default, by name, filtered and paged', async () => {
        const a = await push({ tag: 'a1', now: at(0) });
        await store.tags.put(REPO, a.digest, 'c3', at(1));
        await store.tags.put(REPO, a.digest, 'b2', at(2));
        await push({ tag: 'other', now: at(3) });
        const names = async (query: ListQuery) =>
          (await store.tags.listForArtifact(REPO, a.digest, query)).items.map((t) => t.name);

        const page = await store.tags.listForArtifact(REPO, a.digest, q());
        expect(page.total).toBe(3);
        expect(page.items.map((t) => t.name)).toEqual(['b2', 'c3', 'a1']);
        expect(page.items[0]).toMatchObject({ artifactId: a.id, repositoryId: a.repositoryId, pushTime: at(2) });
        expect(await names(q([], [{ key: 'name', desc: false }]))).toEqual(['a1', 'b2', 'c3']);
        expect(await names(q([], [{ key: 'push_time', desc: false }]))).toEqual(['a1', 'c3', 'b2']);
        expect(await names(q([{ key: 'name', kind: 'exact', value: 'c3' }]))).toEqual(['c3']);
        expect(await names(q([{ key: 'name', kind: 'fuzzy', value: 'B' }]))).toEqual(['b2']);
        expect(await store.tags.listForArtifact(REPO, a.digest, q([], [], 2, 5))).toMatchObject({ total: 3 });
        expect(await names(q([], [], 2, 5))).toEqual(['a1']);
        expect(await store.tags.listForArtifact(REPO, digest('nope'), q())).toEqual({ items: [], total: 0 });
        expect(await store.tags.listForArtifact('ghost/app', a.digest, q())).toEqual({ items: [], total: 0 });
        await expectDomainError(
          store.tags.listForArtifact(REPO, a.digest, q([{ key: 'tags', kind: 'exact', value: 'a1' }])),
          { kind: 'invalid' },
        );
        await expectDomainError(store.tags.listForArtifact(REPO, a.digest, q([], [{ key: 'pull_time', desc: true }])), {
          kind: 'invalid',
        });
      });
    });
  });
}
