import { describe, expect, it } from 'vitest';
import { firstPage, type Filter, type ListQuery } from '../../server/meta/list-query.js';
import type { Artifact, MetaStore, Project } from '../../server/meta/meta-store.js';
import type { AuditEntry } from '../../server/meta/project-types.js';
import {
  expectDomainError,
  freshStoreForEachTest,
  linkBlob,
  uniqueDigests,
  type OpenMetaStore,
} from './contract-kit.js';

/**
 * Behaviour of the project aggregates every MetaStore implementation must show: projects with
 * metadata, storage quota with deduplicated accounting, members, labels and the audit log. Each
 * dialect's test file calls this with a factory that opens a fresh, empty store (only `library`).
 */
export function describeMetaProjectsContract(name: string, open: OpenMetaStore): void {
  describe(`MetaStore projects contract: ${name}`, () => {
    let store: MetaStore;
    freshStoreForEachTest(open, (opened) => (store = opened));

    const T0 = new Date(1_700_000_000_000);
    const T1 = new Date(1_700_000_060_000);
    const T2 = new Date(1_700_000_120_000);
    const MiB = 1024 * 1024;
    const digest = uniqueDigests();

    const query = (filters: Filter[] = [], extra: Partial<ListQuery> = {}): ListQuery => ({
      ...firstPage(100, filters),
      ...extra,
    });

    const link = (repository: string, d: string, size: number) => linkBlob(store, repository, d, size);

    async function used(projectName: string): Promise<number> {
      return (await store.projects.get(projectName))!.storageUsed;
    }

    async function pushManifest(repository: string, size: number, blobDigests: string[] = []): Promise<Artifact> {
      return store.artifacts.commitManifest({
        repository,
        project: repository.split('/')[0]!,
        createProject: true,
        manifest: { digest: digest('manifest'), size, mediaType: 'application/vnd.oci.image.manifest.v1+json' },
        artifactType: null,
        configDigest: null,
        subjectDigest: null,
        annotations: null,
        blobDigests,
        childDigests: [],
        tag: 'v1',
        now: T0,
      });
    }

    let users = 0;
    async function createUser(username = `user${++users}`): Promise<number> {
      const user = await store.users.create({
        username,
        email: `${username}@example.test`,
        realname: username,
        passwordHash: null,
      });
      return user.id;
    }

    describe('projects', () => {
      it('create returns the full project, with public metadata and no limit by default', async () => {
        const owner = await createUser();
        const project = await store.projects.create(
          { name: 'team', public: true, ownerId: owner, metadata: { auto_scan: 'true', public: 'false' } },
          T0,
        );
        expect(project).toEqual({
          id: expect.any(Number),
          name: 'team',
          public: true,
          ownerId: owner,
          createdAt: T0,
          updatedAt: T0,
          metadata: { auto_scan: 'true', public: 'true' },
          storageLimit: -1,
          storageUsed: 0,
        });
        expect(await store.projects.getById(project.id)).toEqual(project);
        expect(await store.projects.get('team')).toEqual(project);
        expect(await store.projects.getById(project.id + 1000)).toBeUndefined();
        const limited = await store.projects.create({ name: 'small', public: false, ownerId: null, storageLimit: 10 });
        expect(limited).toMatchObject({ storageLimit: 10, metadata: { public: 'false' }, ownerId: null });
      });

      it('create refuses a taken name with Conflict and an invalid limit with Invalid', async () => {
        await store.projects.create({ name: 'team', public: false, ownerId: null });
        await expectDomainError(store.projects.create({ name: 'team', public: true, ownerId: null }), {
          kind: 'conflict',
          message: /team/,
        });
        await expectDomainError(store.projects.create({ name: 'library', public: true, ownerId: null }), {
          kind: 'conflict',
        });
        await expectDomainError(store.projects.create({ name: 'x', public: true, ownerId: null, storageLimit: -2 }), {
          kind: 'invalid',
        });
        expect(await store.projects.get('x')).toBeUndefined();
      });

      it('ensure records the owner and the public metadata', async () => {
        const owner = await createUser();
        const project = await store.projects.ensure('mine', { ownerId: owner });
        expect(project).toMatchObject({ ownerId: owner, public: false, metadata: { public: 'false' } });
        expect((await store.projects.get('library'))!.metadata).toEqual({ public: 'true' });
      });

      it('list filters, sorts, pages and counts', async () => {
        const owner = await createUser();
        const alpha = await store.projects.create({ name: 'alpha', public: true, ownerId: owner }, T2);
        const beta = await store.projects.create({ name: 'beta', public: false, ownerId: owner }, T1);
        const gamma = await store.projects.create({ name: 'gamma-team', public: false, ownerId: null }, T0);
        const names = async (q: ListQuery) => (await store.projects.list(q)).items.map((p) => p.name);

        const all = await store.projects.list(query());
        expect(all.total).toBe(4);
        expect(all.items.map((p) => p.name)).toEqual(['alpha', 'beta', 'gamma-team', 'library']);
        expect(all.items[0]).toEqual(alpha);

        expect(await names(query([{ key: 'name', kind: 'exact', value: 'beta' }]))).toEqual(['beta']);
        expect(await names(query([{ key: 'name', kind: 'fuzzy', value: 'TEAM' }]))).toEqual(['gamma-team']);
        expect(await names(query([{ key: 'public', kind: 'exact', value: 'true' }]))).toEqual(['alpha', 'library']);
        expect(await names(query([{ key: 'owner_id', kind: 'exact', value: owner }]))).toEqual(['alpha', 'beta']);
        expect(await names(query([{ key: 'project_id', kind: 'or', values: [beta.id, gamma.id] }]))).toEqual([
          'beta',
          'gamma-team',
        ]);
        expect(
          await names(
            query([
              { key: 'public', kind: 'exact', value: false },
              { key: 'owner_id', kind: 'exact', value: owner },
            ]),
          ),
        ).toEqual(['beta']);

        const byCreation = query([{ key: 'owner_id', kind: 'exact', value: owner }], {
          sort: [{ key: 'creation_time', desc: false }],
        });
        expect(await names(byCreation)).toEqual(['beta', 'alpha']);
        // Later than `library`, which the store created at the real current time.
        await store.projects.updateMetadata(beta.id, { auto_scan: 'true' }, new Date(Date.now() + 60_000));
        const byUpdate = query([], { sort: [{ key: 'update_time', desc: true }], limit: 1 });
        expect(await names(byUpdate)).toEqual(['beta']);

        const page2 = await store.projects.list(query([], { offset: 1, limit: 2 }));
        expect(page2).toMatchObject({ total: 4 });
        expect(page2.items.map((p) => p.name)).toEqual(['beta', 'gamma-team']);
        expect(page2.items[0]!.metadata).toEqual({ auto_scan: 'true', public: 'false' });

        await expectDomainError(store.projects.list(query([{ key: 'owner', kind: 'exact', value: 1 }])), {
          kind: 'invalid',
          message: /owner/,
        });
        await expectDomainError(store.projects.list(query([], { sort: [{ key: 'size', desc: false }] })), {
          kind: 'invalid',
        });
      });

      it('updateMetadata sets and removes keys, keeps public and its column in step', async () => {
        const project = await store.projects.create({ name: 'team', public: false, ownerId: null }, T0);
        const updated = await store.projects.updateMetadata(
          project.id,
          { auto_scan: 'true', severity: 'high', public: 'TRUE' },
          T1,
        );
        expect(updated).toMatchObject({
          public: true,
          updatedAt: T1,
          createdAt: T0,
          metadata: { auto_scan: 'true', severity: 'high', public: 'true' },
        });
        const removed = await store.projects.updateMetadata(project.id, { severity: null, public: null }, T2);
        expect(removed).toMatchObject({ public: false, metadata: { auto_scan: 'true', public: 'false' } });
        expect(removed.metadata).not.toHaveProperty('severity');
        expect(await store.projects.getById(project.id)).toEqual(removed);

        await expectDomainError(store.projects.updateMetadata(project.id, { public: 'maybe' }), {
          kind: 'invalid',
          message: /public/,
        });
        await expectDomainError(store.projects.updateMetadata(project.id + 1000, { auto_scan: 'true' }), {
          kind: 'not-found',
        });
        expect((await store.projects.getById(project.id))!.public).toBe(false);
      });

      it('setStorageLimit updates the limit; unknown project and bad values are refused', async () => {
        const project = await store.projects.create({ name: 'team', public: false, ownerId: null }, T0);
        await store.projects.setStorageLimit(project.id, 5 * MiB, T1);
        expect(await store.projects.getById(project.id)).toMatchObject({ storageLimit: 5 * MiB, updatedAt: T1 });
        await store.projects.setStorageLimit(project.id, -1);
        expect((await store.projects.getById(project.id))!.storageLimit).toBe(-1);
        await expectDomainError(store.projects.setStorageLimit(project.id + 1000, 1), { kind: 'not-found' });
        await expectDomainError(store.projects.setStorageLimit(project.id, -5), { kind: 'invalid' });
        await expectDomainError(store.projects.setStorageLimit(project.id, 1.5), { kind: 'invalid' });
      });

      it('delete is refused while repositories exist, then removes members, labels and metadata', async () => {
        const project = await store.projects.create({ name: 'team', public: false, ownerId: null });
        const user = await createUser();
        await store.members.add(project.id, 'u', user, 1);
        const label = await store.labels.create({
          name: 'env',
          description: '',
          color: '',
          scope: 'p',
          projectId: project.id,
        });
        await link('team/app', digest(), 10);
        await expectDomainError(store.projects.delete(project.id), { kind: 'conflict', message: /team.*1 repository/ });
        expect(await store.projects.getById(project.id)).toBeDefined();

        expect(await store.repositories.delete('team/app')).toBe(true);
        expect(await store.projects.delete(project.id)).toBe(true);
        expect(await store.projects.getById(project.id)).toBeUndefined();
        expect(await store.labels.get(label.id)).toBeUndefined();
        expect(await store.members.rolesOf(user)).toEqual(new Map());
        expect(await store.projects.delete(project.id)).toBe(false);
        // The name is free again, with no leftovers.
        const again = await store.projects.create({ name: 'team', public: false, ownerId: null });
        expect(again).toMatchObject({ metadata: { public: 'false' }, storageUsed: 0 });
      });

      it('delete refuses the library project', async () => {
        const library = (await store.projects.get('library'))!;
        await expectDomainError(store.projects.delete(library.id), { kind: 'conflict', message: /library/ });
      });
    });

    describe('storage quota', () => {
      async function limited(name: string, limit: number): Promise<Project> {
        return store.projects.create({ name, public: false, ownerId: null, storageLimit: limit });
      }

      it('counts linked blobs and refuses one that would pass the limit, writing nothing', async () => {
        await limited('team', 10 * MiB);
        await link('team/app', digest(), 6 * MiB);
        expect(await used('team')).toBe(6 * MiB);

        const big = digest('big');
        const err = await expectDomainError(
          store.blobs.link({
            repository: 'team/app',
            project: 'team',
            createProject: false,
            blob: { digest: big, size: 5 * MiB },
          }),
          { kind: 'quota' },
        );
        expect(err.message).toMatch(/team/);
        expect(err.message).toMatch(/6\.0 MiB/);
        expect(err.message).toMatch(/10\.0 MiB/);
        expect(err.message).toMatch(/5\.0 MiB/);
        expect(await used('team')).toBe(6 * MiB);
        expect(await store.blobs.getLinked('team/app', big)).toBeUndefined();
        expect(await store.blobs.get(big)).toBeUndefined();

        // Exactly reaching the limit is allowed.
        await link('team/app', digest(), 4 * MiB);
        expect(await used('team')).toBe(10 * MiB);
      });

      it('a refused link into a new repository creates no repository', async () => {
        await limited('team', 1);
        await expectDomainError(
          store.blobs.link({
            repository: 'team/new',
            project: 'team',
            createProject: false,
            blob: { digest: digest(), size: 2 },
          }),
          { kind: 'quota' },
        );
        expect(await store.repositories.get('team/new')).toBeUndefined();
      });

      it('a blob shared by two repositories of a project counts once', async () => {
        await limited('team', 100);
        const layer = digest('layer');
        await link('team/a', layer, 60);
        await link('team/b', layer, 60);
        expect(await used('team')).toBe(60);
        // Another project pays for its own copy.
        await link('other/a', layer, 60);
        expect(await used('other')).toBe(60);
        expect(await used('team')).toBe(60);
      });

      it('re-pushing a linked blob is free, even with the quota full', async () => {
        await limited('team', 50);
        const layer = digest('layer');
        await link('team/a', layer, 50);
        await link('team/a', layer, 50);
        await link('team/b', layer, 50);
        expect(await used('team')).toBe(50);
      });

      it('usage decreases when the last link of a blob goes', async () => {
        await limited('team', 100);
        const shared = digest('shared');
        const own = digest('own');
        await link('team/a', shared, 30);
        await link('team/b', shared, 30);
        await link('team/b', own, 20);
        expect(await used('team')).toBe(50);

        expect(await store.blobs.unlink('team/a', shared)).toBe(true);
        expect(await used('team')).toBe(50);
        expect(await store.blobs.unlink('team/a', shared)).toBe(false);
        expect(await used('team')).toBe(50);
        expect(await store.blobs.unlink('team/b', shared)).toBe(true);
        expect(await used('team')).toBe(20);

        await link('team/a', shared, 30);
        expect(await used('team')).toBe(50);
        expect(await store.repositories.delete('team/b')).toBe(true);
        expect(await used('team')).toBe(30);
        expect(await store.repositories.delete('team/a')).toBe(true);
        expect(await used('team')).toBe(0);
      });

      it('deleting a repository keeps blobs another repository still links', async () => {
        const shared = digest('shared');
        await link('team/a', shared, 30);
        await link('team/b', shared, 30);
        await link('team/a', digest(), 5);
        expect(await store.repositories.delete('team/a')).toBe(true);
        expect(await used('team')).toBe(30);
        // Linking it again costs nothing; linking into the deleted repository's name costs again only once.
        await link('team/a', shared, 30);
        expect(await used('team')).toBe(30);
      });

      it('manifests count too, and a refused manifest leaves nothing written', async () => {
        await limited('team', 1000);
        const layer = digest('layer');
        await link('team/app', layer, 600);
        const first = await pushManifest('team/app', 300, [layer]);
        expect(await used('team')).toBe(900);
        expect(first.size).toBe(300);

        const err = await expectDomainError(pushManifest('team/app', 200, [layer]), { kind: 'quota', message: /team/ });
        expect(err.message).toMatch(/200 B/);
        expect(await used('team')).toBe(900);
        expect((await store.artifacts.getByTag('team/app', 'v1'))!.digest).toBe(first.digest);
      });

      it('a limit below the current usage is allowed; new blobs are refused, known ones are not', async () => {
        const project = await limited('team', -1);
        const layer = digest('layer');
        await link('team/a', layer, 100);
        await store.projects.setStorageLimit(project.id, 50);
        await expectDomainError(
          store.blobs.link({
            repository: 'team/a',
            project: 'team',
            createProject: false,
            blob: { digest: digest(), size: 1 },
          }),
          { kind: 'quota' },
        );
        await link('team/b', layer, 100);
        expect(await used('team')).toBe(100);
      });
    });

    describe('members', () => {
      it('add, get, list, update, remove, roleOf and rolesOf', async () => {
        const project = await store.projects.create({ name: 'team', public: false, ownerId: null });
        const other = await store.projects.create({ name: 'other', public: false, ownerId: null });
        const alice = await createUser('alice');
        const bob = await createUser('bob');

        const member = await store.members.add(project.id, 'u', alice, 2, T0);
        expect(member).toEqual({
          id: expect.any(Number),
          projectId: project.id,
          entityType: 'u',
          entityId: alice,
          entityName: 'alice',
          roleId: 2,
          createdAt: T0,
          updatedAt: T0,
        });
        expect(await store.members.get(project.id, member.id)).toEqual(member);
        expect(await store.members.get(other.id, member.id)).toBeUndefined();

        await expectDomainError(store.members.add(project.id, 'u', alice, 1), {
          kind: 'conflict',
          message: /already a member/,
        });
        await expectDomainError(store.members.add(project.id + 1000, 'u', alice, 1), { kind: 'not-found' });
        await expectDomainError(store.members.add(project.id, 'u', bob + 1000, 1), { kind: 'not-found' });
        await expectDomainError(store.members.add(project.id, 'u', bob, 9 as 1), { kind: 'invalid' });

        const bobMember = await store.members.add(project.id, 'u', bob, 3, T0);
        await store.members.add(other.id, 'u', alice, 1, T0);

        const listed = await store.members.list(project.id, firstPage());
        expect(listed.total).toBe(2);
        expect(listed.items.map((m) => m.entityName)).toEqual(['alice', 'bob']);
        const fuzzy = await store.members.list(project.id, query([{ key: 'entityname', kind: 'fuzzy', value: 'O' }]));
        expect(fuzzy.items.map((m) => m.entityName)).toEqual(['bob']);
        expect((await store.members.list(project.id, query([], { limit: 1, offset: 1 }))).items).toHaveLength(1);
        await expectDomainError(store.members.list(project.id, query([{ key: 'role', kind: 'exact', value: 1 }])), {
          kind: 'invalid',
        });

        const updated = await store.members.update(project.id, bobMember.id, 4, T1);
        expect(updated).toMatchObject({ roleId: 4, updatedAt: T1, createdAt: T0, entityName: 'bob' });
        await expectDomainError(store.members.update(other.id, bobMember.id, 1), { kind: 'not-found' });

        expect(await store.members.roleOf(project.id, bob)).toBe(4);
        expect(await store.members.roleOf(project.id, alice)).toBe(2);
        expect(await store.members.roleOf(other.id, bob)).toBeUndefined();
        expect(await store.members.rolesOf(alice)).toEqual(
          new Map([
            [project.id, 2],
            [other.id, 1],
          ]),
        );

        expect(await store.members.remove(other.id, bobMember.id)).toBe(false);
        expect(await store.members.remove(project.id, bobMember.id)).toBe(true);
        expect(await store.members.remove(project.id, bobMember.id)).toBe(false);
        expect(await store.members.roleOf(project.id, bob)).toBeUndefined();
      });

      it('deleting a user drops their memberships', async () => {
        const project = await store.projects.create({ name: 'team', public: false, ownerId: null });
        const alice = await createUser('alice');
        const bob = await createUser('bob');
        await store.members.add(project.id, 'u', alice, 1);
        await store.members.add(project.id, 'u', bob, 2);
        expect(await store.users.delete(alice)).toBe(true);
        expect(await store.members.rolesOf(alice)).toEqual(new Map());
        const listed = await store.members.list(project.id, firstPage());
        expect(listed.items.map((m) => m.entityName)).toEqual(['bob']);
      });

      it("deleting a project's owner keeps the project, without an owner", async () => {
        const alice = await createUser('alice');
        const project = await store.projects.create({ name: 'team', public: false, ownerId: alice });
        expect(await store.users.delete(alice)).toBe(true);
        expect((await store.projects.getById(project.id))!.ownerId).toBeNull();
      });
    });

    describe('labels', () => {
      it('create, get, list, update, delete with per-scope uniqueness', async () => {
        const team = await store.projects.create({ name: 'team', public: false, ownerId: null });
        const other = await store.projects.create({ name: 'other', public: false, ownerId: null });
        const global = await store.labels.create(
          { name: 'prod', description: 'production', color: '#ff0000', scope: 'g', projectId: null },
          T0,
        );
        expect(global).toEqual({
          id: expect.any(Number),
          name: 'prod',
          description: 'production',
          color: '#ff0000',
          scope: 'g',
          projectId: null,
          createdAt: T0,
          updatedAt: T0,
        });
        const mine = await store.labels.create({
          name: 'prod',
          description: '',
          color: '',
          scope: 'p',
          projectId: team.id,
        });
        await store.labels.create({ name: 'prod', description: '', color: '', scope: 'p', projectId: other.id });
        await store.labels.create({ name: 'qa', description: '', color: '', scope: 'p', projectId: team.id });

        await expectDomainError(
          store.labels.create({ name: 'prod', description: '', color: '', scope: 'g', projectId: null }),
          { kind: 'conflict', message: /prod/ },
        );
        await expectDomainError(
          store.labels.create({ name: 'prod', description: '', color: '', scope: 'p', projectId: team.id }),
          { kind: 'conflict' },
        );
        await expectDomainError(
          store.labels.create({ name: 'x', description: '', color: '', scope: 'p', projectId: team.id + 1000 }),
          { kind: 'not-found' },
        );
        await expectDomainError(
          store.labels.create({ name: 'x', description: '', color: '', scope: 'p', projectId: null }),
          { kind: 'invalid' },
        );
        await expectDomainError(
          store.labels.create({ name: ' ', description: '', color: '', scope: 'g', projectId: null }),
          { kind: 'invalid' },
        );

        expect(await store.labels.get(mine.id)).toEqual(mine);
        const globals = await store.labels.list(query([{ key: 'scope', kind: 'exact', value: 'g' }]));
        expect(globals).toEqual({ total: 1, items: [global] });
        const teamLabels = await store.labels.list(query([{ key: 'project_id', kind: 'exact', value: team.id }]));
        expect(teamLabels.items.map((l) => l.name)).toEqual(['prod', 'qa']);
        const fuzzy = await store.labels.list(query([{ key: 'name', kind: 'fuzzy', value: 'Q' }]));
        expect(fuzzy.items.map((l) => l.name)).toEqual(['qa']);
        expect((await store.labels.list(firstPage())).total).toBe(4);

        const renamed = await store.labels.update(mine.id, { name: 'staging', color: '#00ff00' }, T1);
        expect(renamed).toMatchObject({ name: 'staging', color: '#00ff00', description: '', updatedAt: T1 });
        await expectDomainError(store.labels.update(mine.id, { name: 'qa' }), { kind: 'conflict' });
        await expectDomainError(store.labels.update(mine.id + 1000, { name: 'z' }), { kind: 'not-found' });

        expect(await store.labels.delete(mine.id)).toBe(true);
        expect(await store.labels.delete(mine.id)).toBe(false);
        expect(await store.labels.get(mine.id)).toBeUndefined();
      });

      it('attach, detach and ofArtifacts; deletion of label or artifact detaches', async () => {
        const a = await pushManifest('team/app', 10);
        const b = await pushManifest('team/app', 10);
        const foreign = await pushManifest('other/app', 10);
        const team = (await store.projects.get('team'))!;
        const global = await store.labels.create({
          name: 'g1',
          description: '',
          color: '',
          scope: 'g',
          projectId: null,
        });
        const local = await store.labels.create({
          name: 'a-local',
          description: '',
          color: '',
          scope: 'p',
          projectId: team.id,
        });

        await store.labels.attach(a.id, global.id, T0);
        await store.labels.attach(a.id, local.id, T0);
        await store.labels.attach(b.id, global.id, T0);
        await store.labels.attach(foreign.id, global.id, T0);
        await expectDomainError(store.labels.attach(a.id, global.id), { kind: 'conflict' });
        await expectDomainError(store.labels.attach(foreign.id, local.id), { kind: 'invalid' });
        await expectDomainError(store.labels.attach(a.id + 1000, global.id), { kind: 'not-found' });
        await expectDomainError(store.labels.attach(a.id, global.id + 1000), { kind: 'not-found' });

        const labels = await store.labels.ofArtifacts([a.id, b.id, a.id + 1000]);
        expect([...labels.keys()].sort()).toEqual([a.id, b.id].sort());
        expect(labels.get(a.id)!.map((l) => l.name)).toEqual(['a-local', 'g1']);
        expect(labels.get(b.id)).toEqual([global]);
        expect(await store.labels.ofArtifacts([])).toEqual(new Map());

        expect(await store.labels.detach(b.id, global.id)).toBe(true);
        expect(await store.labels.detach(b.id, global.id)).toBe(false);
        expect(await store.labels.delete(local.id)).toBe(true);
        expect((await store.labels.ofArtifacts([a.id])).get(a.id)).toEqual([global]);

        expect(await store.artifacts.delete('team/app', a.digest)).toBe(true);
        expect(await store.labels.ofArtifacts([a.id])).toEqual(new Map());
      });
    });

    describe('audit log', () => {
      const entry = (overrides: Partial<Omit<AuditEntry, 'id'>> = {}): Omit<AuditEntry, 'id'> => ({
        opTime: T0,
        username: 'alice',
        operation: 'push',
        resourceType: 'artifact',
        resource: 'team/app:v1',
        projectId: 1,
        clientIp: '10.0.0.1',
        success: true,
        detail: null,
        ...overrides,
      });

      it('appends and lists newest first, with filters and paging', async () => {
        const failedLogin = entry({
          opTime: T2,
          operation: 'login',
          resourceType: 'user_login',
          resource: 'bob',
          projectId: null,
          success: false,
          clientIp: null,
          detail: 'bad password',
        });
        await store.audit.append([]);
        await store.audit.append([
          entry({ opTime: T0 }),
          entry({ opTime: T1, operation: 'pull', resource: 'team/db:latest', username: 'bob' }),
          entry({ opTime: T2, operation: 'delete', resourceType: 'project', resource: 'old', projectId: 2 }),
          failedLogin,
        ]);
        const all = await store.audit.list(firstPage());
        expect(all.total).toBe(4);
        expect(all.items.map((e) => e.operation)).toEqual(['login', 'delete', 'pull', 'push']);
        expect(all.items[0]).toEqual({ id: expect.any(Number), ...failedLogin });
        const ops = async (filters: Filter[], extra: Partial<ListQuery> = {}) =>
          (await store.audit.list(query(filters, extra))).items.map((e) => e.operation);

        expect(await ops([{ key: 'op_time', kind: 'range', min: T1.getTime(), max: T1.getTime() }])).toEqual(['pull']);
        expect(await ops([{ key: 'op_time', kind: 'range', min: '2023-11-14 22:14:00' }])).toEqual([
          'login',
          'delete',
          'pull',
        ]);
        expect(await ops([{ key: 'op_time', kind: 'range', max: T1.toISOString() }])).toEqual(['pull', 'push']);
        expect(await ops([{ key: 'resource', kind: 'fuzzy', value: 'TEAM/' }])).toEqual(['pull', 'push']);
        expect(await ops([{ key: 'operation', kind: 'or', values: ['push', 'delete'] }])).toEqual(['delete', 'push']);
        expect(await ops([{ key: 'username', kind: 'exact', value: 'bob' }])).toEqual(['pull']);
        expect(await ops([{ key: 'project_id', kind: 'exact', value: 2 }])).toEqual(['delete']);
        expect(await ops([{ key: 'success', kind: 'exact', value: 'false' }])).toEqual(['login']);
        expect(await ops([{ key: 'resource_type', kind: 'exact', value: 'artifact' }])).toEqual(['pull', 'push']);
        expect(await ops([], { sort: [{ key: 'op_time', desc: false }], limit: 2 })).toEqual(['push', 'pull']);
        const page = await store.audit.list(query([], { offset: 1, limit: 2 }));
        expect(page.total).toBe(4);
        expect(page.items.map((e) => e.operation)).toEqual(['delete', 'pull']);
        await expectDomainError(store.audit.list(query([{ key: 'detail', kind: 'exact', value: 'x' }])), {
          kind: 'invalid',
        });
        await expectDomainError(store.audit.list(query([{ key: 'project_id', kind: 'fuzzy', value: '1' }])), {
          kind: 'invalid',
        });
      });

      it('purges by age, then by row cap, and returns the rows deleted', async () => {
        const day = 24 * 3600 * 1000;
        await store.audit.append(
          Array.from({ length: 10 }, (_, i) => entry({ opTime: new Date(T0.getTime() + i * day), resource: `r${i}` })),
        );
        expect(await store.audit.purge({})).toBe(0);
        expect(await store.audit.purge({ olderThan: new Date(T0.getTime() + 3 * day) })).toBe(3);
        expect(await store.audit.purge({ keepRows: 5 })).toBe(2);
        let left = await store.audit.list(firstPage());
        expect(left.items.map((e) => e.resource)).toEqual(['r9', 'r8', 'r7', 'r6', 'r5']);
        expect(await store.audit.purge({ olderThan: new Date(T0.getTime() + 6 * day), keepRows: 2 })).toBe(3);
        left = await store.audit.list(firstPage());
        expect(left.items.map((e) => e.resource)).toEqual(['r9', 'r8']);
        expect(await store.audit.purge({ keepRows: 0 })).toBe(2);
        expect((await store.audit.list(firstPage())).total).toBe(0);
        await expectDomainError(store.audit.purge({ keepRows: -1 }), { kind: 'invalid' });
      });

      it('keeps entries of a deleted project', async () => {
        const project = await store.projects.create({ name: 'gone', public: false, ownerId: null });
        await store.audit.append([entry({ projectId: project.id, resourceType: 'project', resource: 'gone' })]);
        expect(await store.projects.delete(project.id)).toBe(true);
        const left = await store.audit.list(query([{ key: 'project_id', kind: 'exact', value: project.id }]));
        expect(left.total).toBe(1);
      });
    });
  });
}
