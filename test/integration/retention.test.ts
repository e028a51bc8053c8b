import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectMatchesSwagger } from '../helpers/harbor-swagger.js';
import { client, pushImage, startTestServer, type Call } from './oci-client.js';

/**
 * Tag retention end to end: a project with three repositories and artifacts whose push and pull
 * times are set days apart, a policy of three rules plus an immutable tag rule, a dry run and then
 * a real run through Harbor's API. The dry run's table must name exactly what the real run deletes,
 * and that must be what Harbor's rules say.
 */
let server: Awaited<ReturnType<typeof startTestServer>>;
let call: Call;
const API = '/api/v2.0';
const DAY = 24 * 60 * 60 * 1000;
const json = (body: unknown) => ({ body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
const parse = <T>(res: { body: Buffer }) => JSON.parse(res.body.toString()) as T;
const selector = (decoration: string, pattern: string, extras?: string) => ({
  kind: 'doublestar',
  decoration,
  pattern,
  ...(extras ? { extras } : {}),
});

/** name → digest, and the times to give each artifact (days ago; null = never pulled). */
const digests = new Map<string, string>();
const times: { repo: string; name: string; pushedDaysAgo: number; pulledDaysAgo: number | null }[] = [];

async function put(repo: string, name: string, tags: string[], pushedDaysAgo: number, pulledDaysAgo: number | null) {
  const first = tags[0] ?? `tmp-${name}`;
  const pushed = await pushImage(call, `ret/${repo}`, first, { extra: { annotations: { name } } });
  for (const tag of tags.slice(1)) {
    const res = await call('PUT', `/v2/ret/${repo}/manifests/${tag}`, {
      body: pushed.manifest,
      headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    });
    expect(res.status).toBe(201);
  }
  if (tags.length === 0) {
    const path = encodeURIComponent(encodeURIComponent(repo));
    const res = await call(
      'DELETE',
      `${API}/projects/ret/repositories/${path}/artifacts/${pushed.digest}/tags/${first}`,
    );
    expect(res.status).toBe(200);
  }
  digests.set(name, pushed.digest);
  times.push({ repo: `ret/${repo}`, name, pushedDaysAgo, pulledDaysAgo });
}

/** Sets push and pull times of artifacts and their tags, as if they had happened days apart. */
function backdate(now: number) {
  const db = new Database(join(server.dataDir, 'berth.db'));
  try {
    const artifact = db.prepare(
      `update artifacts set push_time = ?, pull_time = ?
       where digest = ? and repository_id = (select id from repositories where name = ?)`,
    );
    const tag = db.prepare(
      `update tags set push_time = ?, pull_time = ?
       where artifact_id = (select a.id from artifacts a join repositories r on r.id = a.repository_id
                            where a.digest = ? and r.name = ?)`,
    );
    for (const t of times) {
      const pushed = now - t.pushedDaysAgo * DAY;
      const pulled = t.pulledDaysAgo === null ? null : now - t.pulledDaysAgo * DAY;
      artifact.run(pushed, pulled, digests.get(t.name), t.repo);
      tag.run(pushed, pulled, digests.get(t.name), t.repo);
    }
  } finally {
    db.close();
  }
}

async function artifactsOf(repo: string): Promise<string[]> {
  const path = encodeURIComponent(encodeURIComponent(repo));
  const res = await call('GET', `${API}/projects/ret/repositories/${path}/artifacts?page_size=100`);
  return parse<{ digest: string }[]>(res).map((a) => a.digest);
}

async function allArtifacts(): Promise<Set<string>> {
  const out = new Set<string>();
  for (const repo of ['app', 'team/web', 'skip']) for (const d of await artifactsOf(repo)) out.add(`ret/${repo}@${d}`);
  return out;
}

const nameOf = (ref: string) => [...digests].find(([, d]) => ref.endsWith(`@${d}`))?.[0] ?? ref;

/** Runs the policy and waits for the execution to end; returns it with the rows marked DEL in its task logs. */
async function run(policyId: number, dryRun: boolean) {
  const started = await call('POST', `${API}/retentions/${policyId}/executions`, json({ dry_run: dryRun }));
  expect(started.status).toBe(201);
  const eid = Number(started.headers.get('location')?.split('/').pop());
  let execution: { id: number; status: string; dry_run: boolean } | undefined;
  for (;;) {
    const list = await call('GET', `${API}/retentions/${policyId}/executions`);
    const body = parse<{ id: number; status: string; dry_run: boolean }[]>(list);
    expectMatchesSwagger('listRetentionExecutions', 200, body);
    execution = body.find((e) => e.id === eid);
    if (execution && ['Success', 'Error', 'Stopped'].includes(execution.status)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const tasksRes = await call('GET', `${API}/retentions/${policyId}/executions/${eid}/tasks`);
  const tasks = parse<{ id: number; repository: string; total: number; retained: number; status: string }[]>(tasksRes);
  expectMatchesSwagger('listRetentionTasks', 200, tasks);
  const marked = new Map<string, string>();
  for (const task of tasks) {
    const log = await call('GET', `${API}/retentions/${policyId}/executions/${eid}/tasks/${task.id}`);
    expect(log.status).toBe(200);
    expect(log.headers.get('content-type')).toMatch(/^text\/plain/);
    for (const line of log.body.toString().split('\n')) {
      const cells = line.split('|').map((c) => c.trim());
      if (cells.length === 7 && cells[1]!.startsWith('ret/')) marked.set(cells[1]!, cells[5]!);
    }
  }
  return { execution: execution!, tasks, marked };
}

let policyId: number;

beforeAll(async () => {
  server = await startTestServer();
  call = client(() => server.url);
  expect(
    (await call('POST', `${API}/projects`, json({ project_name: 'ret', metadata: { public: 'false' } }))).status,
  ).toBe(201);
  // ret/app: rule 1 keeps the 2 newest v* pushes; rule 2 what was pulled within 7 days.
  await put('app', 'a1', ['v1'], 10, null); // immutable (v1): never deleted
  await put('app', 'a2', ['v2'], 9, 30); // DEL
  await put('app', 'a3', ['v3'], 8, 2); // pulled recently
  await put('app', 'a4', ['v4', 'latest'], 3, null); // 2nd newest v*
  await put('app', 'a5', ['v5'], 1, null); // newest v*
  await put('app', 'a6', [], 5, null); // untagged, never pulled: DEL
  await put('app', 'a7', [], 6, 1); // untagged, pulled recently: rule 2's `**` includes untagged
  // ret/team/web: rule 3 keeps release-*; rule 2 recent pulls.
  await put('team/web', 'b1', ['release-1'], 20, null);
  await put('team/web', 'b2', ['dev-1'], 15, 3);
  await put('team/web', 'b3', ['dev-2'], 12, null); // DEL
  await put('team/web', 'b4', ['dev-3'], 2, 10); // DEL: pushed recently, but no rule keeps by push
  // ret/skip: no rule selects it, so nothing there is touched.
  await put('skip', 'c1', ['old'], 30, null);
  backdate(Date.now());

  const immutable = await call(
    'POST',
    `${API}/projects/ret/immutabletagrules`,
    json({
      tag_selectors: [selector('matches', 'v1')],
      scope_selectors: { repository: [selector('repoMatches', 'app')] },
    }),
  );
  expect(immutable.status).toBe(201);
  const project = parse<{ project_id: number }>(await call('GET', `${API}/projects/ret`));
  const created = await call(
    'POST',
    `${API}/retentions`,
    json({
      algorithm: 'or',
      rules: [
        {
          action: 'retain',
          template: 'latestPushedK',
          params: { latestPushedK: 2 },
          tag_selectors: [selector('matches', 'v*', '{"untagged":false}')],
          scope_selectors: { repository: [selector('repoMatches', 'app')] },
        },
        {
          action: 'retain',
          template: 'nDaysSinceLastPull',
          params: { nDaysSinceLastPull: 7 },
          tag_selectors: [selector('matches', '**')],
          scope_selectors: { repository: [selector('repoExcludes', 'skip')] },
        },
        {
          action: 'retain',
          template: 'always',
          params: {},
          tag_selectors: [selector('matches', 'release-*', '{"untagged":false}')],
          scope_selectors: { repository: [selector('repoMatches', 'team/**')] },
        },
      ],
      trigger: { kind: 'Schedule', settings: { cron: '' } },
      scope: { level: 'project', ref: project.project_id },
    }),
  );
  expect(created.status).toBe(201);
  policyId = Number(created.headers.get('location')?.split('/').pop());
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('retention policy API', () => {
  it('serves the metadata, the policy, and the project metadata naming it', async () => {
    const meta = await call('GET', `${API}/retentions/metadatas`);
    expectMatchesSwagger('getRentenitionMetadata', 200, parse(meta));
    const policy = parse<{ id: number; rules: unknown[] }>(await call('GET', `${API}/retentions/${policyId}`));
    expectMatchesSwagger('getRetention', 200, policy);
    expect(policy.rules).toHaveLength(3);
    const project = parse<{ metadata: Record<string, string> }>(await call('GET', `${API}/projects/ret`));
    expect(project.metadata.retention_id).toBe(String(policyId));
  });

  it('refuses a second policy for the project', async () => {
    const policy = parse<Record<string, unknown>>(await call('GET', `${API}/retentions/${policyId}`));
    expect((await call('POST', `${API}/retentions`, json(policy))).status).toBe(400);
  });
});

describe('retention schedule', () => {
  const schedules = async () =>
    parse<{ vendor_type: string; vendor_id: number; cron: string }[]>(await call('GET', `${API}/schedules`)).filter(
      (s) => s.vendor_type === 'RETENTION' && s.vendor_id === policyId,
    );
  const withCron = async (cron: string) => {
    const policy = parse<Record<string, unknown>>(await call('GET', `${API}/retentions/${policyId}`));
    return call(
      'PUT',
      `${API}/retentions/${policyId}`,
      json({ ...policy, trigger: { kind: 'Schedule', settings: { cron } } }),
    );
  };

  it('follows the policy trigger: a cron schedules runs, a bad cron is refused, none removes it', async () => {
    expect((await withCron('0 0 0 * * *')).status).toBe(200);
    expect(await schedules()).toMatchObject([{ cron: '0 0 0 * * *' }]);
    expect((await withCron('not a cron')).status).toBe(400);
    expect(await schedules()).toMatchObject([{ cron: '0 0 0 * * *' }]);
    const stored = parse<{ trigger: { settings: { cron: string } } }>(
      await call('GET', `${API}/retentions/${policyId}`),
    );
    expect(stored.trigger.settings.cron).toBe('0 0 0 * * *');
    expect((await withCron('')).status).toBe(200);
    expect(await schedules()).toEqual([]);
  });
});

describe('a retention run', () => {
  const expected = ['a2', 'a6', 'b3', 'b4'];
  let dryDeleted: string[];

  it('dry run: reports what it would delete and deletes nothing', async () => {
    const before = await allArtifacts();
    const dry = await run(policyId, true);
    expect(dry.execution).toMatchObject({ status: 'Success', dry_run: true });
    // One task per selected repository: `skip` has none.
    expect(dry.tasks.map((t) => t.repository).sort()).toEqual(['app', 'team/web']);
    dryDeleted = [...dry.marked].filter(([, m]) => m === 'DEL').map(([ref]) => ref);
    expect(dryDeleted.map(nameOf).sort()).toEqual(expected);
    expect(dry.marked.get(`ret/app@${digests.get('a1')}`)).toBe('IMMUTABLE');
    expect(await allArtifacts()).toEqual(before);
    const app = dry.tasks.find((t) => t.repository === 'app')!;
    expect(app).toMatchObject({ total: 7, retained: 5 });
  });

  it('real run: deletes exactly what the dry run reported', async () => {
    const before = await allArtifacts();
    const real = await run(policyId, false);
    expect(real.execution).toMatchObject({ status: 'Success', dry_run: false });
    const after = await allArtifacts();
    const deleted = [...before].filter((ref) => !after.has(ref));
    expect(deleted.sort()).toEqual([...dryDeleted].sort());
    expect(deleted.map(nameOf).sort()).toEqual(expected);
    // Tags went with their artifacts; the immutable and retained ones stay.
    const tags = await call('GET', `${API}/projects/ret/repositories/app/artifacts/${digests.get('a1')}/tags`);
    expect(parse<{ name: string; immutable: boolean }[]>(tags)).toMatchObject([{ name: 'v1', immutable: true }]);
    expect((await call('HEAD', '/v2/ret/team/web/manifests/dev-2')).status).toBe(404);
    expect((await call('HEAD', '/v2/ret/skip/manifests/old')).status).toBe(200);
  });

  it('a second run finds nothing more to delete', async () => {
    const again = await run(policyId, false);
    expect([...again.marked.values()].filter((m) => m === 'DEL')).toEqual([]);
  });
});
