import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_HEADERS } from '../helpers/berth.js';
import { OciClient } from '../helpers/oci-client.js';
import { startReferenceRegistry, type ReferenceRegistry } from '../helpers/reference-registry.js';
import { bearerReader, eventually, replicationApi } from '../helpers/replication.js';
import { startTokenServer, type TokenServer } from '../helpers/token-server.js';
import { makeTempDir, removeTempDir } from '../helpers/tmp.js';
import { buildArtifact, randomImage } from '../fixtures/image-builder.js';
import { startTestServer } from '../integration/oci-client.js';

/**
 * Push replication from Berth to the reference registry (CNCF distribution from Debian) behind the
 * Docker token flow: event-based copies of new pushes, filters, deletion sync, referrers, the
 * bandwidth limit, a stop mid-blob, and a destination that goes away mid-blob and comes back.
 * The destination is read with the test's own token client, not Berth's.
 */

const PEER_USER = { username: 'peer', password: 'Peer-Pass-1' };
const KiB = 1024;
const MiB = 1024 * KiB;

let berth: Awaited<ReturnType<typeof startTestServer>>;
let tokens: TokenServer;
let peer: ReferenceRegistry;
let api: ReturnType<typeof replicationApi>;
let source: OciClient;
let dest: ReturnType<typeof bearerReader>;
let registryId: number;
/** The peer's storage, owned here so that a restart of the peer keeps it. */
let peerData: string;

async function startPeer(port?: number) {
  return startReferenceRegistry({
    tokenAuth: { server: tokens },
    logLevel: 'warn',
    dataDir: peerData,
    ...(port ? { port } : {}),
  });
}

beforeAll(async () => {
  tokens = await startTokenServer({ users: { [PEER_USER.username]: PEER_USER.password } });
  peerData = await makeTempDir('replication-peer');
  peer = await startPeer();
  // Small chunks, so a blob of a few MiB crosses several resumable requests.
  berth = await startTestServer({ replication: { chunkBytes: MiB, idleTimeoutMs: 20_000 } });
  api = replicationApi(berth.url);
  source = new OciClient(berth.url, ADMIN_HEADERS);
  dest = bearerReader(peer.url, PEER_USER);
  registryId = await api.createRegistry({
    name: 'reference',
    type: 'docker-registry',
    url: peer.url,
    credential: { type: 'basic', access_key: PEER_USER.username, access_secret: PEER_USER.password },
  });
}, 60_000);

afterAll(async () => {
  await berth?.stop();
  await peer?.stop();
  await tokens?.stop();
  if (peerData) await removeTempDir(peerData);
});

const pushPolicy = (name: string, extra: Record<string, unknown>) => ({
  name,
  src_registry: null,
  dest_registry: { id: registryId },
  dest_namespace: '',
  dest_namespace_replace_count: -1,
  trigger: { type: 'manual', trigger_settings: { cron: '' } },
  filters: [],
  enabled: true,
  override: true,
  replicate_deletion: false,
  speed: 0,
  ...extra,
});

describe('push replication to the reference registry (token auth)', () => {
  it('tests the connection through the token flow, and refuses a wrong password', async () => {
    const ok = await api.call('POST', '/registries/ping', { id: registryId });
    expect(ok.status).toBe(200);
    await expect(
      api.call('POST', '/registries/ping', {
        type: 'docker-registry',
        url: peer.url,
        credential_type: 'basic',
        access_key: PEER_USER.username,
        access_secret: 'wrong',
      }),
    ).rejects.toMatchObject({ status: 400 });
    // The distribution token server was asked for a token by the right user.
    expect(tokens.requests.some((r) => r.user === PEER_USER.username)).toBe(true);
  });

  it('copies a new push within seconds (event-based), honours the filters, and syncs deletions', async () => {
    const policyId = await api.createPolicy(
      pushPolicy('on-push', {
        trigger: { type: 'event_based', trigger_settings: { cron: '' } },
        filters: [
          { type: 'name', value: 'events/**' },
          { type: 'tag', value: '*-tmp', decoration: 'excludes' },
        ],
        replicate_deletion: true,
      }),
    );
    const first = randomImage({ seed: 'event-1', layerSizes: [40 * KiB, 3 * KiB] });
    const pushedAt = Date.now();
    await source.pushImage('events/app', first, '1.0');
    const copied = await eventually(async () => dest.manifestDigest('events/app', '1.0'), 'events/app:1.0 at the peer');
    const seconds = (Date.now() - pushedAt) / 1000;
    console.log(
      `event-based replication: events/app:1.0 at the reference registry ${seconds.toFixed(2)} s after the push`,
    );
    expect(copied).toBe(first.digest);
    for (const layer of JSON.parse(first.bytes.toString()).layers as Array<{ digest: string; size: number }>) {
      const bytes = await dest.blob('events/app', layer.digest);
      expect(bytes?.length).toBe(layer.size);
    }

    // Excluded by the tag filter, and outside the name filter: neither starts a run.
    const runsBefore = (await api.executions(policyId)).length;
    await source.pushImage('events/app', randomImage({ seed: 'event-tmp', layerSizes: [1 * KiB] }), '1.1-tmp');
    await source.pushImage('elsewhere/app', randomImage({ seed: 'event-other', layerSizes: [1 * KiB] }), '1.0');
    const second = randomImage({ seed: 'event-2', layerSizes: [2 * KiB] });
    await source.pushImage('events/app', second, '2.0');
    expect(await eventually(async () => dest.manifestDigest('events/app', '2.0'), 'events/app:2.0')).toBe(
      second.digest,
    );
    const runs = await api.executions(policyId);
    expect(runs.length).toBe(runsBefore + 1);
    expect(runs.every((r) => r.trigger === 'event_based')).toBe(true);
    expect(await dest.manifestDigest('events/app', '1.1-tmp')).toBeUndefined();
    expect(await dest.manifestDigest('elsewhere/app', '1.0')).toBeUndefined();

    // Deleting the artifact in Berth deletes it at the peer.
    const del = await source.request('DELETE', `/v2/events/app/manifests/${second.digest}`);
    expect(del.status).toBe(202);
    await eventually(
      async () => ((await dest.manifestDigest('events/app', second.digest)) === undefined ? true : undefined),
      'the deletion at the peer',
    );
    expect(await dest.manifestDigest('events/app', '1.0')).toBe(first.digest);
  }, 60_000);

  it('copies referrers (a signature) with their subject on a manual run', async () => {
    const image = randomImage({ seed: 'signed', layerSizes: [4 * KiB] });
    await source.pushImage('signed/app', image, 'v1');
    const signature = buildArtifact({
      artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
      files: [{ mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', data: '{"critical":{}}' }],
      subject: image,
    });
    await source.pushImage('signed/app', signature);
    const policyId = await api.createPolicy(pushPolicy('signed', { filters: [{ type: 'name', value: 'signed/**' }] }));
    const run = await api.waitFor(await api.start(policyId));
    expect(run.status, await api.logs(Number(run.id))).toBe('Succeed');
    expect(await dest.manifestDigest('signed/app', 'v1')).toBe(image.digest);
    // distribution 2.8 has no referrers API: the signature is there by digest, and listed in the
    // subject's `sha256-<hex>` tag index where cosign and notation look for it.
    expect(await dest.manifestDigest('signed/app', signature.digest)).toBe(signature.digest);
    const fallback = await dest.manifest('signed/app', image.digest.replace(':', '-'));
    const listed = (
      JSON.parse(fallback?.toString() ?? '{}') as { manifests?: Array<{ digest: string; artifactType?: string }> }
    ).manifests;
    expect(listed).toEqual([
      expect.objectContaining({
        digest: signature.digest,
        artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
      }),
    ]);
  }, 60_000);

  it('keeps to the bandwidth limit over the byte stream', async () => {
    const size = 3 * MiB;
    await source.pushImage('paced/app', randomImage({ seed: 'paced', layerSizes: [size] }), '1');
    const limitKBps = 1024;
    const policyId = await api.createPolicy(
      pushPolicy('paced', { filters: [{ type: 'name', value: 'paced/**' }], speed: limitKBps }),
    );
    const started = Date.now();
    const run = await api.waitFor(await api.start(policyId));
    const seconds = (Date.now() - started) / 1000;
    expect(run.status, await api.logs(Number(run.id))).toBe('Succeed');
    const rate = size / KiB / seconds;
    console.log(
      `bandwidth limit ${limitKBps} KB/s: ${(size / MiB).toFixed(1)} MiB in ${seconds.toFixed(2)} s = ${rate.toFixed(0)} KB/s`,
    );
    // A lower bound on time only: a slow machine cannot make this fail, a missing limit does (a
    // bucket may start full with one second's worth, hence the allowance).
    expect(rate).toBeLessThanOrEqual(limitKBps * 1.5);
  }, 60_000);

  it('stops mid-blob within about a second and leaves no manifest at the peer', async () => {
    await source.pushImage('stopped/app', randomImage({ seed: 'stopped', layerSizes: [8 * MiB] }), '1');
    const policyId = await api.createPolicy(
      pushPolicy('stopped', { filters: [{ type: 'name', value: 'stopped/**' }], speed: 256 }),
    );
    const executionId = await api.start(policyId);
    await eventually(async () => {
      const tasks = await api.tasks(executionId);
      return tasks.some((t) => t.operation === 'copy' && Number(t.bytes_done) > 0) ? true : undefined;
    }, 'bytes moving');
    const stopAt = Date.now();
    await api.stop(executionId);
    const run = await api.waitFor(executionId);
    console.log(`stop mid-blob: execution Stopped ${Date.now() - stopAt} ms after the request`);
    expect(run.status).toBe('Stopped');
    const tasks = await api.tasks(executionId);
    expect(tasks.filter((t) => t.operation === 'copy').every((t) => t.status === 'Stopped')).toBe(true);
    expect(await dest.manifestDigest('stopped/app', '1')).toBeUndefined();
  }, 60_000);

  it('resumes where the peer stood when it goes away mid-blob and comes back', async () => {
    const size = 6 * MiB;
    const image = randomImage({ seed: 'comeback', layerSizes: [size] });
    await source.pushImage('comeback/app', image, '1');
    const policyId = await api.createPolicy(
      pushPolicy('comeback', { filters: [{ type: 'name', value: 'comeback/**' }], speed: 1024, copy_by_chunk: true }),
    );
    const executionId = await api.start(policyId);
    await eventually(
      async () => {
        const tasks = await api.tasks(executionId);
        return tasks.some((t) => Number(t.bytes_done) >= 2 * MiB) ? true : undefined;
      },
      'two chunks at the peer',
      30_000,
    );
    const { port } = peer;
    await peer.stop();
    await new Promise((r) => setTimeout(r, 1500));
    peer = await startPeer(port);
    const run = await api.waitFor(executionId, undefined, 90_000);
    const logs = await api.logs(executionId);
    expect(run.status, logs).toBe('Succeed');
    expect(await dest.manifestDigest('comeback/app', '1')).toBe(image.digest);
    const layer = (JSON.parse(image.bytes.toString()) as { layers: Array<{ digest: string }> }).layers[0]!;
    expect((await dest.blob('comeback/app', layer.digest))?.length).toBe(size);
    // The retry went on from an offset the peer reported, not from zero.
    expect(logs).toMatch(/resuming at byte [1-9]\d* of /);
    console.log(`peer restarted mid-blob: ${/resuming at byte.*/.exec(logs)?.[0] ?? ''}`);
  }, 120_000);
});
