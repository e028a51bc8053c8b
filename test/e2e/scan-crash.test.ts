import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { buildImage, buildLayer, manifestsInPushOrder, type BuiltManifest } from '../fixtures/image-builder.js';
import { buildDebianImages } from '../fixtures/scan/debian-image.js';
import { EXPECTED_COUNTS, EXPECTED_OLDER } from '../fixtures/scan/debian/expected.js';
import { ADMIN_HEADERS, e2eTarget } from '../helpers/berth.js';
import { REPO_ROOT, startBerthProcess, type BerthProcess } from '../helpers/berth-process.js';
import { freePort } from '../helpers/net.js';
import { TempDirs } from '../helpers/tmp.js';
import { client, pushBlob } from '../integration/oci-client.js';

// A `kill -9` of `berth serve` in the middle of a scan loses nothing and leaves nothing stuck: after
// the restart the interrupted scan runs again (the process returns its own leases at once), its
// report is exactly what an uninterrupted scan reports, and no scan report, execution or task is left
// Pending or Running.

type Json = Record<string, unknown>;
const REPORT_MIME = 'application/vnd.security.vulnerability.report; version=1.1';
const TRACKER = fileURLToPath(new URL('../fixtures/advisories/debian-bookworm-from-changelogs.json', import.meta.url));
/** Installed npm packages no advisory names: they make the scan take long enough to be interrupted. */
const PADDING_PACKAGES = 20_000;

const tmp = new TempDirs();
let server: BerthProcess | undefined;

afterAll(async () => {
  await server?.stop();
  await tmp.cleanup();
});

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${server!.url}/api/v2.0${path}`, {
    method,
    headers: { ...ADMIN_HEADERS, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text.startsWith('{') || text.startsWith('[') ? (JSON.parse(text) as Json) : {} };
}

function vulndbImport(dataDir: string): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [join(REPO_ROOT, 'bin/berth.js'), 'vulndb', 'import', TRACKER, '--data-dir', dataDir],
      {
        stdio: 'ignore',
      },
    );
    child.on('exit', (code) => resolve(code));
  });
}

async function push(name: string, tag: string, root: BuiltManifest): Promise<void> {
  const call = client(() => server!.url);
  for (const m of manifestsInPushOrder(root)) {
    for (const [digest, bytes] of m.blobs) await pushBlob(call, name, { bytes, digest });
    const res = await call('PUT', `/v2/${name}/manifests/${m === root ? tag : m.digest}`, {
      body: m.bytes,
      headers: { 'content-type': m.mediaType },
    });
    expect(res.status).toBe(201);
  }
}

async function overview(path: string): Promise<Json | undefined> {
  const res = await api('GET', `${path}?with_scan_overview=true`);
  return (res.json.scan_overview as Record<string, Json> | undefined)?.[REPORT_MIME];
}

describe.skipIf(e2eTarget() !== 'berth')('kill -9 in the middle of a scan', () => {
  it('the scan runs again after the restart with the exact report; nothing is left Pending or Running', async () => {
    const dataDir = await tmp.make('berth-scan-crash');
    const port = await freePort();
    server = await startBerthProcess({ dataDir, port });
    expect(await vulndbImport(dataDir)).toBe(0);
    expect((await api('POST', '/projects', { project_name: 'crash', public: false })).status).toBe(201);

    const padding = buildLayer(
      Array.from({ length: PADDING_PACKAGES }, (_, i) => ({
        path: `srv/app/node_modules/berth-padding-${i}/package.json`,
        data: JSON.stringify({ name: `berth-padding-${i}`, version: '1.0.0', description: 'x'.repeat(200) }),
      })),
    );
    const image = buildImage({ layers: [buildDebianImages().olderLayer, padding] });
    await push('crash/app', 'v1', image);
    const artifact = `/projects/crash/repositories/app/artifacts/${image.digest}`;

    expect((await api('POST', `${artifact}/scan`)).status).toBe(202);
    let seen: unknown;
    for (let i = 0; i < 3000; i++) {
      seen = (await overview(artifact))?.scan_status;
      if (seen === 'Running' || seen === 'Success' || seen === 'Error') break;
      await sleep(10);
    }
    // The scan must be caught running, or this test would not test a crash.
    expect(seen).toBe('Running');
    await server.kill9();

    server = await startBerthProcess({ dataDir, port });
    let finished: Json | undefined;
    for (let i = 0; i < 600 && !finished; i++) {
      const o = await overview(artifact);
      if (o && ['Success', 'Error', 'Stopped'].includes(String(o.scan_status))) finished = o;
      else await sleep(100);
    }
    expect(finished?.scan_status).toBe('Success');
    expect(finished?.summary).toMatchObject({ total: EXPECTED_OLDER.length, fixable: EXPECTED_COUNTS.older.fixable });

    const report = (await api('GET', `${artifact}/additions/vulnerabilities`)).json[REPORT_MIME] as {
      vulnerabilities: Array<{ package: string; version: string; id: string; fix_version: string }>;
    };
    expect(report.vulnerabilities.map((v) => `${v.package} ${v.version} ${v.id} ${v.fix_version}`).sort()).toEqual(
      EXPECTED_OLDER.map((f) => `${f.package} ${f.version} ${f.id} ${f.fixVersion ?? ''}`).sort(),
    );

    // The interrupted run is not left hanging: every scan execution ended.
    const executions = await fetch(
      `${server.url}/api/v2.0/executions?q=${encodeURIComponent('vendor_type=IMAGE_SCAN')}&page_size=100`,
      { headers: ADMIN_HEADERS },
    );
    const runs = (await executions.json()) as Array<{ id: number; status: string }>;
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.filter((r) => r.status === 'Pending' || r.status === 'Running')).toEqual([]);
    const tasks = (await (
      await fetch(`${server.url}/api/v2.0/executions/${runs[0]!.id}/tasks`, { headers: ADMIN_HEADERS })
    ).json()) as Array<{ status: string }>;
    expect(tasks.map((t) => t.status)).toEqual(['Success']);
  }, 300_000);
});
