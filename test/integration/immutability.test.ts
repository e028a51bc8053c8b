import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectHarborErrors, expectMatchesSwagger } from '../helpers/harbor-swagger.js';
import { client, pushImage, startTestServer, type Call } from './oci-client.js';

/**
 * Immutable tag rules over HTTP: the rule API (Harbor's immutabletagrules), and the refusals a
 * client meets when it pushes over, or deletes, an immutable tag through /v2/ and through the API.
 */
let server: Awaited<ReturnType<typeof startTestServer>>;
let call: Call;
const API = '/api/v2.0';
const json = (body: unknown) => ({ body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
const image = (n: number) => ({ extra: { annotations: { n: String(n) } } });
const MANIFEST = { 'content-type': 'application/vnd.oci.image.manifest.v1+json' };

const rule = (tagPattern: string, repoPattern = '**', extra: Record<string, unknown> = {}) => ({
  action: 'immutable',
  template: 'immutable_template',
  tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: tagPattern }],
  scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: repoPattern }] },
  ...extra,
});

let v1: { manifest: Buffer; digest: string };
let ruleId: number;

beforeAll(async () => {
  server = await startTestServer();
  call = client(() => server.url);
  const created = await call('POST', `${API}/projects`, json({ project_name: 'immu', metadata: { public: 'false' } }));
  expect(created.status).toBe(201);
  v1 = await pushImage(call, 'immu/app', 'v1', image(1));
  await call('PUT', `/v2/immu/app/manifests/latest`, { body: v1.manifest, headers: MANIFEST });
  await pushImage(call, 'immu/other/web', 'v1', image(2));
  const res = await call('POST', `${API}/projects/immu/immutabletagrules`, json(rule('v*', 'app')));
  expect(res.status).toBe(201);
  ruleId = Number(res.headers.get('location')?.split('/').pop());
  expect(ruleId).toBeGreaterThan(0);
});

afterAll(async () => {
  await server?.stop();
});

describe('immutable tag rules API', () => {
  it('lists the rule as Harbor shows it', async () => {
    const res = await call('GET', `${API}/projects/immu/immutabletagrules`);
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body.toString()) as Record<string, unknown>[];
    expectMatchesSwagger('ListImmuRules', 200, body);
    expect(res.headers.get('x-total-count')).toBe('1');
    expect(body[0]).toMatchObject({ id: ruleId, disabled: false, action: 'immutable', template: 'immutable_template' });
  });

  it('refuses an identical rule (409) and a rule without selectors (400)', async () => {
    expect((await call('POST', `${API}/projects/immu/immutabletagrules`, json(rule('v*', 'app')))).status).toBe(409);
    const bad = await call('POST', `${API}/projects/immu/immutabletagrules`, json({ tag_selectors: [] }));
    expect(bad.status).toBe(400);
    expectHarborErrors(JSON.parse(bad.body.toString()));
  });

  it('shows immutable tags in tag and artifact listings', async () => {
    const tags = await call('GET', `${API}/projects/immu/repositories/app/artifacts/${v1.digest}/tags`);
    const tagBody = JSON.parse(tags.body.toString()) as { name: string; immutable: boolean }[];
    expectMatchesSwagger('listTags', 200, tagBody);
    expect(Object.fromEntries(tagBody.map((t) => [t.name, t.immutable]))).toEqual({ v1: true, latest: false });
    const arts = await call('GET', `${API}/projects/immu/repositories/app/artifacts?with_immutable_status=true`);
    const artBody = JSON.parse(arts.body.toString()) as { tags: { name: string; immutable: boolean }[] }[];
    expectMatchesSwagger('listArtifacts', 200, artBody);
    expect(artBody[0]!.tags.find((t) => t.name === 'v1')!.immutable).toBe(true);
    // The rule selects repository `app` only (matched without the project): other/web is mutable.
    const other = await call('GET', `${API}/projects/immu/repositories/other%252Fweb/artifacts`);
    expect((JSON.parse(other.body.toString()) as { tags: { immutable: boolean }[] }[])[0]!.tags[0]!.immutable).toBe(
      false,
    );
  });
});

describe('enforcement over /v2/', () => {
  it('refuses a push that would move an immutable tag with 412 PRECONDITION', async () => {
    const res = await pushImage(call, 'immu/app', 'v1', image(99)).catch((e: Error) => e);
    expect(res).toBeInstanceOf(Error);
    expect(String(res)).toMatch(/412/);
    expect(String(res)).toMatch(/PRECONDITION/);
    const head = await call('HEAD', '/v2/immu/app/manifests/v1');
    expect(head.headers.get('docker-content-digest')).toBe(v1.digest);
  });

  it('lets the same digest be pushed again, new matching tags be created, and other tags move', async () => {
    const again = await call('PUT', '/v2/immu/app/manifests/v1', { body: v1.manifest, headers: MANIFEST });
    expect(again.status).toBe(201);
    await pushImage(call, 'immu/app', 'v2', image(3));
    await pushImage(call, 'immu/app', 'latest', image(4));
    await pushImage(call, 'immu/other/web', 'v1', image(5));
  });

  it('lets exactly one of two racing pushes create a new immutable tag', async () => {
    const results = await Promise.allSettled([
      pushImage(call, 'immu/app', 'v9', image(10)),
      pushImage(call, 'immu/app', 'v9', image(11)),
    ]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    expect(ok).toHaveLength(1);
    const head = await call('HEAD', '/v2/immu/app/manifests/v9');
    expect(head.headers.get('docker-content-digest')).toBe(
      (ok[0] as PromiseFulfilledResult<{ digest: string }>).value.digest,
    );
  });

  it('refuses deleting an artifact that carries an immutable tag', async () => {
    const res = await call('DELETE', `/v2/immu/app/manifests/${v1.digest}`);
    expect(res.status).toBe(412);
    expect(res.errorCode()).toBe('PRECONDITION');
  });
});

describe('enforcement through the API', () => {
  it('refuses DeleteTag and DeleteArtifact with 412 PRECONDITION', async () => {
    const tag = await call('DELETE', `${API}/projects/immu/repositories/app/artifacts/${v1.digest}/tags/v1`);
    expect(tag.status).toBe(412);
    expectHarborErrors(JSON.parse(tag.body.toString()), 'PRECONDITION');
    const art = await call('DELETE', `${API}/projects/immu/repositories/app/artifacts/${v1.digest}`);
    expect(art.status).toBe(412);
    expectHarborErrors(JSON.parse(art.body.toString()), 'PRECONDITION');
  });

  it('refuses deleting a repository that holds an immutable tag, and a copy that would move one', async () => {
    const repo = await call('DELETE', `${API}/projects/immu/repositories/app`);
    expect(repo.status).toBe(412);
    expectHarborErrors(JSON.parse(repo.body.toString()), 'PRECONDITION');
    expect((await call('GET', `${API}/projects/immu/repositories/app`)).status).toBe(200);
    // other/web:v1 is another digest; copying it (with its tag v1) into app would move app:v1.
    const copy = await call('POST', `${API}/projects/immu/repositories/app/artifacts?from=immu/other/web:v1`);
    expect(copy.status).toBe(412);
    expectHarborErrors(JSON.parse(copy.body.toString()), 'PRECONDITION');
    const head = await call('HEAD', `/v2/immu/app/manifests/v1`, { headers: { accept: MANIFEST['content-type'] } });
    expect(head.headers.get('docker-content-digest')).toBe(v1.digest);
  });

  it('lets the tag go once the rule is disabled, and a rule of another project cannot be touched', async () => {
    const put = await call(
      'PUT',
      `${API}/projects/immu/immutabletagrules/${ruleId}`,
      json(rule('v*', 'app', { id: ruleId, disabled: true })),
    );
    expect(put.status).toBe(200);
    const list = JSON.parse((await call('GET', `${API}/projects/immu/immutabletagrules`)).body.toString()) as {
      disabled: boolean;
    }[];
    expect(list[0]!.disabled).toBe(true);
    const tag = await call('DELETE', `${API}/projects/immu/repositories/app/artifacts/${v1.digest}/tags/v1`);
    expect(tag.status).toBe(200);
    expect((await call('DELETE', `${API}/projects/library/immutabletagrules/${ruleId}`)).status).toBe(404);
    expect((await call('DELETE', `${API}/projects/immu/immutabletagrules/${ruleId}`)).status).toBe(200);
    expect((await call('DELETE', `${API}/projects/immu/immutabletagrules/${ruleId}`)).status).toBe(404);
  });
});
