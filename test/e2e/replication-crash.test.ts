import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomImage, type BuiltManifest } from '../fixtures/image-builder.js';
import { ADMIN_HEADERS, e2eTarget } from '../helpers/berth.js';
import { startBerthProcess, type BerthProcess } from '../helpers/berth-process.js';
import { freePort } from '../helpers/net.js';
import { OciClient } from '../helpers/oci-client.js';
import { startReferenceRegistry, type ReferenceRegistry } from '../helpers/reference-registry.js';
import { bearerReader, eventually, replicationApi, type Json } from '../helpers/replication.js';
import { TempDirs } from '../helpers/tmp.js';

// A `kill -9` of `berth serve` in the middle of a push replication loses nothing: after a restart on
// the same data dir and port the process returns its own leases, the interrupted copy tasks run again
// and the execution ends Succeed with every image at the destination, byte for byte. The endpoint's
// sealed credentials still open (the key file is reused), and API writes acknowledged just before
// the kill are still there.

const PEER_USER = { username: 'mirror', password: 'Mirror-Pass-1' };
const MiB = 1024 * 1024;
const IMAGES = 5;
const LAYER_BYTES = 2 * MiB;
/** Slow enough that the kill lands mid-blob, fast enough for the file to stay short. */
const SPEED_KBPS = 1536;

const tmp = new TempDirs();
let dataDir: string;
let port: number;
let server: BerthProcess | undefined;
let peer: ReferenceRegistry;
const images: BuiltManifest[] = [];

const api = () => replicationApi(server!.url);
const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Berth's own job listing (`/executions`, `/executions/{id}/tasks`): it includes the enumeration task. */
async function jobs<T = Json[]>(path: string): Promise<T> {
  const res = await fetch(`${server!.url}/api/v2.0${path}`, { headers: ADMIN_HEADERS });
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}

describe.skipIf(e2eTarget() !== 'berth')('kill -9 in the middle of a replication', () => {
  beforeAll(async () => {
    dataDir = await tmp.make('replication-crash');
    port = await freePort();
    [server, peer] = await Promise.all([
      startBerthProcess({ dataDir, port }),
      startReferenceRegistry({ tokenAuth: { users: { [PEER_USER.username]: PEER_USER.password } } }),
    ]);
    const source = new OciClient(server.url, ADMIN_HEADERS);
    for (let i = 0; i < IMAGES; i++) {
      const image = randomImage({ seed: `replication-crash/${i}`, layerSizes: [LAYER_BYTES, 2048] });
      await source.pushImage(`crash/app${i}`, image, '1.0');
      images.push(image);
    }
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await peer?.stop();
    await tmp.cleanup();
  });

  it('re-runs the interrupted copies after a restart and ends Succeed with every image copied', async () => {
    const registryId = await api().createRegistry({
      name: 'mirror',
      type: 'docker-registry',
      url: peer.url,
      credential: { type: 'basic', access_key: PEER_USER.username, access_secret: PEER_USER.password },
    });
    const keyBefore = await readFile(join(dataDir, 'secret.key'));
    const policyId = await api().createPolicy({
      name: 'crash-push',
      src_registry: null,
      dest_registry: { id: registryId },
      dest_namespace: '',
      dest_namespace_replace_count: -1,
      trigger: { type: 'manual', trigger_settings: { cron: '' } },
      filters: [{ type: 'name', value: 'crash/**' }],
      enabled: true,
      override: true,
      replicate_deletion: false,
      speed: SPEED_KBPS,
      // One image at a time: some are done, one is mid-blob, the rest not started when the kill comes.
      concurrency: 1,
    });
    const executionId = await api().start(policyId);

    const midBlob = await eventually(
      async () => {
        const tasks = await api().tasks(executionId);
        const done = tasks.filter((t) => t.status === 'Succeed').length;
        const moving = tasks.find(
          (t) =>
            t.status === 'InProgress' &&
            Number(t.bytes_done) > 64 * 1024 && // beyond the small blobs: the big layer is flowing
            Number(t.bytes_done) < Number(t.bytes_total),
        );
        return done >= 2 && moving ? moving : undefined;
      },
      'two images copied and a third mid-blob',
      30_000,
    );
    // An API write acknowledged the moment before the kill.
    const lateId = await api().createPolicy({
      name: 'made-before-kill',
      src_registry: null,
      dest_registry: { id: registryId },
      trigger: { type: 'manual', trigger_settings: { cron: '' } },
      filters: [{ type: 'name', value: 'late/**' }],
      enabled: true,
    });
    await server!.kill9();
    console.log(
      `kill -9 with ${String(midBlob.src_resource)} at byte ${String(midBlob.bytes_done)} of ${String(midBlob.bytes_total)}`,
    );
    // Nothing finished the copy behind the test's back: the image being copied is not there yet.
    const dest = bearerReader(peer.url, PEER_USER);
    expect(await dest.manifestDigest(String(midBlob.src_resource).split(':')[0]!, '1.0')).toBeUndefined();

    server = await startBerthProcess({ dataDir, port });
    // The same sealing key, not a new one that would leave the stored secret unreadable.
    expect((await readFile(join(dataDir, 'secret.key'))).equals(keyBefore)).toBe(true);

    const run = await api().waitFor(executionId, undefined, 35_000);
    const logs = await api().logs(executionId);
    expect(run.status, logs).toBe('Succeed');
    expect(run).toMatchObject({ total: IMAGES, succeed: IMAGES, failed: 0, in_progress: 0, stopped: 0 });

    // The interrupted task ran again after the restart (its lease came back with the process).
    const rerun = await jobs<Json>(`/tasks/${String(midBlob.id)}`);
    expect(rerun).toMatchObject({ status: 'Success' });
    expect(Number(rerun.attempts)).toBeGreaterThanOrEqual(2);

    const all = await jobs(`/executions/${executionId}/tasks?page_size=100`);
    console.log(
      `after the restart: ${all.map((t) => `${String(t.job_type)}#${String(t.id)}×${String(t.attempts)}`).join(' ')}`,
    );

    for (let i = 0; i < IMAGES; i++) {
      const image = images[i]!;
      expect(await dest.manifestDigest(`crash/app${i}`, '1.0'), `crash/app${i}`).toBe(image.digest);
      for (const [digest, bytes] of image.blobs) {
        const copied = await dest.blob(`crash/app${i}`, digest);
        expect(copied?.length).toBe(bytes.length);
        expect(sha256(copied!)).toBe(digest);
      }
    }

    // Nothing is left Pending or Running, the enumeration task included.
    const executions = await jobs('/executions?page_size=100');
    expect(executions.map((e) => e.status)).not.toContain('Pending');
    expect(executions.map((e) => e.status)).not.toContain('Running');
    for (const e of executions) {
      const tasks = await jobs(`/executions/${String(e.id)}/tasks?page_size=100`);
      for (const t of tasks) expect(['Success', 'Error', 'Stopped'], JSON.stringify(t)).toContain(t.status);
    }
    for (const t of await api().tasks(executionId)) expect(t.status).toBe('Succeed');

    // The endpoint's stored credentials still open and still work at the peer.
    expect((await api().call('POST', '/registries/ping', { id: registryId })).status).toBe(200);
    const registries = (await api().call('GET', '/registries')).json as Json[];
    expect(registries.map((r) => r.name)).toEqual(['mirror']);
    const policies = (await api().call('GET', '/replication/policies?page_size=100')).json as Json[];
    expect(policies.map((p) => [p.id, p.name]).sort()).toEqual(
      [
        [policyId, 'crash-push'],
        [lateId, 'made-before-kill'],
      ].sort(),
    );
  }, 90_000);
});
