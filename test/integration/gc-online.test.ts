import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson, send, type Json } from '../helpers/harbor-api.js';
import { client, pushImage, sha256, startTestServer } from './oci-client.js';

/**
 * The "done when": a GC started through the API frees exactly the unreferenced blobs while
 * pushes go on. With the default-style window (1 h here), what was unreferenced before the GC and is
 * older than the window goes; everything the concurrent pushes upload stays, and every artifact pulls
 * intact. "Exactly" is checked on disk: afterwards the stored blobs are precisely the blobs the
 * remaining artifacts use.
 */

let server: Awaited<ReturnType<typeof startTestServer>>;
const admin = client(() => server.url);
const WINDOW_MS = 3600_000;

beforeAll(async () => {
  server = await startTestServer({ gc: { windowMs: WINDOW_MS } });
});
afterAll(async () => {
  await server?.stop();
});

type Pushed = Awaited<ReturnType<typeof pushImage>> & { name: string };

function blobsOf(image: Pushed): string[] {
  const m = JSON.parse(image.manifest.toString()) as { config: { digest: string }; layers: Array<{ digest: string }> };
  return [image.digest, m.config.digest, ...m.layers.map((l) => l.digest)];
}

async function storedDigests(): Promise<Set<string>> {
  const root = join(server.dataDir, 'storage', 'blobs', 'sha256');
  const out = new Set<string>();
  for (const fan of await readdir(root)) for (const hex of await readdir(join(root, fan))) out.add(`sha256:${hex}`);
  return out;
}

async function runGc(workers: number): Promise<Json> {
  const res = await send(admin, 'POST', '/system/gc/schedule', {
    schedule: { type: 'Manual' },
    parameters: { workers },
  });
  expect(res.status, res.body.toString()).toBe(201);
  const id = Number((res.headers.get('location') ?? '').split('/').pop());
  for (;;) {
    const run = parseJson(await send(admin, 'GET', `/system/gc/${id}`));
    if (['Success', 'Error', 'Stopped'].includes(run.job_status as string)) return run;
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('online GC while pushes go on', () => {
  it('frees exactly the blobs that were unreferenced and older than the window; concurrent pushes keep theirs', async () => {
    const kept: Pushed[] = [];
    const deleted: Pushed[] = [];
    for (let i = 0; i < 4; i++) {
      kept.push({ ...(await pushImage(admin, 'library/base', `k${i}`, { layers: 2 })), name: 'library/base' });
      deleted.push({ ...(await pushImage(admin, 'library/old', `d${i}`, { layers: 2 })), name: 'library/old' });
    }
    for (const image of deleted) {
      const res = await send(admin, 'DELETE', `/projects/library/repositories/old/artifacts/${image.digest}`);
      expect(res.status).toBe(200);
    }
    // Everything so far happened "two hours ago": older than the window, so collectable when unused.
    const old = Date.now() - 2 * WINDOW_MS;
    const db = new Database(join(server.dataDir, 'berth.db'));
    db.prepare('update blobs set created_at = ?, touched_at = ?').run(old, old);
    db.prepare('update repository_blobs set created_at = ?, seen_at = ?').run(old, old);
    db.close();
    const usedByKept = new Set(kept.flatMap(blobsOf));
    const unreferenced = new Set(deleted.flatMap(blobsOf).filter((d) => !usedByKept.has(d)));
    expect(unreferenced.size).toBe(12); // 4 × (manifest + 2 layers); the config is shared

    // Pushes run on while three GCs run one after another.
    const pushed: Pushed[] = [];
    let pushing = true;
    const pusher = async (w: number) => {
      for (let i = 0; pushing || i < 3; i++) {
        const name = `library/new${w}`;
        pushed.push({ ...(await pushImage(admin, name, `t${i}`, { layers: 2 })), name });
      }
    };
    const pushers = [0, 1, 2].map(pusher);
    const runs: Json[] = [];
    for (let i = 0; i < 3; i++) runs.push(await runGc(i + 1));
    pushing = false;
    await Promise.all(pushers);

    for (const run of runs) expect(run.job_status).toBe('Success');
    const purged = runs.map((r) => (JSON.parse(r.job_parameters as string) as Json).purged_blobs as number);
    expect(purged.reduce((a, b) => a + b, 0)).toBe(unreferenced.size);

    const remaining = [...kept, ...pushed];
    const inUse = new Set(remaining.flatMap(blobsOf));
    expect([...(await storedDigests())].sort()).toEqual([...inUse].sort());
    for (const image of remaining) {
      const manifest = await admin('GET', `/v2/${image.name}/manifests/${image.digest}`);
      expect(manifest.status).toBe(200);
      expect(manifest.body.equals(image.manifest)).toBe(true);
      for (const d of blobsOf(image).slice(1)) {
        const res = await admin('GET', `/v2/${image.name}/blobs/${d}`);
        expect(res.status, `${image.name}@${d}`).toBe(200);
        expect(sha256(res.body)).toBe(d);
      }
    }
  });
});
