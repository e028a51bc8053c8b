import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBerth, TEST_ADMIN, type RegistryUnderTest } from '../../../../test/helpers/berth';
import { auditQ, NO_AUDIT_FILTERS } from './audit-query';
import { buildQ } from './harbor-q';

/**
 * The filters the audit log and users pages build must mean, to the real server, what the person
 * typed: each test sends the built `q` through a URL as the portal does and checks what comes back.
 */

let berth: RegistryUnderTest;
const auth = `Basic ${btoa(`${TEST_ADMIN.username}:${TEST_ADMIN.password}`)}`;

async function call(method: string, path: string, body?: unknown): Promise<Response> {
  const res = await fetch(`${berth.url}/api/v2.0/${path}`, {
    method,
    headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res;
}

async function list<T>(path: string, q: string | undefined): Promise<T[]> {
  const params = new URLSearchParams({ page_size: '100' });
  if (q !== undefined) params.set('q', q);
  return (await (await call('GET', `${path}?${params.toString()}`)).json()) as T[];
}

interface Entry {
  username: string;
  operation: string;
  resource_type: string;
  resource: string;
  op_time: string;
}

async function createUser(username: string, email: string): Promise<number> {
  const res = await call('POST', 'users', { username, email, realname: username, password: 'Some-Password-1' });
  return Number((res.headers.get('location') ?? '').split('/').pop());
}

beforeAll(async () => {
  berth = await startBerth();
  const mallory = await createUser('mallory', 'mallory@example.com');
  await createUser('trent', 'x%41y+z@example.com');
  await createUser('[bracket]', 'bracket@example.com');
  await call('PUT', `users/${mallory}/sysadmin`, { sysadmin_flag: true });
  await call('DELETE', `users/${mallory}`);
  await call('POST', 'projects', { project_name: 'audited', metadata: { public: 'false' } });
});

afterAll(async () => {
  await berth?.stop();
});

describe('audit log filters', () => {
  it('no filter is no q, and lists everything', async () => {
    expect(auditQ(NO_AUDIT_FILTERS)).toBeUndefined();
    expect((await list<Entry>('audit-logs', undefined)).length).toBeGreaterThanOrEqual(6);
  });

  it('several operations match any of them; one operation matches exactly', async () => {
    const some = await list<Entry>('audit-logs', auditQ({ ...NO_AUDIT_FILTERS, operations: ['update', 'delete'] }));
    expect(some.map((e) => `${e.operation} ${e.resource}`).sort()).toEqual(['delete mallory', 'update mallory']);
    const one = await list<Entry>('audit-logs', auditQ({ ...NO_AUDIT_FILTERS, operations: ['delete'] }));
    expect(one.map((e) => e.resource)).toEqual(['mallory']);
  });

  it('resource type is exact, username and resource are substrings, combined with and', async () => {
    const projects = await list<Entry>('audit-logs', auditQ({ ...NO_AUDIT_FILTERS, resourceType: 'project' }));
    expect(projects.map((e) => e.resource)).toEqual(['audited']);
    const users = await list<Entry>(
      'audit-logs',
      auditQ({ ...NO_AUDIT_FILTERS, resourceType: 'user', operations: ['create'], username: 'DMI', resource: 'rac' }),
    );
    expect(users.map((e) => e.resource)).toEqual(['[bracket]']);
    const nobody = await list<Entry>('audit-logs', auditQ({ ...NO_AUDIT_FILTERS, username: 'nobody' }));
    expect(nobody).toEqual([]);
  });

  it('a time range keeps the entries inside it, ends included, either end open', async () => {
    const all = await list<Entry>('audit-logs', auditQ({ ...NO_AUDIT_FILTERS, resourceType: 'user' }));
    const times = all.map((e) => e.op_time).sort();
    const middle = times[2] as string;
    const after = await list<Entry>('audit-logs', auditQ({ ...NO_AUDIT_FILTERS, resourceType: 'user', from: middle }));
    expect(after.map((e) => e.op_time).sort()).toEqual(times.filter((t) => t >= middle));
    const before = await list<Entry>('audit-logs', auditQ({ ...NO_AUDIT_FILTERS, resourceType: 'user', to: middle }));
    expect(before.map((e) => e.op_time).sort()).toEqual(times.filter((t) => t <= middle));
    const exact = await list<Entry>(
      'audit-logs',
      auditQ({ ...NO_AUDIT_FILTERS, resourceType: 'user', from: middle, to: middle }),
    );
    expect(exact.every((e) => e.op_time === middle)).toBe(true);
    expect(exact.length).toBeGreaterThan(0);
  });
});

describe('users search', () => {
  it('finds by part of the username or email', async () => {
    const byName = await list<{ username: string }>(
      'users',
      buildQ([{ key: 'username', kind: 'fuzzy', value: 'REN' }]),
    );
    expect(byName.map((u) => u.username)).toEqual(['trent']);
    const admins = await list<{ username: string }>(
      'users',
      buildQ([{ key: 'sysadmin_flag', kind: 'exact', value: 'true' }]),
    );
    expect(admins.map((u) => u.username)).toEqual(['admin']);
  });

  it('text that looks percent-encoded, or holds a plus, is searched as typed', async () => {
    const q = buildQ([{ key: 'email', kind: 'fuzzy', value: '%41y+z' }]);
    expect((await list<{ username: string }>('users', q)).map((u) => u.username)).toEqual(['trent']);
  });

  it('an exact value starting with a bracket or tilde is not read as a range, list or substring', async () => {
    const q = buildQ([{ key: 'username', kind: 'exact', value: '[bracket]' }]);
    expect((await list<{ username: string }>('users', q)).map((u) => u.username)).toEqual(['[bracket]']);
    expect(buildQ([{ key: 'username', kind: 'exact', value: '~x' }])).toBe('username=\\~x');
  });

  it('refuses to build a value the grammar cannot carry instead of searching for something else', () => {
    expect(() => buildQ([{ key: 'username', kind: 'fuzzy', value: 'a,b' }])).toThrow(/comma/);
  });
});
