import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_TOKEN_PREFIX } from '../../server/auth/authenticator.js';
import { hashPassword } from '../../server/auth/password.js';
import { sha256Hex } from '../../server/auth/secrets.js';
import type { RobotPermission } from '../../server/meta/identity-types.js';
import type { MetaStore } from '../../server/meta/meta-store.js';
import { openSqliteMetaStore } from '../../server/meta/sqlite/sqlite-meta-store.js';
import { ADMIN_HEADERS, basicAuth } from '../helpers/berth.js';
import {
  expectHarborErrors,
  expectMatchesSwagger,
  swaggerOperation,
  swaggerOperationIds,
} from '../helpers/harbor-swagger.js';
import { seed } from '../helpers/seed.js';
import {
  BERTH_ROUTES,
  CALLERS,
  CASES,
  Fixture,
  NOT_SERVED,
  PASSWORD,
  ROBOT_SECRET,
  TARGET_SECRET,
  type Admin,
  type ApiCase,
  type Caller,
} from './authz-api-cases.js';
import { client, pushImage, startTestServer } from './oci-client.js';

/**
 * Harbor's REST API (`/api/v2.0`), every caller against every operation Berth serves. The case table
 * (`authz-api-cases.ts`) says, per operation, the request and who Harbor lets make it; this file seeds
 * one server, sends every request once (concurrently, up to `POOL` at a time), and then checks per
 * operation and caller: an allowed caller gets the documented status, a refused one 401 (anonymous)
 * or 403 in Harbor's error envelope, and a write changed its target exactly when it was answered 2xx.
 * A few more tests keep the table honest: every served operation has cases, every route answers 401
 * and 403 in Harbor's envelope, and every answer matches Harbor's swagger.
 */

const API = '/api/v2.0';
const POOL = 8;

interface Outcome {
  status: number;
  body: unknown;
  text?: string;
  /** Whether the target changed, when the case can tell. */
  effect?: boolean;
  error?: unknown;
}

let server: Awaited<ReturnType<typeof startTestServer>>;
let db: MetaStore;
const fx = new Fixture();
const outcomes = new Map<string, Outcome>();

const caseId = (c: ApiCase) => (c.variant ? `${c.op} (${c.variant})` : c.op);
const outcomeKey = (c: ApiCase, caller: Caller) => `${caseId(c)}|${caller.key}`;
const isSwaggerOp = (op: string) => !op.startsWith('berth:');
const ADMIN = CALLERS.find((c) => c.key === 'admin')!;

const admin: Admin = {
  async get(path: string) {
    const res = await fetch(`${server.url}${API}${path}`, { headers: headersOf(ADMIN) });
    const text = await res.text();
    return { status: res.status, json: () => JSON.parse(text) as unknown };
  },
  get db() {
    return db;
  },
};

/**
 * Users sign in with a personal access token: the same user context as their password, but checked
 * with a SHA-256 rather than scrypt, which matters because every robot or user change in the matrix
 * drops the server's cache of credential checks.
 */
const tokens = new Map<string, string>();

function headersOf(caller: Caller, c?: ApiCase): Record<string, string> {
  if (!caller.username) return {};
  const secret = c?.signIn === 'password' ? caller.password : (tokens.get(caller.key) ?? caller.password);
  return { authorization: basicAuth(caller.username, secret) };
}

async function send(
  c: ApiCase,
  caller: Caller,
  headers: Record<string, string>,
): Promise<{ status: number; body: unknown; text: string }> {
  const body = c.body?.(caller, fx);
  const res = await fetch(`${server.url}${API}${c.path(caller, fx)}`, {
    method: c.method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const isJson = (res.headers.get('content-type') ?? '').includes('json');
  return { status: res.status, body: text === '' ? undefined : isJson ? (JSON.parse(text) as unknown) : text, text };
}

async function measure(c: ApiCase, caller: Caller): Promise<void> {
  try {
    if (c.reset) await c.reset(fx, admin);
    const { status, body, text } = await send(c, caller, headersOf(caller, c));
    const outcome: Outcome = { status, body, text };
    if (c.effect) outcome.effect = await c.effect(caller, fx, admin);
    outcomes.set(outcomeKey(c, caller), outcome);
  } catch (error) {
    outcomes.set(outcomeKey(c, caller), { status: 0, body: undefined, error });
  }
}

/** Runs `tasks` with at most `size` in flight. */
async function pool(tasks: (() => Promise<void>)[], size: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) await tasks[next++]!();
  };
  await Promise.all(Array.from({ length: size }, worker));
}

beforeAll(async () => {
  server = await startTestServer();
  await seedFixture();
  db = openSqliteMetaStore({ file: join(server.dataDir, 'berth.db') });
  const tasks: (() => Promise<void>)[] = [];
  for (const c of CASES) {
    if (c.reset) {
      tasks.push(async () => {
        for (const caller of CALLERS) await measure(c, caller);
      });
    } else {
      for (const caller of CALLERS) tasks.push(() => measure(c, caller));
    }
  }
  await pool(tasks, POOL);
}, 120_000);

afterAll(async () => {
  await db?.close();
  await server?.stop();
});

async function seedFixture(): Promise<void> {
  const push = client(() => server.url);
  fx.set('digest', (await pushImage(push, 'priv/app', 'v1')).digest);
  await pushImage(push, 'pub/app', 'v1');
  fx.set('secretDigest', (await pushImage(push, 'secret/app', 'v1')).digest);
  await Promise.all(
    CALLERS.map(async (c) => {
      fx.set('delart', (await pushImage(push, 'priv/delart', c.key)).digest, c);
      await pushImage(push, `priv/delrepo-${c.key}`, 'v1');
    }),
  );
  const hash = await hashPassword(PASSWORD);
  fx.set('targetPasswordHash', hash);
  fx.set('targetSecretHash', sha256Hex(TARGET_SECRET));
  await seed(server.dataDir, async (meta) => {
    const priv = (await meta.projects.get('priv'))!;
    const pub = (await meta.projects.get('pub'))!;
    fx.set('priv', priv.id);
    fx.set('pub', pub.id);
    await meta.projects.updateMetadata(pub.id, { public: 'true' });
    await meta.projects.updateMetadata(priv.id, { severity: 'low', auto_scan: 'true', prevent_vul: 'false' });
    const artifact = (await meta.artifacts.getByDigest('priv/app', fx.text('digest')))!;
    const user = async (username: string) =>
      (await meta.users.create({ username, email: `${username}@example.test`, realname: username, passwordHash: hash }))
        .id;
    const robot = (name: string, projectId: number | null, secret: string, permissions = targetGrants(projectId)) =>
      meta.robots.create({
        name,
        description: '',
        level: projectId === null ? 'system' : 'project',
        projectId,
        duration: -1,
        expiresAt: null,
        creator: 'admin',
        secretHash: sha256Hex(secret),
        permissions,
      });
    const label = async (name: string, projectId: number | null) =>
      (await meta.labels.create({ name, description: '', color: '', scope: projectId ? 'p' : 'g', projectId })).id;

    fx.set('bystander', await user('bystander'));
    fx.set('robot:project', (await robot('robot$priv+fixture', priv.id, TARGET_SECRET)).id);
    fx.set('robot:system', (await robot('robot$fixture', null, TARGET_SECRET)).id);
    fx.set('label:priv', await label('fix-priv', priv.id));
    fx.set('label:pub', await label('fix-pub', pub.id));
    fx.set('label:global', await label('fix-global', null));
    for (const c of CALLERS) {
      const k = c.key;
      if (c.kind === 'user') {
        const id = c.sysadmin ? (await meta.users.getByName('admin'))!.id : await user(c.username!);
        fx.set('user', id, c);
        const token = `${ACCESS_TOKEN_PREFIX}matrix-${k}-${randomUUID()}`;
        await meta.accessTokens.create({ userId: id, name: 'matrix', tokenHash: sha256Hex(token), expiresAt: null });
        tokens.set(k, token);
        const tokenHash = sha256Hex(`token-of-${k}`);
        fx.set(
          'token',
          (await meta.accessTokens.create({ userId: id, name: `del-${k}`, tokenHash, expiresAt: null })).id,
          c,
        );
        if (c.role !== undefined) {
          const member = await meta.members.add(priv.id, 'u', id, c.role);
          if (k === 'guest') fx.set('member:guest', member.id);
        }
      }
      const own = await meta.projects.ensure(`del-${k}`);
      if (c.role !== undefined) await meta.members.add(own.id, 'u', fx.id('user', c), c.role);
      fx.set('quota', (await meta.projects.ensure(`q-${k}`)).id, c);
      await user(`cand-${k}`);
      fx.set('member:upd', (await meta.members.add(priv.id, 'u', await user(`upd-${k}`), 3)).id, c);
      fx.set('member:del', (await meta.members.add(priv.id, 'u', await user(`mdel-${k}`), 3)).id, c);
      fx.set('user:profile', await user(`prof-${k}`), c);
      fx.set('user:delete', await user(`udel-${k}`), c);
      fx.set('user:sysadmin', await user(`sa-${k}`), c);
      fx.set('user:password', await user(`pw-${k}`), c);
      fx.set('label:add', await label(`al-${k}`, priv.id), c);
      fx.set('label:remove', await label(`rl-${k}`, priv.id), c);
      await meta.labels.attach(artifact.id, fx.id('label:remove', c));
      fx.set('label:priv:upd', await label(`ul-${k}`, priv.id), c);
      fx.set('label:priv:del', await label(`dl-${k}`, priv.id), c);
      fx.set('label:global:upd', await label(`gul-${k}`, null), c);
      fx.set('label:global:del', await label(`gdl-${k}`, null), c);
      await meta.tags.put('priv/app', fx.text('digest'), `d-${k}`);
      for (const [level, projectId, prefix] of [
        ['project', priv.id, 'robot$priv+'],
        ['system', null, 'robot$s'],
      ] as const) {
        fx.set(`robot:${level}:upd`, (await robot(`${prefix}u-${k}`, projectId, TARGET_SECRET)).id, c);
        fx.set(`robot:${level}:sec`, (await robot(`${prefix}s-${k}`, projectId, TARGET_SECRET)).id, c);
        fx.set(`robot:${level}:del`, (await robot(`${prefix}d-${k}`, projectId, TARGET_SECRET)).id, c);
      }
      const policy = { lockAfter: 1, lockForMs: 3_600_000, windowMs: 3_600_000 };
      await meta.loginFailures.recordFailure(`user:locked-${k}`, new Date(), policy);
      if (c.kind === 'robot')
        await robot(c.username!, c.grants![0]!.kind === 'project' ? priv.id : null, ROBOT_SECRET, c.grants);
    }
  });
}

function targetGrants(projectId: number | null): RobotPermission[] {
  return projectId === null
    ? [{ kind: 'system', namespace: '/', access: [{ resource: 'project', action: 'list' }] }]
    : [{ kind: 'project', namespace: 'priv', access: [{ resource: 'repository', action: 'pull' }] }];
}

function preview(body: unknown): string {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return text === undefined ? '(no body)' : text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

describe('Harbor API authorisation matrix', () => {
  for (const c of CASES) {
    describe(caseId(c), () => {
      for (const caller of CALLERS) {
        const allowed = c.rule.allows(caller);
        const bug = c.bug?.callers.includes(caller.key) === true;
        const other = allowed && c.okFor?.callers.includes(caller.key) ? `, ${c.okFor.status}: ${c.okFor.why}` : '';
        const name = `${caller.name}: ${allowed ? 'allowed' : 'refused'} (${c.rule.text}${other})`;
        (bug ? it.fails : it)(bug ? `${name} [Berth bug, see the case's note]` : name, () => {
          const o = outcomes.get(outcomeKey(c, caller));
          if (!o) throw new Error('not measured');
          if (o.error) throw o.error;
          const what = `${c.method} ${c.path(caller, fx)} → ${o.status} ${preview(o.body)}`;
          if (allowed) {
            const want = c.okFor?.callers.includes(caller.key) ? c.okFor.status : (c.ok ?? 200);
            expect(o.status, what).toBe(want);
          } else {
            expect(o.status, what).toBe(caller.kind === 'anonymous' ? 401 : 403);
            if (c.method !== 'HEAD')
              expectHarborErrors(o.body, caller.kind === 'anonymous' ? 'UNAUTHORIZED' : 'FORBIDDEN');
          }
          if (c.effect) expect(o.effect, `changed by ${what}`).toBe(o.status >= 200 && o.status < 300);
          if (o.status >= 200 && o.status < 300) {
            for (const r of c.reveals ?? []) {
              expect(r.in(o.body), `${what}: shows ${r.what} only to ${r.rule.text}`).toBe(r.rule.allows(caller));
            }
          }
        });
      }
    });
  }
});

describe('the case table', () => {
  it('names each case once, and only operations of the swagger or Berth routes', () => {
    const ids = CASES.map(caseId);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    const known = new Set([...swaggerOperationIds(), ...Object.keys(BERTH_ROUTES)]);
    expect(CASES.map((c) => c.op).filter((op) => !known.has(op))).toEqual([]);
  });

  it('has cases for every operation Berth serves, and lists the ones it does not serve', async () => {
    const served: string[] = [];
    const notServed: string[] = [];
    for (const id of swaggerOperationIds()) {
      const op = swaggerOperation(id);
      // Targets that do not exist, so a served route answers 4xx and changes nothing.
      const path = op.path.replace(/\{([^}]+)\}/g, (_m, name: string) =>
        /(^|_)id$|^mid$/.test(name) ? '999999999' : 'probe-missing',
      );
      const write = !['GET', 'HEAD', 'DELETE'].includes(op.method);
      const res = await fetch(`${server.url}${API}${path}`, {
        method: op.method,
        headers: { ...ADMIN_HEADERS, ...(write ? { 'content-type': 'application/json' } : {}) },
        body: write ? '{}' : undefined,
      });
      const text = await res.text();
      (res.status === 404 && /path .* was not found/.test(text) ? notServed : served).push(id);
    }
    const inTable = new Set(CASES.map((c) => c.op).filter(isSwaggerOp));
    expect(
      served.filter((id) => !inTable.has(id)),
      'served, but missing from the case table',
    ).toEqual([]);
    expect(
      [...inTable].filter((id) => !served.includes(id)),
      'in the case table, but not served',
    ).toEqual([]);
    expect(notServed.sort(), 'NOT_SERVED is out of date').toEqual([...NOT_SERVED].sort());
    for (const [op, route] of Object.entries(BERTH_ROUTES)) {
      const [method, path] = route.split(' ') as [string, string];
      const res = await fetch(`${server.url}${API}${path.replace(/:[a-z_]+/g, '999999999')}`, {
        method,
        headers: ADMIN_HEADERS,
      });
      expect(await res.text(), `${op}: ${route} is not served`).not.toMatch(/path .* was not found/);
      expect(CASES.some((c) => c.op === op)).toBe(true);
    }
  });
});

describe("Harbor's error envelope", () => {
  it('answers 401 in the envelope on every route when the credentials are refused', async () => {
    const failures: string[] = [];
    const seen = new Set<string>();
    for (const c of CASES) {
      if (seen.has(c.op)) continue;
      seen.add(c.op);
      // A bearer token is not accepted on the REST API: refused before any route runs.
      const { status, body } = await send(c, ADMIN, { authorization: 'Bearer not-a-token' });
      try {
        expect(status).toBe(401);
        if (c.method !== 'HEAD') expectHarborErrors(body, 'UNAUTHORIZED');
      } catch (err) {
        failures.push(`${caseId(c)}: ${status} ${preview(body)} (${(err as Error).message.split('\n')[0]})`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('refuses with 401 and 403 in the envelope on every route that restricts its callers', () => {
    const missing: string[] = [];
    const ops = [...new Set(CASES.map((c) => c.op))];
    for (const op of ops) {
      const cases = CASES.filter((c) => c.op === op);
      const measured = cases.flatMap((c) =>
        CALLERS.map((caller) => ({ c, caller, o: outcomes.get(outcomeKey(c, caller)) })),
      );
      // Refusals Harbor makes, except where a known bug (`bug`) answers otherwise.
      const refused = (c: ApiCase, x: Caller) => !c.rule.allows(x) && !c.bug?.callers.includes(x.key);
      const refusesAnonymous = cases.some((c) => refused(c, CALLERS[0]!));
      const refusesSomeone = cases.some((c) => CALLERS.some((x) => x.kind !== 'anonymous' && refused(c, x)));
      for (const { c, o } of measured) {
        if (!o || o.error || (o.status !== 401 && o.status !== 403) || c.method === 'HEAD') continue;
        expectHarborErrors(o.body, o.status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN');
      }
      if (refusesAnonymous && !measured.some(({ o }) => o?.status === 401)) missing.push(`${op}: no 401`);
      if (refusesSomeone && !measured.some(({ o }) => o?.status === 403)) missing.push(`${op}: no 403`);
    }
    expect(missing).toEqual([]);
  });
});

describe("Harbor's swagger", () => {
  it('describes every answer of the matrix', () => {
    const mismatches = new Set<string>();
    for (const c of CASES.filter((x) => isSwaggerOp(x.op))) {
      for (const caller of CALLERS) {
        const o = outcomes.get(outcomeKey(c, caller));
        // Refusals are checked against Harbor's envelope above: Harbor's swagger leaves 401 and 403
        // out of many operations that answer them (ListRobot, the label operations...).
        if (!o || o.error || o.status === 401 || o.status === 403) continue;
        // A `type: string` answer (getPing, getAddition) is the raw text, whatever its content type.
        const schema = (
          swaggerOperation(c.op).responses[String(o.status)] as { schema?: { type?: string } } | undefined
        )?.schema;
        try {
          expectMatchesSwagger(c.op, o.status, schema?.type === 'string' ? o.text : o.body);
        } catch (err) {
          mismatches.add(`${caseId(c)} ${o.status}: ${(err as Error).message.split('\n').slice(0, 2).join(' ')}`);
        }
      }
    }
    expect([...mismatches]).toEqual([]);
  });
});
