import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_HEADERS, TEST_ADMIN } from '../helpers/berth.js';
import { OciClient } from '../helpers/oci-client.js';
import { eventually, replicationApi, type Json } from '../helpers/replication.js';
import { buildArtifact, buildIndex, randomImage } from '../fixtures/image-builder.js';
import { startTestServer } from '../integration/oci-client.js';

/**
 * Replication between two Berths through the `harbor` adapter (Harbor's `/api/v2.0` to list, `/v2/`
 * to copy): a pull policy mirrors a project (flattened into another namespace, with an index and
 * referrers), a label filter, and an event-based push policy that creates the project it needs.
 */

const KiB = 1024;

let origin: Awaited<ReturnType<typeof startTestServer>>;
let mirror: Awaited<ReturnType<typeof startTestServer>>;
let originRegistry: OciClient;
let mirrorRegistry: OciClient;
let originApi: ReturnType<typeof replicationApi>;
let mirrorApi: ReturnType<typeof replicationApi>;

async function api(base: string, method: string, path: string, body?: unknown): Promise<Json | Json[]> {
  const res = await fetch(`${base}/api/v2.0${path}`, {
    method,
    headers: { ...ADMIN_HEADERS, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? (JSON.parse(text) as Json) : {};
}

const referrerDigests = async (client: OciClient, repo: string, digest: string): Promise<string[]> => {
  const res = await client.referrers(repo, digest);
  if (res.status !== 200) return [];
  return (JSON.parse(res.body.toString()) as { manifests: Array<{ digest: string }> }).manifests
    .map((m) => m.digest)
    .sort();
};

const digestAt = async (client: OciClient, repo: string, ref: string) => {
  const res = await client.headManifest(repo, ref);
  return res.status === 200 ? (res.headers.get('docker-content-digest') ?? undefined) : undefined;
};

beforeAll(async () => {
  [origin, mirror] = await Promise.all([startTestServer(), startTestServer()]);
  originRegistry = new OciClient(origin.url, ADMIN_HEADERS);
  mirrorRegistry = new OciClient(mirror.url, ADMIN_HEADERS);
  originApi = replicationApi(origin.url);
  mirrorApi = replicationApi(mirror.url);
}, 60_000);

afterAll(async () => {
  await origin?.stop();
  await mirror?.stop();
});

describe('replication between two Berths (harbor adapter)', () => {
  it('a pull policy mirrors a project into a flattened namespace, with an index and referrers', async () => {
    await api(origin.url, 'POST', '/projects', { project_name: 'team', metadata: { public: 'false' } });
    const app = randomImage({ seed: 'team-app', layerSizes: [20 * KiB, 5 * KiB] });
    await originRegistry.pushImage('team/app', app, '1.0');
    await originRegistry.putManifest('team/app', '1.0-alias', app.bytes, app.mediaType);
    const sbom = buildArtifact({
      artifactType: 'application/vnd.cyclonedx+json',
      files: [{ mediaType: 'application/vnd.cyclonedx+json', data: '{"bomFormat":"CycloneDX"}' }],
      subject: app,
    });
    await originRegistry.pushImage('team/app', sbom);
    const amd = randomImage({ seed: 'team-multi-amd64', layerSizes: [3 * KiB] });
    const arm = randomImage({ seed: 'team-multi-arm64', layerSizes: [3 * KiB] });
    const index = buildIndex([amd, arm]);
    await originRegistry.pushImage('team/tools/multi', index, 'latest');
    const other = randomImage({ seed: 'other', layerSizes: [KiB] });
    await originRegistry.pushImage('elsewhere/app', other, '1.0');

    const registryId = await mirrorApi.createRegistry({
      name: 'origin',
      type: 'harbor',
      url: origin.url,
      credential: { type: 'basic', access_key: TEST_ADMIN.username, access_secret: TEST_ADMIN.password },
    });
    expect((await mirrorApi.call('POST', '/registries/ping', { id: registryId })).status).toBe(200);
    const policyId = await mirrorApi.createPolicy({
      name: 'mirror-team',
      src_registry: { id: registryId },
      dest_registry: null,
      dest_namespace: 'mirror',
      dest_namespace_replace_count: 1,
      trigger: { type: 'manual', trigger_settings: { cron: '' } },
      filters: [{ type: 'name', value: 'team/**' }],
      enabled: true,
      override: true,
      replicate_deletion: false,
      speed: 0,
    });

    const run = await mirrorApi.waitFor(await mirrorApi.start(policyId));
    expect(run.status, await mirrorApi.logs(Number(run.id))).toBe('Succeed');
    expect(await digestAt(mirrorRegistry, 'mirror/app', '1.0')).toBe(app.digest);
    expect(await digestAt(mirrorRegistry, 'mirror/app', '1.0-alias')).toBe(app.digest);
    expect(await digestAt(mirrorRegistry, 'mirror/tools/multi', 'latest')).toBe(index.digest);
    expect(await digestAt(mirrorRegistry, 'mirror/tools/multi', arm.digest)).toBe(arm.digest);
    expect(await referrerDigests(mirrorRegistry, 'mirror/app', app.digest)).toEqual([sbom.digest]);
    expect(await digestAt(mirrorRegistry, 'mirror/app', other.digest)).toBeUndefined();
    // The project the policy needed was created, private.
    const project = (await api(mirror.url, 'GET', '/projects/mirror')) as Json;
    expect((project.metadata as Json).public).toBe('false');

    // A second run finds everything in place and copies nothing again.
    const again = await mirrorApi.waitFor(await mirrorApi.start(policyId));
    expect(again.status).toBe('Succeed');
    const logs = await mirrorApi.logs(Number(again.id));
    expect(logs).not.toMatch(/pushed/i);
  }, 90_000);

  it('a label filter copies only the labelled artifact', async () => {
    const prod = randomImage({ seed: 'labelled-prod', layerSizes: [2 * KiB] });
    const dev = randomImage({ seed: 'labelled-dev', layerSizes: [2 * KiB] });
    await originRegistry.pushImage('labelled/app', prod, 'prod');
    await originRegistry.pushImage('labelled/app', dev, 'dev');
    const labelRes = await fetch(`${origin.url}/api/v2.0/labels`, {
      method: 'POST',
      headers: { ...ADMIN_HEADERS, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'release', scope: 'g' }),
    });
    expect(labelRes.status).toBe(201);
    const labelId = Number(labelRes.headers.get('location')?.split('/').pop());
    await api(origin.url, 'POST', `/projects/labelled/repositories/app/artifacts/prod/labels`, { id: labelId });

    const registryId = await mirrorApi.createRegistry({
      name: 'origin-labels',
      type: 'harbor',
      url: origin.url,
      credential: { type: 'basic', access_key: TEST_ADMIN.username, access_secret: TEST_ADMIN.password },
    });
    const policyId = await mirrorApi.createPolicy({
      name: 'released-only',
      src_registry: { id: registryId },
      dest_registry: null,
      dest_namespace: '',
      trigger: { type: 'manual' },
      filters: [
        { type: 'name', value: 'labelled/**' },
        { type: 'label', value: ['release'], decoration: 'matches' },
      ],
      enabled: true,
      override: true,
    });
    const run = await mirrorApi.waitFor(await mirrorApi.start(policyId));
    expect(run.status, await mirrorApi.logs(Number(run.id))).toBe('Succeed');
    expect(await digestAt(mirrorRegistry, 'labelled/app', 'prod')).toBe(prod.digest);
    expect(await digestAt(mirrorRegistry, 'labelled/app', 'dev')).toBeUndefined();
  }, 60_000);

  it('an event-based push policy to another Berth copies a new push and creates the project', async () => {
    const registryId = await originApi.createRegistry({
      name: 'mirror',
      type: 'harbor',
      url: mirror.url,
      credential: { type: 'basic', access_key: TEST_ADMIN.username, access_secret: TEST_ADMIN.password },
    });
    await originApi.createPolicy({
      name: 'push-live',
      src_registry: null,
      dest_registry: { id: registryId },
      dest_namespace: 'live-copy',
      dest_namespace_replace_count: 1,
      trigger: { type: 'event_based' },
      filters: [{ type: 'name', value: 'live/**' }],
      enabled: true,
      override: true,
    });
    const image = randomImage({ seed: 'live', layerSizes: [8 * KiB] });
    await originRegistry.pushImage('live/app', image, 'v1');
    expect(
      await eventually(async () => digestAt(mirrorRegistry, 'live-copy/app', 'v1'), 'live-copy/app:v1 in the mirror'),
    ).toBe(image.digest);
  }, 60_000);
});
