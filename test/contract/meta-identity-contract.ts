import { beforeEach, describe, expect, it } from 'vitest';
import { Conflict, Invalid, NotFound } from '../../server/core/errors.js';
import type { LoginFailurePolicy, NewRobot, NewUser, Session } from '../../server/meta/identity-types.js';
import type { Filter, ListQuery, SortKey } from '../../server/meta/list-query.js';
import type { MetaStore } from '../../server/meta/meta-store.js';
import { expectDomainError, freshStoreForEachTest, type OpenMetaStore } from './contract-kit.js';

/**
 * Behaviour of the identity aggregates (users, login failures, sessions, access tokens, robots) that
 * every MetaStore implementation must show. Each dialect's test file calls this with a factory that
 * opens a fresh, empty store (only the `library` project present).
 */
export function describeMetaIdentityContract(name: string, open: OpenMetaStore): void {
  describe(`MetaStore identity contract: ${name}`, () => {
    let store: MetaStore;
    freshStoreForEachTest(open, (opened) => (store = opened));

    const T0 = new Date(1_700_000_000_000);
    const at = (ms: number): Date => new Date(T0.getTime() + ms);
    const q = (filters: Filter[] = [], sort: SortKey[] = [], offset = 0, limit = 100): ListQuery => ({
      filters,
      sort,
      offset,
      limit,
    });

    function newUser(username: string, overrides: Partial<NewUser> = {}): NewUser {
      return {
        username,
        email: `${username}@example.com`,
        realname: username,
        passwordHash: `hash-${username}`,
        ...overrides,
      };
    }

    describe('users', () => {
      it('creates with defaults and finds by id and by name, ignoring case', async () => {
        const user = await store.users.create(newUser('Alice'), T0);
        expect(user).toEqual({
          id: user.id,
          username: 'Alice',
          email: 'Alice@example.com',
          realname: 'Alice',
          comment: '',
          sysadmin: false,
          source: 'local',
          createdAt: T0,
          updatedAt: T0,
          passwordChangedAt: null,
        });
        expect(await store.users.get(user.id)).toEqual(user);
        expect(await store.users.getByName('alice')).toEqual(user);
        expect(await store.users.getByName('ALICE')).toEqual(user);
        expect(await store.users.getCredentials('aLiCe')).toEqual({ user, passwordHash: 'hash-Alice' });
        expect(await store.users.get(user.id + 1000)).toBeUndefined();
        expect(await store.users.getByName('bob')).toBeUndefined();
        expect(await store.users.getCredentials('bob')).toBeUndefined();
      });

      it('stores LDAP users without a password, and admins', async () => {
        const ldap = await store.users.create(newUser('dir', { passwordHash: null, source: 'ldap', comment: 'c' }));
        expect(ldap).toMatchObject({ source: 'ldap', comment: 'c', sysadmin: false });
        expect(await store.users.getCredentials('dir')).toEqual({ user: ldap, passwordHash: null });
        expect((await store.users.create(newUser('root', { sysadmin: true }))).sysadmin).toBe(true);
      });

      it('refuses a taken username or email in any case, storing nothing', async () => {
        await store.users.create(newUser('alice', { email: 'Alice@Example.com' }));
        await expectDomainError(store.users.create(newUser('ALICE', { email: 'other@example.com' })), {
          type: Conflict,
        });
        const err = await expectDomainError(store.users.create(newUser('bob', { email: 'alice@EXAMPLE.com' })), {
          type: Conflict,
        });
        expect(err.message).toMatch(/email/);
        expect(await store.users.count()).toBe(1);
        expect(await store.users.getByName('bob')).toBeUndefined();
      });

      it('lets any number of users have no email', async () => {
        await store.users.create(newUser('a', { email: '' }));
        await store.users.create(newUser('b', { email: '' }));
        const c = await store.users.create(newUser('c'));
        await store.users.update(c.id, { email: '' });
        expect(await store.users.count()).toBe(3);
      });

      it('updates the given profile fields only, refusing an email taken by another user', async () => {
        const alice = await store.users.create(newUser('alice'), T0);
        const bob = await store.users.create(newUser('bob'), T0);
        const updated = await store.users.update(alice.id, { realname: 'Alice A.' }, at(1000));
        expect(updated).toEqual({ ...alice, realname: 'Alice A.', updatedAt: at(1000) });
        expect(await store.users.get(alice.id)).toEqual(updated);
        // Her own email in another case is not a conflict.
        expect((await store.users.update(alice.id, { email: 'ALICE@example.com', comment: 'x' })).email).toBe(
          'ALICE@example.com',
        );
        await expectDomainError(store.users.update(bob.id, { email: 'alice@EXAMPLE.com' }), { type: Conflict });
        expect((await store.users.get(bob.id))!.email).toBe('bob@example.com');
        await expectDomainError(store.users.update(9999, { realname: 'x' }), { type: NotFound });
      });

      it('sets the password hash and the admin flag', async () => {
        const user = await store.users.create(newUser('alice'), T0);
        await store.users.setPassword(user.id, 'new-hash', at(5));
        expect(await store.users.getCredentials('alice')).toEqual({
          user: { ...user, updatedAt: at(5), passwordChangedAt: at(5) },
          passwordHash: 'new-hash',
        });
        await store.users.setSysadmin(user.id, true, at(6));
        expect(await store.users.get(user.id)).toMatchObject({ sysadmin: true, updatedAt: at(6) });
        await store.users.setSysadmin(user.id, false);
        expect((await store.users.get(user.id))!.sysadmin).toBe(false);
        await expectDomainError(store.users.setPassword(9999, 'h'), { type: NotFound });
        await expectDomainError(store.users.setSysadmin(9999, true), { type: NotFound });
      });

      it('deletes a user with their sessions, access tokens and memberships', async () => {
        const alice = await store.users.create(newUser('alice'));
        const bob = await store.users.create(newUser('bob'));
        await store.sessions.create(session('s-alice', alice.id));
        await store.sessions.create(session('s-bob', bob.id));
        await store.accessTokens.create({ userId: alice.id, name: 'ci', tokenHash: 't-alice', expiresAt: null });
        const project = await store.projects.ensure('team');
        await store.members.add(project.id, 'u', alice.id, 2);
        expect(await store.users.delete(alice.id)).toBe(true);
        expect(await store.users.delete(alice.id)).toBe(false);
        expect(await store.users.get(alice.id)).toBeUndefined();
        expect(await store.sessions.get('s-alice', T0)).toBeUndefined();
        expect(await store.accessTokens.findByHash('t-alice')).toBeUndefined();
        expect((await store.members.rolesOf(alice.id)).size).toBe(0);
        expect(await store.sessions.get('s-bob', T0)).toBeDefined();
        expect(await store.users.count()).toBe(1);
        // The name is free again.
        await store.users.create(newUser('Alice'));
      });

      describe('list', () => {
        beforeEach(async () => {
          await store.users.create(newUser('carol', { sysadmin: true }), at(3));
          await store.users.create(newUser('Alice', { email: 'a_b@corp.io' }), at(1));
          await store.users.create(newUser('bob', { email: 'bob%x@corp.io' }), at(2));
          await store.users.create(newUser('a%b_c', { email: '' }), at(4));
          await store.users.create(newUser('axbyc'), at(5));
        });
        const names = async (query: ListQuery) => (await store.users.list(query)).items.map((u) => u.username);

        it('sorts by username by default, ignoring case, and counts every match', async () => {
          const page = await store.users.list(q());
          expect(page.items.map((u) => u.username)).toEqual(['a%b_c', 'Alice', 'axbyc', 'bob', 'carol']);
          expect(page.total).toBe(5);
        });

        it('pages with offset and limit; total ignores paging', async () => {
          const page = await store.users.list(q([], [], 1, 2));
          expect(page.items.map((u) => u.username)).toEqual(['Alice', 'axbyc']);
          expect(page.total).toBe(5);
          expect(await store.users.list(q([], [], 10, 2))).toEqual({ items: [], total: 5 });
        });

        it('sorts by creation_time and update_time', async () => {
          expect(await names(q([], [{ key: 'creation_time', desc: true }]))).toEqual([
            'axbyc',
            'a%b_c',
            'carol',
            'bob',
            'Alice',
          ]);
          const bob = (await store.users.getByName('bob'))!;
          await store.users.update(bob.id, { comment: 'x' }, at(10));
          expect((await names(q([], [{ key: 'update_time', desc: true }])))[0]).toBe('bob');
        });

        it('filters exactly (username ignoring case) and by sysadmin', async () => {
          expect(await names(q([{ key: 'username', kind: 'exact', value: 'ALICE' }]))).toEqual(['Alice']);
          expect(await names(q([{ key: 'email', kind: 'exact', value: 'bob%x@corp.io' }]))).toEqual(['bob']);
          const admins = await store.users.list(q([{ key: 'sysadmin', kind: 'exact', value: true }]));
          expect(admins).toMatchObject({ total: 1, items: [{ username: 'carol' }] });
          expect(await names(q([{ key: 'sysadmin', kind: 'exact', value: 'false' }]))).toHaveLength(4);
        });

        it('matches fuzzy filters as substrings, with % and _ taken literally', async () => {
          expect(await names(q([{ key: 'username', kind: 'fuzzy', value: 'LIC' }]))).toEqual(['Alice']);
          expect(await names(q([{ key: 'username', kind: 'fuzzy', value: '%b_' }]))).toEqual(['a%b_c']);
          expect(await names(q([{ key: 'username', kind: 'fuzzy', value: '_' }]))).toEqual(['a%b_c']);
          expect(await names(q([{ key: 'email', kind: 'fuzzy', value: 'a_b' }]))).toEqual(['Alice']);
          expect(await names(q([{ key: 'email', kind: 'fuzzy', value: '%' }]))).toEqual(['bob']);
          const both = q([
            { key: 'email', kind: 'fuzzy', value: 'corp.io' },
            { key: 'username', kind: 'fuzzy', value: 'b' },
          ]);
          expect(await store.users.list(both)).toMatchObject({ total: 1, items: [{ username: 'bob' }] });
        });

        it('refuses unknown keys, unsupported operators and unknown sort keys', async () => {
          await expectDomainError(store.users.list(q([{ key: 'password', kind: 'exact', value: 'x' }])), {
            type: Invalid,
          });
          await expectDomainError(store.users.list(q([{ key: 'sysadmin', kind: 'fuzzy', value: 'tr' }])), {
            type: Invalid,
          });
          await expectDomainError(store.users.list(q([{ key: 'sysadmin', kind: 'exact', value: 'maybe' }])), {
            type: Invalid,
          });
          await expectDomainError(store.users.list(q([], [{ key: 'email', desc: false }])), { type: Invalid });
        });
      });
    });

    describe('login failures', () => {
      const policy: LoginFailurePolicy = { lockAfter: 3, lockForMs: 60_000, windowMs: 10_000 };

      it('counts failures within the window and locks when due', async () => {
        expect(await store.loginFailures.get('user:alice')).toBeUndefined();
        expect(await store.loginFailures.recordFailure('user:alice', at(0), policy)).toEqual({
          key: 'user:alice',
          failures: 1,
          firstFailureAt: at(0),
          lastFailureAt: at(0),
          lockedUntil: null,
        });
        await store.loginFailures.recordFailure('user:alice', at(1000), policy);
        const locked = await store.loginFailures.recordFailure('user:alice', at(2000), policy);
        expect(locked).toEqual({
          key: 'user:alice',
          failures: 3,
          firstFailureAt: at(0),
          lastFailureAt: at(2000),
          lockedUntil: at(62_000),
        });
        expect(await store.loginFailures.get('user:alice')).toEqual(locked);
      });

      it('restarts the count once the window has passed', async () => {
        await store.loginFailures.recordFailure('addr:10.0.0.1', at(0), policy);
        await store.loginFailures.recordFailure('addr:10.0.0.1', at(9_000), policy);
        const state = await store.loginFailures.recordFailure('addr:10.0.0.1', at(10_000), policy);
        expect(state).toMatchObject({ failures: 1, firstFailureAt: at(10_000), lockedUntil: null });
      });

      it('counts failures while locked without extending the lock, then starts afresh', async () => {
        for (const t of [0, 1, 2]) await store.loginFailures.recordFailure('user:bob', at(t), policy);
        const during = await store.loginFailures.recordFailure('user:bob', at(30_000), policy);
        expect(during).toMatchObject({ failures: 4, lockedUntil: at(60_002), lastFailureAt: at(30_000) });
        const after = await store.loginFailures.recordFailure('user:bob', at(60_002), policy);
        expect(after).toMatchObject({ failures: 1, firstFailureAt: at(60_002), lockedUntil: null });
      });

      it('gives a full set of tries after a lock expires, even within the window', async () => {
        const short: LoginFailurePolicy = { lockAfter: 2, lockForMs: 1000, windowMs: 60_000 };
        await store.loginFailures.recordFailure('user:eve', at(0), short);
        expect(await store.loginFailures.recordFailure('user:eve', at(1), short)).toMatchObject({
          failures: 2,
          lockedUntil: at(1001),
        });
        const again = await store.loginFailures.recordFailure('user:eve', at(1001), short);
        expect(again).toMatchObject({ failures: 1, firstFailureAt: at(1001), lockedUntil: null });
        expect(await store.loginFailures.recordFailure('user:eve', at(1002), short)).toMatchObject({
          failures: 2,
          lockedUntil: at(2002),
        });
      });

      it('clears a key and lists the keys locked now, latest lock first', async () => {
        for (const t of [0, 1, 2]) await store.loginFailures.recordFailure('user:a', at(t), policy);
        for (const t of [5, 6, 7]) await store.loginFailures.recordFailure('user:b', at(t), policy);
        await store.loginFailures.recordFailure('user:c', at(8), policy);
        const locked = await store.loginFailures.listLocked(at(100));
        expect(locked.map((s) => s.key)).toEqual(['user:b', 'user:a']);
        expect(await store.loginFailures.listLocked(at(60_002))).toEqual([locked[0]]);
        expect(await store.loginFailures.listLocked(at(60_007))).toEqual([]);
        await store.loginFailures.clear('user:b');
        await store.loginFailures.clear('user:unknown');
        expect(await store.loginFailures.get('user:b')).toBeUndefined();
        expect((await store.loginFailures.listLocked(at(100))).map((s) => s.key)).toEqual(['user:a']);
      });

      it('forgets keys whose failures are all out of the window and which are not locked', async () => {
        await store.loginFailures.recordFailure('addr:old', at(0), policy);
        for (const t of [0, 1, 2]) await store.loginFailures.recordFailure('user:locked', at(t), policy);
        await store.loginFailures.recordFailure('addr:new', at(20_000), policy);
        expect(await store.loginFailures.get('addr:old')).toBeUndefined();
        expect(await store.loginFailures.get('user:locked')).toBeDefined();
      });
    });

    function session(idHash: string, userId: number, overrides: Partial<Session> = {}): Session {
      return {
        idHash,
        userId,
        csrfToken: `csrf-${idHash}`,
        createdAt: T0,
        expiresAt: at(1000),
        lastSeenAt: T0,
        clientIp: '192.0.2.1',
        ...overrides,
      };
    }

    describe('sessions', () => {
      it('returns a session until it expires', async () => {
        const user = await store.users.create(newUser('alice'));
        const s = session('h1', user.id);
        await store.sessions.create(s);
        expect(await store.sessions.get('h1', at(999))).toEqual(s);
        expect(await store.sessions.get('h1', at(1000))).toBeUndefined();
        expect(await store.sessions.get('nope', T0)).toBeUndefined();
        await store.sessions.create(session('h2', user.id, { clientIp: null }));
        expect((await store.sessions.get('h2', T0))!.clientIp).toBeNull();
      });

      it('refuses a duplicate id and an unknown user', async () => {
        const user = await store.users.create(newUser('alice'));
        await store.sessions.create(session('h1', user.id));
        await expectDomainError(store.sessions.create(session('h1', user.id)), { type: Conflict });
        await expectDomainError(store.sessions.create(session('h2', user.id + 1000)), { type: NotFound });
      });

      it('slides the expiry of a live session, but does not revive an expired one', async () => {
        const user = await store.users.create(newUser('alice'));
        await store.sessions.create(session('h1', user.id));
        await store.sessions.touch('h1', at(900), at(2000));
        expect(await store.sessions.get('h1', at(1500))).toMatchObject({ lastSeenAt: at(900), expiresAt: at(2000) });
        await store.sessions.touch('h1', at(2000), at(3000));
        expect(await store.sessions.get('h1', at(2000))).toBeUndefined();
        await store.sessions.touch('unknown', at(0), at(3000));
      });

      it('deletes one session, all of a user, or the expired ones', async () => {
        const alice = await store.users.create(newUser('alice'));
        const bob = await store.users.create(newUser('bob'));
        await store.sessions.create(session('a1', alice.id));
        await store.sessions.create(session('a2', alice.id, { expiresAt: at(5000) }));
        await store.sessions.create(session('b1', bob.id, { expiresAt: at(500) }));
        await store.sessions.create(session('b2', bob.id, { expiresAt: at(5000) }));
        expect(await store.sessions.delete('a1')).toBe(true);
        expect(await store.sessions.delete('a1')).toBe(false);
        expect(await store.sessions.purgeExpired(at(500))).toBe(1);
        expect(await store.sessions.get('b2', T0)).toBeDefined();
        expect(await store.sessions.deleteForUser(alice.id)).toBe(1);
        expect(await store.sessions.deleteForUser(alice.id)).toBe(0);
        expect(await store.sessions.get('b2', T0)).toBeDefined();
      });
    });

    describe('access tokens', () => {
      it('creates, finds by hash (expired too), lists per user and marks use', async () => {
        const alice = await store.users.create(newUser('alice'));
        const bob = await store.users.create(newUser('bob'));
        const ci = await store.accessTokens.create(
          { userId: alice.id, name: 'ci', tokenHash: 'hash-ci', expiresAt: at(1000) },
          T0,
        );
        expect(ci).toEqual({
          id: ci.id,
          userId: alice.id,
          name: 'ci',
          createdAt: T0,
          expiresAt: at(1000),
          lastUsedAt: null,
        });
        const cli = await store.accessTokens.create(
          { userId: alice.id, name: 'cli', tokenHash: 'hash-cli', expiresAt: null },
          at(1),
        );
        await store.accessTokens.create({ userId: bob.id, name: 'ci', tokenHash: 'hash-bob', expiresAt: null });
        expect(await store.accessTokens.findByHash('hash-ci')).toEqual(ci);
        expect(await store.accessTokens.findByHash('nope')).toBeUndefined();
        expect(await store.accessTokens.list(alice.id)).toEqual([ci, cli]);
        await store.accessTokens.markUsed(cli.id, at(50));
        expect((await store.accessTokens.findByHash('hash-cli'))!.lastUsedAt).toEqual(at(50));
        expect(JSON.stringify(await store.accessTokens.list(alice.id))).not.toContain('hash-');
      });

      it("refuses a duplicate name for the same user and an unknown user; deletes only the user's own", async () => {
        const alice = await store.users.create(newUser('alice'));
        const bob = await store.users.create(newUser('bob'));
        const ci = await store.accessTokens.create({ userId: alice.id, name: 'ci', tokenHash: 'h1', expiresAt: null });
        await expectDomainError(
          store.accessTokens.create({ userId: alice.id, name: 'ci', tokenHash: 'h2', expiresAt: null }),
          { type: Conflict },
        );
        await expectDomainError(
          store.accessTokens.create({ userId: 9999, name: 'x', tokenHash: 'h3', expiresAt: null }),
          { type: NotFound },
        );
        expect(await store.accessTokens.delete(bob.id, ci.id)).toBe(false);
        expect(await store.accessTokens.delete(alice.id, ci.id)).toBe(true);
        expect(await store.accessTokens.list(alice.id)).toEqual([]);
      });
    });

    describe('robots', () => {
      function newRobot(name: string, overrides: Partial<NewRobot> = {}): NewRobot {
        return {
          name,
          description: `robot ${name}`,
          level: 'system',
          projectId: null,
          duration: 30,
          expiresAt: at(30 * 86_400_000),
          creator: 'admin',
          secretHash: `secret-${name}`,
          permissions: [
            {
              kind: 'project',
              namespace: '*',
              access: [
                { resource: 'repository', action: 'pull' },
                { resource: 'repository', action: 'push', effect: 'allow' },
              ],
            },
            { kind: 'system', namespace: '/', access: [{ resource: 'audit-log', action: 'list', effect: 'deny' }] },
          ],
          ...overrides,
        };
      }

      it('creates and round-trips permissions; finds credentials by full name', async () => {
        const robot = await store.robots.create(newRobot('robot$ci'), T0);
        const { secretHash: _secret, ...expected } = newRobot('robot$ci');
        expect(robot).toEqual({ ...expected, id: robot.id, disabled: false, createdAt: T0, updatedAt: T0 });
        expect(await store.robots.get(robot.id)).toEqual(robot);
        expect(await store.robots.getCredentials('robot$ci')).toEqual({ robot, secretHash: 'secret-robot$ci' });
        expect(await store.robots.getCredentials('ci')).toBeUndefined();
        expect(await store.robots.get(robot.id + 1000)).toBeUndefined();
        expect(JSON.stringify(robot)).not.toContain('secret-');
      });

      it('refuses a taken name, a level that does not fit the project, and an unknown project', async () => {
        await store.robots.create(newRobot('robot$ci'));
        await expectDomainError(store.robots.create(newRobot('robot$ci', { description: 'again' })), {
          type: Conflict,
        });
        const project = await store.projects.ensure('team');
        await expectDomainError(store.robots.create(newRobot('robot$team+a', { level: 'project' })), { type: Invalid });
        await expectDomainError(store.robots.create(newRobot('robot$b', { projectId: project.id })), { type: Invalid });
        await expectDomainError(
          store.robots.create(newRobot('robot$ghost+c', { level: 'project', projectId: project.id + 1000 })),
          { type: NotFound },
        );
      });

      it('updates given fields, replaces permissions, rotates the secret', async () => {
        const robot = await store.robots.create(newRobot('robot$ci'), T0);
        const updated = await store.robots.update(
          robot.id,
          {
            disabled: true,
            expiresAt: null,
            duration: -1,
            permissions: [{ kind: 'project', namespace: 'team', access: [{ resource: 'artifact', action: 'read' }] }],
          },
          at(10),
        );
        expect(updated).toEqual({
          ...robot,
          disabled: true,
          expiresAt: null,
          duration: -1,
          permissions: [{ kind: 'project', namespace: 'team', access: [{ resource: 'artifact', action: 'read' }] }],
          updatedAt: at(10),
        });
        expect(await store.robots.get(robot.id)).toEqual(updated);
        const described = await store.robots.update(robot.id, { description: 'd', disabled: false }, at(11));
        expect(described).toMatchObject({ description: 'd', disabled: false, expiresAt: null, duration: -1 });
        expect(described.permissions).toEqual(updated.permissions);
        expect((await store.robots.update(robot.id, { permissions: [] })).permissions).toEqual([]);
        await store.robots.setSecret(robot.id, 'rotated', at(12));
        expect(await store.robots.getCredentials('robot$ci')).toMatchObject({
          secretHash: 'rotated',
          robot: { updatedAt: at(12) },
        });
        await expectDomainError(store.robots.update(9999, { disabled: true }), { type: NotFound });
        await expectDomainError(store.robots.setSecret(9999, 'x'), { type: NotFound });
      });

      it('deletes a robot, and deleting a project deletes its robots', async () => {
        const project = await store.projects.ensure('team');
        const system = await store.robots.create(newRobot('robot$sys'));
        const scoped = await store.robots.create(
          newRobot('robot$team+ci', { level: 'project', projectId: project.id }),
        );
        expect(await store.robots.delete(system.id)).toBe(true);
        expect(await store.robots.delete(system.id)).toBe(false);
        expect(await store.projects.delete(project.id)).toBe(true);
        expect(await store.robots.get(scoped.id)).toBeUndefined();
        expect(await store.robots.getCredentials('robot$team+ci')).toBeUndefined();
      });

      it('lists with filters, sorting, paging and a total', async () => {
        const team = await store.projects.ensure('team');
        const project = { level: 'project' as const, projectId: team.id };
        await store.robots.create(newRobot('robot$team+b_ot', project), at(3));
        await store.robots.create(newRobot('robot$team+bxot', project), at(2));
        await store.robots.create(newRobot('robot$alpha'), at(1));
        const names = async (query: ListQuery) => (await store.robots.list(query)).items.map((r) => r.name);
        const all = await store.robots.list(q());
        expect(all.items.map((r) => r.name)).toEqual(['robot$alpha', 'robot$team+b_ot', 'robot$team+bxot']);
        expect(all.total).toBe(3);
        expect(all.items[0]!.permissions).toHaveLength(2);
        expect(await names(q([], [{ key: 'creation_time', desc: false }]))).toEqual([
          'robot$alpha',
          'robot$team+bxot',
          'robot$team+b_ot',
        ]);
        expect(await store.robots.list(q([], [{ key: 'name', desc: true }], 1, 1))).toMatchObject({
          total: 3,
          items: [{ name: 'robot$team+b_ot' }],
        });
        expect(await names(q([{ key: 'name', kind: 'fuzzy', value: 'B_O' }]))).toEqual(['robot$team+b_ot']);
        expect(await names(q([{ key: 'name', kind: 'exact', value: 'robot$alpha' }]))).toEqual(['robot$alpha']);
        expect(await names(q([{ key: 'level', kind: 'exact', value: 'system' }]))).toEqual(['robot$alpha']);
        const scoped = await store.robots.list(q([{ key: 'project_id', kind: 'exact', value: String(team.id) }]));
        expect(scoped.total).toBe(2);
        await expectDomainError(store.robots.list(q([{ key: 'creator', kind: 'exact', value: 'admin' }])), {
          type: Invalid,
        });
        await expectDomainError(store.robots.list(q([{ key: 'level', kind: 'fuzzy', value: 'sys' }])), {
          type: Invalid,
        });
        await expectDomainError(store.robots.list(q([], [{ key: 'update_time', desc: true }])), { type: Invalid });
      });
    });
  });
}
