import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDebianImages, writeDebianLayouts } from '../fixtures/scan/debian-image.js';
import {
  EXPECTED_COUNTS,
  EXPECTED_CURRENT,
  EXPECTED_OLDER,
  MUST_NOT_MATCH,
  type ExpectedFinding,
} from '../fixtures/scan/debian/expected.js';
import { ADMIN_HEADERS, e2eTarget, TEST_ADMIN } from '../helpers/berth.js';
import { REPO_ROOT, startBerthProcess, type BerthProcess } from '../helpers/berth-process.js';
import { createContainersEnv, type ContainersEnv } from '../helpers/containers-env.js';
import { freePort } from '../helpers/net.js';
import { requireCommands } from '../helpers/run.js';
import { TempDirs } from '../helpers/tmp.js';

// Issue 6, done when: "pushing an image with a known-vulnerable package into a scan-on-push project
// shows the right CVEs in the API within seconds, with no network". A real `berth serve`, advisories
// imported with `berth vulndb import` while it runs (the tracker file made from the packages' own
// changelogs), images of real Debian packages pushed by skopeo into a project with auto_scan, and the
// exact findings read back through Harbor's API. Nothing here reaches outside 127.0.0.1.

type Json = Record<string, unknown>;
const REPORT_MIME = 'application/vnd.security.vulnerability.report; version=1.1';
const TRACKER = fileURLToPath(new URL('../fixtures/advisories/debian-bookworm-from-changelogs.json', import.meta.url));
const PROJECT = 'debian-scan';
const onReference = e2eTarget() === 'reference';

const tmp = new TempDirs();
let server: BerthProcess | undefined;
let containers: ContainersEnv | undefined;
let refs: { current: string; older: string };
let dataDir: string;

async function api(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Json; text: string }> {
  const res = await fetch(`${server!.url}/api/v2.0${path}`, {
    method,
    headers: { ...ADMIN_HEADERS, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: Json = {};
  try {
    json = text ? (JSON.parse(text) as Json) : {};
  } catch {
    /* not JSON */
  }
  return { status: res.status, json, text };
}

/** `berth vulndb import FILE --data-dir DIR`, the built CLI, next to the running server. */
function vulndbImport(file: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [join(REPO_ROOT, 'bin/berth.js'), 'vulndb', 'import', file, '--data-dir', dataDir],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const artifactPath = (tag: string) => `/projects/${PROJECT}/repositories/app/artifacts/${tag}`;

/** The artifact's scan overview once its scan has ended; polls, failing after `ms`. */
async function scannedOverview(tag: string, ms = 60_000): Promise<Json> {
  const deadline = Date.now() + ms;
  for (;;) {
    const res = await api('GET', `${artifactPath(tag)}?with_scan_overview=true`);
    const overview = (res.json.scan_overview as Record<string, Json> | undefined)?.[REPORT_MIME];
    if (overview && ['Success', 'Error', 'Stopped'].includes(String(overview.scan_status))) return overview;
    if (Date.now() > deadline) throw new Error(`no finished scan of ${tag} after ${ms} ms: ${res.status} ${res.text}`);
    await sleep(200);
  }
}

const reported = (vulns: Json[]) =>
  vulns
    .map((v) => ({
      package: v.package,
      version: v.version,
      fixVersion: v.fix_version === '' ? null : v.fix_version,
      id: v.id,
      severity: v.severity,
    }))
    .sort((a, b) => `${String(a.package)} ${String(a.id)}`.localeCompare(`${String(b.package)} ${String(b.id)}`));

const expected = (findings: readonly ExpectedFinding[]) =>
  [...findings].sort((a, b) => `${a.package} ${a.id}`.localeCompare(`${b.package} ${b.id}`));

beforeAll(async () => {
  if (onReference) return;
  requireCommands({ skopeo: 'skopeo' });
  dataDir = await tmp.make('berth-scan-data');
  refs = await writeDebianLayouts(await tmp.make('debian-layouts'));
  server = await startBerthProcess({ dataDir, port: await freePort() });
  containers = await createContainersEnv({
    insecureRegistries: [new URL(server.url).host],
    credentials: { [new URL(server.url).host]: TEST_ADMIN },
  });
});

afterAll(async () => {
  await containers?.cleanup();
  await server?.stop();
  await tmp.cleanup();
});

describe.skipIf(onReference)('scan on push of images made of real Debian packages', () => {
  it('imports the tracker file with the CLI while the server runs', async () => {
    const imported = await vulndbImport(TRACKER);
    expect(imported.code, imported.stderr).toBe(0);
    const result = JSON.parse(imported.stdout) as { added: number; skipped: number };
    expect(result.skipped).toBe(0);
    expect(result.added).toBeGreaterThan(0);
  });

  it('scans both images on push and reports exactly the expected findings', async () => {
    const created = await api('POST', '/projects', { project_name: PROJECT, metadata: { auto_scan: 'true' } });
    expect(created.status, created.text).toBe(201);
    const host = new URL(server!.url).host;
    for (const [tag, ref] of [
      ['current', refs.current],
      ['older', refs.older],
    ] as const) {
      await containers!.skopeo([
        'copy',
        '-q',
        '--src-tls-verify=false',
        '--dest-tls-verify=false',
        ref,
        `docker://${host}/${PROJECT}/app:${tag}`,
      ]);
    }
    const images = buildDebianImages();
    for (const [tag, digest, findings, counts, mustNot] of [
      ['current', images.current.digest, EXPECTED_CURRENT, EXPECTED_COUNTS.current, MUST_NOT_MATCH.current],
      ['older', images.older.digest, EXPECTED_OLDER, EXPECTED_COUNTS.older, MUST_NOT_MATCH.older],
    ] as const) {
      // Nobody asked for these scans: auto_scan did.
      const overview = await scannedOverview(tag);
      expect(overview.scan_status, tag).toBe('Success');
      expect(overview.severity, tag).toBe(counts.severity);
      const summary = overview.summary as { total: number; fixable: number; summary: Record<string, number> };
      expect(summary.total, tag).toBe(counts.total);
      expect(summary.fixable, tag).toBe(counts.fixable);
      const bySeverity: Record<string, number> = {};
      if (counts.high) bySeverity.High = counts.high;
      if (counts.medium) bySeverity.Medium = counts.medium;
      if (counts.low) bySeverity.Low = counts.low;
      expect(summary.summary, tag).toEqual(bySeverity);

      const additions = await api('GET', `${artifactPath(digest)}/additions/vulnerabilities`);
      expect(additions.status, additions.text).toBe(200);
      const report = additions.json[REPORT_MIME] as { vulnerabilities: Json[]; severity: string };
      expect(report.severity, tag).toBe(counts.severity);
      expect(reported(report.vulnerabilities), tag).toEqual(expected(findings));
      const ids = new Set(report.vulnerabilities.map((v) => `${String(v.package)} ${String(v.id)}`));
      for (const pair of mustNot)
        expect(ids.has(`${pair.package} ${pair.id}`), `${tag}: ${pair.id} (${pair.why})`).toBe(false);
    }

    // The listing carries both overviews in one page.
    const list = await api('GET', `/projects/${PROJECT}/repositories/app/artifacts?with_scan_overview=true`);
    expect(list.status, list.text).toBe(200);
    const totals = Object.fromEntries(
      (list.json as unknown as Json[]).map((a) => [
        a.digest,
        ((a.scan_overview as Record<string, Json>)[REPORT_MIME]!.summary as { total: number }).total,
      ]),
    );
    expect(totals).toEqual({ [images.current.digest]: 1, [images.older.digest]: 33 });
  }, 180_000);
});
