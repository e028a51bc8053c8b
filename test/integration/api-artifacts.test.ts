import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MediaType,
  allBlobs,
  buildArtifact,
  buildImage,
  buildIndex,
  buildLayer,
  manifestsInPushOrder,
  randomBlobLayer,
  sha256Digest,
  type BuiltManifest,
} from '../fixtures/image-builder.js';
import {
  DEV,
  GUEST,
  MAINT,
  OUTSIDER,
  apiCallers,
  auditEntries,
  parseJson,
  send,
  type Json,
} from '../helpers/harbor-api.js';
import {
  expectHarborErrors,
  expectMatchesSwagger,
  expectPagingHeaders,
  expectProperties,
} from '../helpers/harbor-swagger.js';
import { seed, seedMember, seedUser } from '../helpers/seed.js';
import { startTestServer, type Call } from './oci-client.js';

/**
 * Repositories, artifacts, tags and additions over HTTP, on real pushes: what each role may see and
 * do, what a refused request leaves unchanged, and how the answers line up with the registry (/v2/).
 */

let server: Awaited<ReturnType<typeof startTestServer>>;
const { admin, anonymous, guest, developer, maintainer, outsider } = apiCallers(() => server.url);

/**
 * Harbor's swagger types `ExtraAttrs` values as `{type: object}`, which the validator reads as "must
 * be an object"; Harbor itself (go-swagger: `map[string]interface{}`) writes strings there
 * (`architecture: "amd64"`). Artifacts are validated without `extra_attrs`, which is checked here.
 */
function expectArtifactSwagger(operationId: string, status: number, body: unknown): void {
  const strip = (a: Json) => {
    if (a.extra_attrs !== undefined) expect(typeof a.extra_attrs).toBe('object');
    const { extra_attrs: _ignored, ...rest } = a;
    return rest;
  };
  expectMatchesSwagger(operationId, status, Array.isArray(body) ? (body as Json[]).map(strip) : strip(body as Json));
}

/** Pushes every blob and manifest of `root` (children by digest, the root by `tag` or digest). */
async function pushBuilt(call: Call, repo: string, root: BuiltManifest, tag?: string): Promise<void> {
  for (const [digest, bytes] of allBlobs(root)) {
    const res = await call('POST', `/v2/${repo}/blobs/uploads/?digest=${digest}`, {
      body: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(res.status, `blob ${digest}`).toBe(201);
  }
  for (const m of manifestsInPushOrder(root)) {
    const ref = m === root && tag ? tag : m.digest;
    const res = await call('PUT', `/v2/${repo}/manifests/${ref}`, {
      body: m.bytes,
      headers: { 'content-type': m.mediaType },
    });
    expect(res.status, `manifest ${ref}: ${res.body.toString()}`).toBe(201);
  }
}

const HISTORY = [
  { created_by: '/bin/sh -c #(nop) ADD file:rootfs in /' },
  { created_by: '/bin/sh -c #(nop) CMD ["sh"]', empty_layer: true },
  { created_by: 'RUN make install' },
];
const app = buildImage({
  layers: [randomBlobLayer(1500, 'app/0'), randomBlobLayer(700, 'app/1')],
  history: HISTORY,
  config: { Cmd: ['sh'], Labels: { maintainer: 'ops@example.test' } },
});
const amd64 = buildImage({ layers: [randomBlobLayer(900, 'multi/amd64')] });
const arm64 = buildImage({
  layers: [randomBlobLayer(800, 'multi/arm64')],
  platform: { architecture: 'arm64', os: 'linux', variant: 'v8' },
});
const multi = buildIndex([amd64, arm64]);
const signature = buildArtifact({
  artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
  files: [{ mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', data: '{"critical":{}}' }],
  subject: app,
});
const tool = buildImage({ layers: [randomBlobLayer(300, 'tool')] });
const hello = buildImage({ layers: [randomBlobLayer(200, 'hello')] });
const secret = buildImage({ layers: [randomBlobLayer(250, 'secret')] });

const CHART_YAML = [
  'apiVersion: v2',
  'name: mychart',
  'version: 0.1.0',
  'dependencies:',
  '  - name: redis',
  '    version: 17.0.0',
  '    repository: https://charts.example.test',
  '',
].join('\n');
const VALUES_YAML = 'replicaCount: 2\nimage:\n  repository: nginx\n';
const README = '# mychart\n\nA test chart.\n';
const chart = buildChart();

function buildChart(): BuiltManifest {
  const layer = buildLayer([
    { path: 'mychart/Chart.yaml', data: CHART_YAML },
    { path: 'mychart/values.yaml', data: VALUES_YAML },
    { path: 'mychart/README.md', data: README },
    { path: 'mychart/templates/deployment.yaml', data: 'kind: Deployment\n' },
  ]);
  const config = Buffer.from(JSON.stringify({ name: 'mychart', version: '0.1.0', apiVersion: 'v2' }));
  const configDigest = sha256Digest(config);
  const json = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: 'application/vnd.cncf.helm.config.v1+json', digest: configDigest, size: config.length },
    layers: [
      { mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip', digest: layer.digest, size: layer.size },
    ],
  };
  const bytes = Buffer.from(JSON.stringify(json));
  const digest = sha256Digest(bytes);
  return {
    mediaType: MediaType.ociManifest,
    bytes,
    digest,
    size: bytes.length,
    descriptor: { mediaType: MediaType.ociManifest, digest, size: bytes.length },
    json,
    blobs: new Map([
      [configDigest, config],
      [layer.digest, layer.data],
    ]),
    children: [],
  };
}

beforeAll(async () => {
  server = await startTestServer();
  for (const u of [GUEST, DEV, MAINT, OUTSIDER]) await seedUser(server.dataDir, u.username, u.password);
  await seedMember(server.dataDir, 'proj', GUEST.username, 3);
  await seedMember(server.dataDir, 'proj', DEV.username, 2);
  await seedMember(server.dataDir, 'proj', MAINT.username, 4);
  await seed(server.dataDir, async (meta) => {
    await meta.projects.ensure('pub', { public: true });
    await meta.projects.ensure('other', { public: false });
  });
  await pushBuilt(admin, 'proj/app', app, 'v1');
  await pushBuilt(admin, 'proj/app', multi, 'multi');
  await pushBuilt(admin, 'proj/app', signature);
  await pushBuilt(admin, 'proj/team/tool', tool, '1.0');
  await pushBuilt(admin, 'proj/charts/mychart', chart, '0.1.0');
  await pushBuilt(admin, 'pub/hello', hello, 'latest');
  await pushBuilt(admin, 'other/secret', secret, 's1');
});
afterAll(() => server.stop());

const artifactsOf = (repo: string, query = '') => `/projects/proj/repositories/${repo}/artifacts${query}`;

describe('repositories', () => {
  it('listRepositories shows a project’s repositories with their artifact counts', async () => {
    const res = await send(guest, 'GET', '/projects/proj/repositories?page_size=100');
    expect(res.status).toBe(200);
    const body = parseJson<Json[]>(res);
    expectMatchesSwagger('listRepositories', 200, body);
    expectPagingHeaders(res.headers, { total: 3, next: null });
    const byName = Object.fromEntries(body.map((r) => [r.name, r]));
    expect(Object.keys(byName).sort()).toEqual(['proj/app', 'proj/charts/mychart', 'proj/team/tool']);
    // app: the image, the two index children, the index, the signature.
    expect(byName['proj/app']).toMatchObject({ artifact_count: 5, description: '', pull_count: 0 });
    expectProperties(body, ['id', 'project_id', 'name', 'artifact_count', 'creation_time', 'update_time']);
  });

  it('listAllRepositories shows only what the caller may see', async () => {
    const names = async (call: Call) => {
      const res = await send(call, 'GET', '/repositories?page_size=100');
      expect(res.status).toBe(200);
      const body = parseJson<Json[]>(res);
      expectMatchesSwagger('listAllRepositories', 200, body);
      expectPagingHeaders(res.headers, { total: body.length });
      return body.map((r) => r.name).sort();
    };
    expect(await names(admin)).toEqual([
      'other/secret',
      'proj/app',
      'proj/charts/mychart',
      'proj/team/tool',
      'pub/hello',
    ]);
    expect(await names(anonymous)).toEqual(['pub/hello']);
    expect(await names(outsider)).toEqual(['pub/hello']);
    expect(await names(guest)).toEqual(['proj/app', 'proj/charts/mychart', 'proj/team/tool', 'pub/hello']);
  });

  it('getRepository takes double-encoded names and answers 401/403/404 as Harbor does', async () => {
    const res = await send(guest, 'GET', '/projects/proj/repositories/team%252Ftool');
    expect(res.status).toBe(200);
    expectMatchesSwagger('getRepository', 200, parseJson(res));
    expect(parseJson(res)).toMatchObject({ name: 'proj/team/tool', artifact_count: 1 });

    const once = await send(guest, 'GET', '/projects/proj/repositories/team%2Ftool');
    expect(parseJson(once)).toMatchObject({ name: 'proj/team/tool' });

    expect((await send(anonymous, 'GET', '/projects/pub/repositories/hello')).status).toBe(200);
    const anon = await send(anonymous, 'GET', '/projects/proj/repositories/app');
    expect(anon.status).toBe(401);
    expectHarborErrors(parseJson(anon), 'UNAUTHORIZED');
    const denied = await send(outsider, 'GET', '/projects/proj/repositories/app');
    expect(denied.status).toBe(403);
    expectHarborErrors(parseJson(denied), 'FORBIDDEN');
    const missing = await send(guest, 'GET', '/projects/proj/repositories/nope');
    expect(missing.status).toBe(404);
    expectMatchesSwagger('getRepository', 404, parseJson(missing));
    expect((await send(guest, 'GET', '/projects/proj/repositories/..%252Fother')).status).toBe(400);
  });

  it('updateRepository refuses to set a description it cannot keep', async () => {
    const set = await send(developer, 'PUT', '/projects/proj/repositories/app', { description: 'our app' });
    expect(set.status).toBe(400);
    expectHarborErrors(parseJson(set), 'BAD_REQUEST');
    expect(parseJson<{ errors: { message: string }[] }>(set).errors[0]?.message).toMatch(/description/);
    const clear = await send(developer, 'PUT', '/projects/proj/repositories/app', { description: '' });
    expect(clear.status).toBe(200);
    expectMatchesSwagger('updateRepository', 200, clear.body.toString());
    expect((await send(guest, 'PUT', '/projects/proj/repositories/app', { description: '' })).status).toBe(403);
    expect((await send(developer, 'PUT', '/projects/proj/repositories/app', { description: 5 })).status).toBe(400);
  });

  it('deleteRepository: maintainers only; the repository and its tags are gone from /v2/', async () => {
    await pushBuilt(admin, 'proj/doomed', buildImage({ layers: [randomBlobLayer(100, 'doomed')] }), 'x');
    for (const call of [guest, developer]) {
      const res = await send(call, 'DELETE', '/projects/proj/repositories/doomed');
      expect(res.status).toBe(403);
    }
    expect((await admin('GET', '/v2/proj/doomed/tags/list')).status).toBe(200);
    const res = await send(maintainer, 'DELETE', '/projects/proj/repositories/doomed');
    expect(res.status).toBe(200);
    expectMatchesSwagger('deleteRepository', 200, res.body.toString());
    expect((await send(admin, 'GET', '/projects/proj/repositories/doomed')).status).toBe(404);
    const tags = await admin('GET', '/v2/proj/doomed/tags/list');
    expect(tags.status).toBe(404);
    expect(tags.errorCode()).toBe('NAME_UNKNOWN');
    const again = await send(maintainer, 'DELETE', '/projects/proj/repositories/doomed');
    expect(again.status).toBe(404);
    expectMatchesSwagger('deleteRepository', 404, parseJson(again));
    const entries = await auditEntries(server.dataDir, {
      resource_type: 'repository',
      operation: 'delete',
      resource: 'proj/doomed',
    });
    expect(entries[0]).toMatchObject({ username: MAINT.username, success: true });
  });
});

describe('artifacts', () => {
  it('listArtifacts describes images the way Harbor does', async () => {
    const res = await send(guest, 'GET', artifactsOf('app', '?q=tags%3Dv1'));
    expect(res.status).toBe(200);
    const body = parseJson<Json[]>(res);
    expectArtifactSwagger('listArtifacts', 200, body);
    expectPagingHeaders(res.headers, { total: 1, next: null });
    const layers = (app.json.layers as { size: number }[]).reduce((n, l) => n + l.size, 0);
    const config = app.json.config as { digest: string; size: number };
    expect(body[0]).toMatchObject({
      type: 'IMAGE',
      digest: app.digest,
      media_type: MediaType.ociConfig,
      manifest_media_type: MediaType.ociManifest,
      artifact_type: MediaType.ociConfig,
      repository_name: 'proj/app',
      size: app.size + config.size + layers,
      pull_time: '0001-01-01T00:00:00.000Z',
      extra_attrs: { architecture: 'amd64', os: 'linux', author: 'ops@example.test' },
      addition_links: {
        build_history: {
          href: `/api/v2.0/projects/proj/repositories/app/artifacts/${app.digest}/additions/build_history`,
          absolute: false,
        },
      },
    });
    expect((body[0]?.extra_attrs as Json).config).toMatchObject({ Cmd: ['sh'] });
    expect(body[0]?.tags).toEqual([expect.objectContaining({ name: 'v1', immutable: false })]);
    expect(body[0]).not.toHaveProperty('labels');
  });

  it('an index lists its references with platforms', async () => {
    const res = await send(guest, 'GET', artifactsOf('app', '/multi'));
    expect(res.status).toBe(200);
    const body = parseJson(res);
    expectArtifactSwagger('getArtifact', 200, body);
    expect(body).toMatchObject({ type: 'IMAGE', media_type: MediaType.ociIndex, digest: multi.digest });
    expect(body.size).toBe(multi.size + (await sizeOf(amd64)) + (await sizeOf(arm64)));
    const refs = body.references as Json[];
    expect(refs.map((r) => r.child_digest)).toEqual([amd64.digest, arm64.digest]);
    expect(refs[1]).toMatchObject({
      parent_id: body.id,
      platform: { architecture: 'arm64', os: 'linux', variant: 'v8' },
    });
    const child = parseJson(await send(guest, 'GET', artifactsOf('app', `/${arm64.digest}`)));
    expect(refs[1]?.child_id).toBe(child.id);
    expect(body).not.toHaveProperty('addition_links');
  });

  it('filters: untagged, fuzzy tags, digest; unknown keys and Harbor’s type key are 400', async () => {
    // Harbor's listing nests untagged index children and accessories under their parent, so the
    // repository's untagged artifacts are all out of sight here; the parent's JSON names them.
    const untagged = parseJson<Json[]>(await send(guest, 'GET', artifactsOf('app', '?q=tags%3Dnil&page_size=50')));
    expect(untagged).toEqual([]);
    const top = parseJson<Json[]>(await send(guest, 'GET', artifactsOf('app', '?with_accessory=true&page_size=50')));
    expect(top.map((a) => a.digest).sort()).toEqual([app.digest, multi.digest].sort());
    const index = top.find((a) => a.digest === multi.digest) as { references: { child_digest: string }[] };
    expect(index.references.map((r) => r.child_digest).sort()).toEqual([amd64.digest, arm64.digest].sort());
    const fuzzy = parseJson<Json[]>(await send(guest, 'GET', artifactsOf('app', '?q=tags%3D~mul')));
    expect(fuzzy.map((a) => a.digest)).toEqual([multi.digest]);
    const byDigest = parseJson<Json[]>(await send(guest, 'GET', artifactsOf('app', `?q=digest%3D${app.digest}`)));
    expect(byDigest.map((a) => a.digest)).toEqual([app.digest]);
    const media = parseJson<Json[]>(
      await send(guest, 'GET', artifactsOf('app', `?q=media_type%3D${encodeURIComponent(MediaType.ociIndex)}`)),
    );
    expect(media.map((a) => a.digest)).toEqual([multi.digest]);
    for (const q of ['type%3DIMAGE', 'colour%3Dblue']) {
      const res = await send(guest, 'GET', artifactsOf('app', `?q=${q}`));
      expect(res.status, q).toBe(400);
      expectHarborErrors(parseJson(res), 'BAD_REQUEST');
    }
    const paged = await send(guest, 'GET', artifactsOf('app', '?page_size=1&page=1'));
    expectPagingHeaders(paged.headers, { total: 2, next: /page=2/, prev: null });
    const bad = await send(guest, 'GET', artifactsOf('app', '?with_tag=maybe'));
    expect(bad.status).toBe(422);
  });

  it('who may list: members, anyone on a public project; unknown repositories are 404', async () => {
    expect((await send(anonymous, 'GET', '/projects/pub/repositories/hello/artifacts')).status).toBe(200);
    const anon = await send(anonymous, 'GET', artifactsOf('app'));
    expect(anon.status).toBe(401);
    expectHarborErrors(parseJson(anon), 'UNAUTHORIZED');
    const denied = await send(outsider, 'GET', artifactsOf('app'));
    expect(denied.status).toBe(403);
    expectMatchesSwagger('listArtifacts', 403, parseJson(denied));
    const missing = await send(guest, 'GET', artifactsOf('nope'));
    expect(missing.status).toBe(404);
    expectMatchesSwagger('listArtifacts', 404, parseJson(missing));
    // A missing project answers like a private one (403), so project names cannot be probed.
    expect((await send(guest, 'GET', '/projects/nope/repositories/app/artifacts')).status).toBe(403);
    expect((await send(admin, 'GET', '/projects/nope/repositories/app/artifacts')).status).toBe(404);
  });

  it('getArtifact by tag or digest, with accessories, without tags on request', async () => {
    const byTag = parseJson(await send(guest, 'GET', artifactsOf('app', '/v1?with_accessory=true&with_label=true')));
    expectArtifactSwagger('getArtifact', 200, byTag);
    expect(byTag.labels).toEqual([]);
    expect(byTag.accessories).toEqual([
      expect.objectContaining({
        digest: signature.digest,
        type: 'signature.cosign',
        subject_artifact_id: byTag.id,
        subject_artifact_digest: app.digest,
        subject_artifact_repo: 'proj/app',
      }),
    ]);
    const byDigest = parseJson(await send(guest, 'GET', artifactsOf('app', `/${app.digest}?with_tag=false`)));
    expect(byDigest.id).toBe(byTag.id);
    expect(byDigest).not.toHaveProperty('tags');
    expect(byDigest).not.toHaveProperty('accessories');

    const sig = parseJson(await send(guest, 'GET', artifactsOf('app', `/${signature.digest}`)));
    expect(sig).toMatchObject({ type: 'UNKNOWN', artifact_type: 'application/vnd.dev.cosign.artifact.sig.v1+json' });

    const missing = await send(guest, 'GET', artifactsOf('app', '/v404'));
    expect(missing.status).toBe(404);
    expectMatchesSwagger('getArtifact', 404, parseJson(missing));
    expect((await send(guest, 'GET', artifactsOf('app', '/sha256:zz'))).status).toBe(400);
    expect((await send(guest, 'GET', artifactsOf('team%252Ftool', '/1.0'))).status).toBe(200);
  });
});

describe('additions', () => {
  const addition = (repo: string, ref: string, name: string, call: Call = guest) =>
    send(call, 'GET', `/projects/proj/repositories/${repo}/artifacts/${ref}/additions/${name}`);

  it('build_history is the image config’s history', async () => {
    const res = await addition('app', 'v1', 'build_history');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const history = parseJson<Json[]>(res);
    expectMatchesSwagger('getAddition', 200, res.body.toString());
    expect(history.map((h) => h.created_by)).toEqual(HISTORY.map((h) => h.created_by));
    expect(history[1]).toMatchObject({ empty_layer: true });
  });

  it('charts offer values.yaml, readme.md and dependencies', async () => {
    const art = parseJson(await send(guest, 'GET', '/projects/proj/repositories/charts%252Fmychart/artifacts/0.1.0'));
    expect(art).toMatchObject({ type: 'CHART', extra_attrs: { name: 'mychart', version: '0.1.0' } });
    expect(Object.keys(art.addition_links as Json).sort()).toEqual(['dependencies', 'readme.md', 'values.yaml']);

    const values = await addition('charts%252Fmychart', '0.1.0', 'values.yaml');
    expect(values.status).toBe(200);
    expect(values.body.toString()).toBe(VALUES_YAML);
    const readme = await addition('charts%252Fmychart', '0.1.0', 'readme.md');
    expect(readme.headers.get('content-type')).toMatch(/^text\/markdown/);
    expect(readme.body.toString()).toBe(README);
    const deps = await addition('charts%252Fmychart', '0.1.0', 'dependencies');
    expect(parseJson(deps)).toEqual([{ name: 'redis', version: '17.0.0', repository: 'https://charts.example.test' }]);
    expect((await addition('charts%252Fmychart', '0.1.0', 'build_history')).status).toBe(404);
  });

  it('additions an artifact does not have are 404, unknown ones 400, private ones 401', async () => {
    expect((await addition('app', 'v1', 'values.yaml')).status).toBe(404);
    expect((await addition('app', 'multi', 'build_history')).status).toBe(404);
    expect((await addition('app', 'v1', 'secrets')).status).toBe(400);
    expect((await addition('app', 'v1', 'build_history', anonymous)).status).toBe(401);
    expect((await addition('app', 'v1', 'build_history', outsider)).status).toBe(403);
  });
});

async function sizeOf(image: BuiltManifest): Promise<number> {
  const json = image.json as { config: { size: number }; layers: { size: number }[] };
  return image.size + json.config.size + json.layers.reduce((n, l) => n + l.size, 0);
}

describe('tags', () => {
  const tagsPath = (ref: string) => artifactsOf('app', `/${ref}/tags`);
  const tagNames = async () => {
    const res = await send(guest, 'GET', tagsPath(app.digest));
    expect(res.status).toBe(200);
    const body = parseJson<Json[]>(res);
    expectMatchesSwagger('listTags', 200, body);
    return body.map((t) => t.name).sort();
  };

  it('createTag: developers may; an existing tag is 409 and stays where it was', async () => {
    const denied = await send(guest, 'POST', tagsPath('v1'), { name: 'stable' });
    expect(denied.status).toBe(403);
    expect((await send(anonymous, 'POST', tagsPath('v1'), { name: 'stable' })).status).toBe(401);
    expect(await tagNames()).toEqual(['v1']);

    const res = await send(developer, 'POST', tagsPath('v1'), { name: 'stable' });
    expect(res.status).toBe(201);
    expectMatchesSwagger('createTag', 201, res.body.toString());
    expect(await tagNames()).toEqual(['stable', 'v1']);
    const pulled = await admin('HEAD', '/v2/proj/app/manifests/stable');
    expect(pulled.headers.get('docker-content-digest')).toBe(app.digest);

    const taken = await send(developer, 'POST', artifactsOf('app', `/${amd64.digest}/tags`), { name: 'multi' });
    expect(taken.status).toBe(409);
    expectMatchesSwagger('createTag', 409, parseJson(taken));
    expect((await admin('HEAD', '/v2/proj/app/manifests/multi')).headers.get('docker-content-digest')).toBe(
      multi.digest,
    );
    for (const body of [{ name: '-bad' }, { name: '' }, {}, { name: 7 }]) {
      const bad = await send(developer, 'POST', tagsPath('v1'), body);
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expectHarborErrors(parseJson(bad), 'BAD_REQUEST');
    }
    const entries = await auditEntries(server.dataDir, {
      resource_type: 'tag',
      operation: 'create',
      resource: 'proj/app:stable',
    });
    expect(entries[0]).toMatchObject({ username: DEV.username, success: true });
  });

  it('listTags pages and filters by name', async () => {
    const res = await send(guest, 'GET', `${tagsPath('v1')}?q=name%3D~sta&page_size=1`);
    expect(res.status).toBe(200);
    expectPagingHeaders(res.headers, { total: 1, next: null });
    expect(parseJson<Json[]>(res).map((t) => t.name)).toEqual(['stable']);
    expect((await send(anonymous, 'GET', tagsPath('v1'))).status).toBe(401);
  });

  it('deleteTag: maintainers only; the artifact stays, the tag leaves /v2/', async () => {
    expect((await send(developer, 'DELETE', `${tagsPath('v1')}/stable`)).status).toBe(403);
    expect(await tagNames()).toEqual(['stable', 'v1']);
    const wrong = await send(maintainer, 'DELETE', `${artifactsOf('app', '/multi/tags')}/stable`);
    expect(wrong.status).toBe(404);
    expectMatchesSwagger('deleteTag', 404, parseJson(wrong));

    const res = await send(maintainer, 'DELETE', `${tagsPath('v1')}/stable`);
    expect(res.status).toBe(200);
    expectMatchesSwagger('deleteTag', 200, res.body.toString());
    expect(await tagNames()).toEqual(['v1']);
    const gone = await admin('GET', '/v2/proj/app/manifests/stable');
    expect(gone.status).toBe(404);
    expect(gone.errorCode()).toBe('MANIFEST_UNKNOWN');
    const entries = await auditEntries(server.dataDir, {
      resource_type: 'tag',
      operation: 'delete',
      resource: 'proj/app:stable',
    });
    expect(entries[0]).toMatchObject({ username: MAINT.username });
  });
});

describe('copyArtifact', () => {
  const copy = (call: Call, project: string, repo: string, from: string) =>
    send(call, 'POST', `/projects/${project}/repositories/${repo}/artifacts?from=${encodeURIComponent(from)}`);

  it('copies an image with its tags into another project; the copy pulls over /v2/', async () => {
    const res = await copy(admin, 'other', 'copied', 'proj/app:v1');
    expect(res.status).toBe(201);
    expectMatchesSwagger('CopyArtifact', 201, res.body.toString());
    expect(res.headers.get('location')).toBe('/api/v2.0/projects/other/repositories/copied/artifacts/v1');
    const manifest = await admin('GET', '/v2/other/copied/manifests/v1');
    expect(manifest.status).toBe(200);
    expect(manifest.body.equals(app.bytes)).toBe(true);
    for (const digest of allBlobs(app).keys()) {
      expect((await admin('HEAD', `/v2/other/copied/blobs/${digest}`)).status, digest).toBe(200);
    }
    const copied = parseJson(
      await send(admin, 'GET', '/projects/other/repositories/copied/artifacts/v1?with_accessory=true'),
    );
    expect(copied.accessories).toEqual([expect.objectContaining({ digest: signature.digest })]);
  });

  it('copies an index with its children, by digest', async () => {
    const res = await copy(developer, 'proj', 'mirror', `proj/app@${multi.digest}`);
    expect(res.status).toBe(201);
    const list = parseJson<Json[]>(await send(guest, 'GET', artifactsOf('mirror', '?page_size=10')));
    expect(list.map((a) => a.digest)).toEqual([multi.digest]);
    for (const child of [amd64.digest, arm64.digest]) {
      expect((await send(guest, 'GET', `${artifactsOf('mirror')}/${child}`)).status, child).toBe(200);
    }
    expect(list.find((a) => a.digest === multi.digest)?.tags).toEqual([expect.objectContaining({ name: 'multi' })]);
  });

  it('needs push on the target and pull on the source', async () => {
    expect((await copy(guest, 'proj', 'mirror2', 'proj/app:v1')).status).toBe(403);
    expect((await copy(developer, 'proj', 'mirror2', 'other/secret:s1')).status).toBe(403);
    expect((await copy(developer, 'other', 'mine', 'proj/app:v1')).status).toBe(403);
    expect((await copy(anonymous, 'pub', 'x', 'pub/hello:latest')).status).toBe(401);
    expect((await send(guest, 'GET', artifactsOf('mirror2'))).status).toBe(404);
    const missing = await copy(developer, 'proj', 'mirror2', 'proj/app:nope');
    expect(missing.status).toBe(404);
    expectMatchesSwagger('CopyArtifact', 404, parseJson(missing));
    for (const from of ['app:v1', 'proj/app', 'proj/app@sha256:123', 'proj/App:v1']) {
      const bad = await copy(developer, 'proj', 'mirror2', from);
      expect(bad.status, from).toBe(400);
    }
    const signatureCopy = await copy(developer, 'proj', 'mirror2', `proj/app@${signature.digest}`);
    expect(signatureCopy.status).toBe(403);
  });
});

describe('deleteArtifact', () => {
  it('guests and developers may not; a maintainer removes the artifact, its tags and accessories', async () => {
    const target = buildImage({ layers: [randomBlobLayer(120, 'victim')] });
    const sig = buildArtifact({
      artifactType: 'application/vnd.cncf.notary.signature',
      files: [{ mediaType: 'application/jose+json', data: '{}' }],
      subject: target,
    });
    await pushBuilt(admin, 'proj/victim', target, 'one');
    await pushBuilt(admin, 'proj/victim', sig);
    const tag2 = await send(developer, 'POST', '/projects/proj/repositories/victim/artifacts/one/tags', {
      name: 'two',
    });
    expect(tag2.status).toBe(201);

    for (const call of [guest, developer]) {
      const res = await send(call, 'DELETE', '/projects/proj/repositories/victim/artifacts/one');
      expect(res.status).toBe(403);
      expectMatchesSwagger('deleteArtifact', 403, parseJson(res));
    }
    expect((await admin('GET', '/v2/proj/victim/manifests/one')).status).toBe(200);

    const res = await send(maintainer, 'DELETE', '/projects/proj/repositories/victim/artifacts/one');
    expect(res.status).toBe(200);
    expectMatchesSwagger('deleteArtifact', 200, res.body.toString());
    for (const ref of [target.digest, 'one', 'two', sig.digest]) {
      const pulled = await admin('GET', `/v2/proj/victim/manifests/${ref}`);
      expect(pulled.status, ref).toBe(404);
      expect(pulled.errorCode()).toBe('MANIFEST_UNKNOWN');
    }
    expect((await send(admin, 'GET', '/projects/proj/repositories/victim/artifacts/one')).status).toBe(404);
    const again = await send(maintainer, 'DELETE', `/projects/proj/repositories/victim/artifacts/${target.digest}`);
    expect(again.status).toBe(404);
    expectMatchesSwagger('deleteArtifact', 404, parseJson(again));
    const entries = await auditEntries(server.dataDir, { resource_type: 'artifact', operation: 'delete' });
    expect(entries.map((e) => e.resource)).toContain(`proj/victim@${target.digest}`);
  });

  it('an index child cannot be deleted alone; deleting the index removes its untagged children', async () => {
    const child = await send(maintainer, 'DELETE', `/projects/proj/repositories/mirror/artifacts/${amd64.digest}`);
    expect(child.status).toBe(412);
    expectHarborErrors(parseJson(child));
    expect((await admin('HEAD', `/v2/proj/mirror/manifests/${amd64.digest}`)).status).toBe(200);

    const res = await send(maintainer, 'DELETE', '/projects/proj/repositories/mirror/artifacts/multi');
    expect(res.status).toBe(200);
    for (const digest of [multi.digest, amd64.digest, arm64.digest]) {
      expect((await admin('HEAD', `/v2/proj/mirror/manifests/${digest}`)).status, digest).toBe(404);
    }
    // The source repository is untouched.
    expect((await admin('HEAD', `/v2/proj/app/manifests/${amd64.digest}`)).status).toBe(200);
  });
});
