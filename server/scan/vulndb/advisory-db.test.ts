import { readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPECTED_CURRENT, EXPECTED_OLDER, MUST_NOT_MATCH } from '../../../test/fixtures/scan/debian/expected.js';
import { createZip } from '../../../test/fixtures/scan/zip-builder.js';
import { TempDirs } from '../../../test/helpers/tmp.js';
import type { ImagePackage, VulnerabilityFinding } from '../scan-contract.js';
import { parseOsvRecord } from '../advisory/osv-match.js';
import { advisoryDbFile, openAdvisoryDatabase, type SqliteAdvisoryDatabase } from './advisory-db.js';
import { migrate, SCHEMA_VERSION } from './schema.js';

const OSV_DIR = new URL('../../../test/fixtures/osv/', import.meta.url).pathname;
const ADVISORIES = new URL('../../../test/fixtures/advisories/', import.meta.url).pathname;
const TRACKER_EXCERPT = join(ADVISORIES, 'debian-security-tracker-excerpt.json');
const TRACKER_BOOKWORM = join(ADVISORIES, 'debian-bookworm-from-changelogs.json');
const SECDB = join(ADVISORIES, 'alpine-secdb-v3.10-community.json');
const OSV_FILES = readdirSync(OSV_DIR).sort();

const temp = new TempDirs();
afterAll(() => temp.cleanup());

function pkg(ecosystem: string, name: string, version: string, extra: Partial<ImagePackage> = {}): ImagePackage {
  const kind = ecosystem.startsWith('Debian') ? 'dpkg' : ecosystem.startsWith('Alpine') ? 'apk' : 'npm';
  return { kind, name, version, path: `/pkgs/${name}`, ecosystem, layer: 0, ...extra };
}

/** The parts of a finding the tests compare exactly. */
const brief = (f: VulnerabilityFinding) => ({
  package: f.package,
  version: f.version,
  id: f.id,
  fixVersion: f.fixVersion,
  severity: f.severity,
});

async function freshDb(label: string): Promise<SqliteAdvisoryDatabase> {
  return openAdvisoryDatabase({ file: advisoryDbFile(await temp.make(label)) });
}

describe('OSV records', () => {
  let db: SqliteAdvisoryDatabase;
  beforeAll(async () => {
    db = await freshDb('vulndb-osv');
    const result = await db.importPath(OSV_DIR);
    expect(result).toMatchObject({ added: 22, updated: 0, unchanged: 0, removed: 0, skipped: 0, errors: [] });
  });
  afterAll(() => db.close());

  it('lodash 4.17.15 is affected by both lodash advisories, with their fixes', async () => {
    const findings = await db.match([pkg('npm', 'lodash', '4.17.15')]);
    expect(findings).toEqual([
      {
        id: 'CVE-2020-8203',
        aliases: ['GHSA-p6mc-m468-83gw'],
        package: 'lodash',
        version: '4.17.15',
        fixVersion: '4.17.20',
        severity: 'High',
        cvss: { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H', score: 7.4 },
        summary: 'Prototype Pollution in lodash',
        description: expect.stringContaining('zipObjectDeep'),
        links: expect.arrayContaining(['https://nvd.nist.gov/vuln/detail/CVE-2020-8203']),
        cweIds: ['CWE-1321', 'CWE-770'],
        ecosystem: 'npm',
        source: 'osv',
        modified: expect.any(String),
      },
      expect.objectContaining({
        id: 'CVE-2021-23337',
        aliases: ['GHSA-35jh-r3h4-6jhm'],
        fixVersion: '4.17.21',
        severity: 'High',
        cvss: { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H', score: 7.2 },
        cweIds: ['CWE-77', 'CWE-94'],
      }),
    ]);
  });

  it('lodash 4.17.20 has one left, 4.17.21 none', async () => {
    expect((await db.match([pkg('npm', 'lodash', '4.17.20')])).map(brief)).toEqual([
      { package: 'lodash', version: '4.17.20', id: 'CVE-2021-23337', fixVersion: '4.17.21', severity: 'High' },
    ]);
    expect(await db.match([pkg('npm', 'lodash', '4.17.21')])).toEqual([]);
  });

  it('matches language packages by name in their ecosystem only, PyPI names normalised', async () => {
    const findings = await db.match([
      pkg('npm', 'minimist', '1.2.5'),
      pkg('PyPI', 'gradio', '4.36.1', { kind: 'python' }),
      pkg('PyPI', 'requests', '2.30.0', { kind: 'python' }),
      pkg('npm', 'requests', '2.30.0'), // another ecosystem's name
      pkg('npm', 'body-parser', '1.20.2'),
    ]);
    expect(findings.map(brief)).toEqual([
      { package: 'body-parser', version: '1.20.2', id: 'CVE-2024-45590', fixVersion: '1.20.3', severity: 'High' },
      { package: 'gradio', version: '4.36.1', id: 'CVE-2024-39236', fixVersion: null, severity: 'Critical' },
      { package: 'minimist', version: '1.2.5', id: 'CVE-2021-44906', fixVersion: '1.2.6', severity: 'Critical' },
      { package: 'requests', version: '2.30.0', id: 'CVE-2023-32681', fixVersion: '2.31.0', severity: 'Unknown' },
    ]);
    // PYSEC's own id and its GHSA alias are kept as aliases of the CVE.
    expect(findings.find((f) => f.package === 'requests')?.aliases).toEqual(['PYSEC-2023-74', 'GHSA-j8r2-6x86-q33q']);
  });

  it('reports the same package at two versions separately and the same one once', async () => {
    const findings = await db.match([
      pkg('npm', 'lodash', '4.17.20'),
      pkg('npm', 'lodash', '4.17.20', { path: '/other/node_modules/lodash/package.json' }),
      pkg('npm', 'lodash', '4.17.19'),
    ]);
    expect(findings.map((f) => `${f.version} ${f.id}`)).toEqual([
      '4.17.19 CVE-2020-8203',
      '4.17.19 CVE-2021-23337',
      '4.17.20 CVE-2021-23337',
    ]);
  });

  it('says what it holds', async () => {
    const status = await db.status();
    expect(status.version).toBe(1);
    expect(status.records).toBe(22);
    expect(status.updatedAt).toBeInstanceOf(Date);
    expect(status.sources.map((s) => [s.name, s.records])).toEqual([
      ['osv:Alpine', 3],
      ['osv:Debian', 1],
      ['osv:Go', 6],
      ['osv:Maven', 1],
      ['osv:PyPI', 2],
      ['osv:crates.io', 1],
      ['osv:npm', 8],
    ]);
    const newest = Math.max(
      ...OSV_FILES.map((name) =>
        Date.parse((JSON.parse(readFileSync(join(OSV_DIR, name), 'utf8')) as { modified: string }).modified),
      ),
    );
    expect(status.newestRecordAt?.getTime()).toBe(newest);
  });
});

describe('Debian security tracker', () => {
  let db: SqliteAdvisoryDatabase;
  beforeAll(async () => {
    db = await freshDb('vulndb-debian');
    const excerpt = await db.importPath(TRACKER_EXCERPT);
    expect(excerpt.sources).toEqual(['debian-tracker']);
    expect(excerpt.skipped).toBe(0);
  });
  afterAll(() => db.close());

  it('bookworm and bullseye: affected below the release’s own fixed version, not at it', async () => {
    const findings = await db.match([
      pkg('Debian:12', 'chromium', '97.0.4692.99-1'),
      pkg('Debian:12', 'chromium-common', '98.0.4758.80-1', { sourceName: 'chromium' }),
      pkg('Debian:11', 'chromium', '97.0.4692.99-1~deb11u2'),
      pkg('Debian:11', 'chromium-sandbox', '98.0.4758.80-1~deb11u1', { sourceName: 'chromium' }),
    ]);
    expect(findings.map(brief)).toEqual([
      {
        package: 'chromium',
        version: '97.0.4692.99-1',
        id: 'CVE-2022-0456',
        fixVersion: '98.0.4758.80-1',
        severity: 'Unknown',
      },
      {
        package: 'chromium',
        version: '97.0.4692.99-1~deb11u2',
        id: 'CVE-2022-0456',
        fixVersion: '98.0.4758.80-1~deb11u1',
        severity: 'Unknown',
      },
    ]);
    expect(findings[0]!.links).toEqual(['https://security-tracker.debian.org/tracker/CVE-2022-0456']);
    expect(findings[0]!.source).toBe('debian-tracker');
  });

  it('an open issue in an end-of-life release is affected with no fix; a release the entry does not name is not', async () => {
    expect((await db.match([pkg('Debian:10', 'chromium', '90.0.4430.212-1~deb10u1')])).map(brief)).toEqual([
      {
        package: 'chromium',
        version: '90.0.4430.212-1~deb10u1',
        id: 'CVE-2022-0456',
        fixVersion: null,
        severity: 'Unknown',
      },
    ]);
    expect(await db.match([pkg('Debian:13', 'chromium', '90.0.4430.212-1')])).toEqual([]);
    // `sid` is left out: an unreleased Debian has no release ecosystem to match.
    expect(await db.match([pkg('Debian', 'chromium', '90.0.4430.212-1')])).toEqual([]);
  });

  it('fixed_version "0" never matches; binary packages match through their source', async () => {
    const findings = await db.match([
      pkg('Debian:10', 'libjs-prototype', '1.6.0.1-1', { sourceName: 'prototypejs' }),
      pkg('Debian:10', 'libjs-prototype', '1.7.1-3', { sourceName: 'prototypejs', path: '/b' }),
      pkg('Debian:9', 'txt2man', '1.5.5-4'),
      pkg('Debian:10', 'backupninja', '0.8-1'),
    ]);
    expect(findings.map(brief)).toEqual([
      { package: 'backupninja', version: '0.8-1', id: 'CVE-2005-3111', fixVersion: '0.8-2', severity: 'Medium' },
      {
        package: 'libjs-prototype',
        version: '1.6.0.1-1',
        id: 'CVE-2008-7220',
        fixVersion: '1.6.0.2-1',
        severity: 'High',
      },
      { package: 'txt2man', version: '1.5.5-4', id: 'CVE-2013-1444', fixVersion: '1.5.5-4.1', severity: 'Low' },
    ]);
    // CVE-2007-2383 is `fixed_version: "0"` (not affected) in every release.
    expect(findings.some((f) => f.id === 'CVE-2007-2383')).toBe(false);
  });

  it('gives exactly the findings expected for the bookworm fixture images', async () => {
    const result = await db.importPath(TRACKER_BOOKWORM);
    // The same source, re-imported from another file: the excerpt's records are replaced.
    expect(result).toMatchObject({ removed: 4, skipped: 0 }); // the excerpt's 4 (package, CVE) records with an affected release
    const image = (versions: Record<string, string>) => [
      pkg('Debian:12', 'libexpat1', versions.libexpat1 ?? '2.5.0-1+deb12u5', { sourceName: 'expat' }),
      pkg('Debian:12', 'zlib1g', versions.zlib1g ?? '1:1.2.13.dfsg-1', {
        sourceName: 'zlib',
        sourceVersion: '1:1.2.13.dfsg-1',
      }),
      pkg('Debian:12', 'libtasn1-6', versions['libtasn1-6'] ?? '4.19.0-2+deb12u1'),
      pkg('Debian:12', 'libnghttp2-14', '1.52.0-1+deb12u3', { sourceName: 'nghttp2' }),
    ];
    const sortKey = (f: { package: string; id: string }) => `${f.package} ${f.id}`;
    const byKey = (a: { package: string; id: string }, b: { package: string; id: string }) =>
      sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0;

    const current = await db.match(image({}));
    expect(current.map(brief)).toEqual([...EXPECTED_CURRENT].sort(byKey));
    const older = await db.match(
      image({ libexpat1: '2.5.0-1+deb12u1', zlib1g: '1:1.2.11.dfsg-4', 'libtasn1-6': '4.19.0-2' }),
    );
    expect(older.map(brief)).toEqual([...EXPECTED_OLDER].sort(byKey));
    for (const [name, findings] of [
      ['current', current],
      ['older', older],
    ] as const) {
      const reported = new Set(findings.map(sortKey));
      expect(MUST_NOT_MATCH[name].filter((m) => reported.has(sortKey(m)))).toEqual([]);
    }
  });
});

describe('Alpine secdb', () => {
  let db: SqliteAdvisoryDatabase;
  beforeAll(async () => {
    db = await freshDb('vulndb-alpine');
    const result = await db.importPath(SECDB);
    // botan 4, cfengine 1, chicken 4 (package, CVE) pairs.
    expect(result).toMatchObject({ added: 9, sources: ['alpine-secdb:v3.10/community'], skipped: 0 });
  });
  afterAll(() => db.close());

  it('botan below 2.9.0-r0 has CVE-2018-20187; 2.9.0-r0 has nothing', async () => {
    const findings = await db.match([
      pkg('Alpine:v3.10', 'botan-libs', '2.8.0-r1', { sourceName: 'botan' }),
      pkg('Alpine:v3.10', 'botan', '2.9.0-r0'),
    ]);
    expect(findings.map(brief)).toEqual([
      { package: 'botan-libs', version: '2.8.0-r1', id: 'CVE-2018-20187', fixVersion: '2.9.0-r0', severity: 'Unknown' },
    ]);
    expect(findings[0]!.source).toBe('alpine-secdb');
  });

  it('an older botan has every CVE fixed above it, and other Alpine releases are not matched', async () => {
    const findings = await db.match([
      pkg('Alpine:v3.10', 'botan', '2.5.0-r0'),
      pkg('Alpine:v3.11', 'botan', '2.5.0-r0'),
    ]);
    expect(findings.map((f) => `${f.ecosystem} ${f.id} ${f.fixVersion}`)).toEqual([
      'Alpine:v3.10 CVE-2018-12435 2.7.0-r0',
      'Alpine:v3.10 CVE-2018-20187 2.9.0-r0',
      'Alpine:v3.10 CVE-2018-9860 2.6.0-r0',
    ]);
  });
});

describe('converted feeds re-imported', () => {
  it('a newer copy of the same tracker and secdb files changes nothing and keeps the version', async () => {
    const dir = await temp.make('vulndb-feeds-again');
    const db = openAdvisoryDatabase({ file: advisoryDbFile(dir) });
    try {
      await db.importPath(TRACKER_EXCERPT);
      const first = await db.importPath(SECDB);
      // Copies have a new modification time, which converted records take as their `modified`.
      await copyFile(TRACKER_EXCERPT, join(dir, 'tracker.json'));
      await copyFile(SECDB, join(dir, 'secdb.json'));
      expect(await db.importPath(join(dir, 'tracker.json'))).toMatchObject({
        added: 0,
        updated: 0,
        unchanged: 4,
        removed: 0,
      });
      const again = await db.importPath(join(dir, 'secdb.json'));
      expect(again).toMatchObject({ added: 0, updated: 0, unchanged: 9, removed: 0 });
      expect(again.status.version).toBe(first.status.version);
      expect(again.status.updatedAt).toEqual(first.status.updatedAt);
    } finally {
      await db.close();
    }
  });
});

describe('one finding per issue and package across sources', () => {
  it('joins an OSV DSA record and the tracker entry for its CVE', async () => {
    const db = await freshDb('vulndb-merge');
    try {
      await db.importPath(join(OSV_DIR, 'debian-DSA-3029-1-nginx.json'));
      const dir = await temp.make('vulndb-merge-input');
      // The tracker's shape for the CVE that DSA-3029-1 fixes (written here: the excerpt has no wheezy entry).
      const tracker = {
        nginx: {
          'CVE-2014-3616': {
            description: 'nginx 0.5.6 through 1.7.4, when using the same shared ssl_session_cache ...',
            releases: { wheezy: { status: 'resolved', fixed_version: '1.2.1-2.2+wheezy3', urgency: 'medium' } },
          },
        },
      };
      await writeFile(join(dir, 'tracker.json'), JSON.stringify(tracker));
      await db.importPath(join(dir, 'tracker.json'));
      const findings = await db.match([pkg('Debian:7', 'nginx-full', '1.2.1-2.2+wheezy2', { sourceName: 'nginx' })]);
      expect(findings).toEqual([
        {
          id: 'CVE-2014-3616',
          aliases: ['DSA-3029-1'],
          package: 'nginx-full',
          version: '1.2.1-2.2+wheezy2',
          fixVersion: '1.2.1-2.2+wheezy3',
          severity: 'Medium', // the DSA has none; the tracker's urgency is medium
          summary: 'nginx - security update',
          description: expect.stringContaining('virtual host confusion'),
          links: [
            'https://security-tracker.debian.org/tracker/CVE-2014-3616',
            'https://www.debian.org/security/2014/dsa-3029',
          ],
          cweIds: [],
          ecosystem: 'Debian:7',
          source: 'debian-tracker',
          modified: expect.any(String),
        },
      ]);
    } finally {
      await db.close();
    }
  });
});

function osvZip(files: readonly string[], edit: (name: string, text: string) => string | null = (_n, t) => t): Buffer {
  const entries = [];
  for (const name of files) {
    const text = edit(name, readFileSync(join(OSV_DIR, name), 'utf8'));
    if (text !== null) entries.push({ name: `osv/${name}`, data: text });
  }
  return createZip(entries);
}

describe('imports', () => {
  it('a zip, the same zip again (nothing changes), then a zip with one record changed and one gone', async () => {
    const dir = await temp.make('vulndb-zip');
    const db = openAdvisoryDatabase({ file: advisoryDbFile(dir) });
    try {
      await writeFile(join(dir, 'all.zip'), osvZip(OSV_FILES));
      const first = await db.importPath(join(dir, 'all.zip'));
      expect(first).toMatchObject({ added: 22, updated: 0, unchanged: 0, removed: 0, skipped: 0 });
      expect(first.status.version).toBe(1);
      const updatedAt = first.status.updatedAt;

      const again = await db.importPath(join(dir, 'all.zip'));
      expect(again).toMatchObject({ added: 0, updated: 0, unchanged: 22, removed: 0 });
      expect(again.status.version).toBe(1);
      expect(again.status.updatedAt).toEqual(updatedAt);

      // lodash's 4.17.21 fix moved to 4.17.22; the minimist record is gone from the feed.
      await writeFile(
        join(dir, 'all.zip'),
        osvZip(OSV_FILES, (name, text) =>
          name.includes('minimist') ? null : name.includes('35jh') ? text.replaceAll('"4.17.21"', '"4.17.22"') : text,
        ),
      );
      const changed = await db.importPath(join(dir, 'all.zip'));
      expect(changed).toMatchObject({ added: 0, updated: 1, unchanged: 20, removed: 1 });
      expect(changed.status.version).toBe(2);
      expect((await db.match([pkg('npm', 'lodash', '4.17.21')])).map((f) => `${f.id} ${f.fixVersion}`)).toEqual([
        'CVE-2021-23337 4.17.22',
      ]);
      expect(await db.match([pkg('npm', 'minimist', '1.2.5')])).toEqual([]);
    } finally {
      await db.close();
    }
  });

  it('reads large entries, stored and deflated, across read-ahead windows', async () => {
    const dir = await temp.make('vulndb-large');
    const base = JSON.parse(readFileSync(join(OSV_DIR, 'npm-GHSA-35jh-r3h4-6jhm-lodash.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const big = (id: string, size: number) => JSON.stringify({ ...base, id, details: 'x'.repeat(size) });
    const zip = createZip([
      { name: 'a.json', data: big('GHSA-aaaa-aaaa-aaaa', 1_500_000), method: 'store' },
      { name: 'b.json', data: big('GHSA-bbbb-bbbb-bbbb', 300_000), method: 'deflate' },
      { name: 'c.json', data: big('GHSA-cccc-cccc-cccc', 100), method: 'store' },
    ]);
    await writeFile(join(dir, 'big.zip'), zip);
    const db = openAdvisoryDatabase({ file: advisoryDbFile(dir) });
    try {
      expect(await db.importPath(join(dir, 'big.zip'))).toMatchObject({ added: 3, skipped: 0 });
      const findings = await db.match([pkg('npm', 'lodash', '4.17.20')]);
      expect(findings.map((f) => [f.id, f.aliases, f.description?.length])).toEqual([
        ['CVE-2021-23337', ['GHSA-aaaa-aaaa-aaaa', 'GHSA-bbbb-bbbb-bbbb', 'GHSA-cccc-cccc-cccc'], 1_500_000],
      ]);
    } finally {
      await db.close();
    }
  });

  it('a single OSV file adds to its source without removing the rest', async () => {
    const db = await freshDb('vulndb-single');
    try {
      await db.importPath(OSV_DIR);
      const one = await db.importPath(join(OSV_DIR, 'npm-GHSA-xvch-5gv4-984h-minimist.json'));
      expect(one).toMatchObject({ added: 0, unchanged: 1, removed: 0, sources: ['osv:npm'] });
      expect((await db.status()).records).toBe(22);
    } finally {
      await db.close();
    }
  });

  it('skips unreadable records, counting them and saying why', async () => {
    const dir = await temp.make('vulndb-bad-records');
    await mkdir(join(dir, 'feed', 'nested'), { recursive: true });
    await writeFile(join(dir, 'feed', 'nested', 'good.json'), readFileSync(join(OSV_DIR, OSV_FILES[0]!)));
    await writeFile(join(dir, 'feed', 'broken.json'), '{"id": "X-1", ');
    await writeFile(join(dir, 'feed', 'no-modified.json'), '{"id": "X-2"}');
    await writeFile(join(dir, 'feed', 'README.md'), 'not a record');
    const db = openAdvisoryDatabase({ file: advisoryDbFile(dir) });
    try {
      const result = await db.importPath(join(dir, 'feed'));
      expect(result).toMatchObject({ added: 1, skipped: 2 });
      expect(result.errors).toEqual([
        expect.stringMatching(/^broken\.json: .*JSON/),
        'no-modified.json: invalid OSV record: $.modified must be a non-empty string',
      ]);
    } finally {
      await db.close();
    }
  });

  it('a zip damaged after its first records changes nothing', async () => {
    const dir = await temp.make('vulndb-corrupt');
    const db = openAdvisoryDatabase({ file: advisoryDbFile(dir) });
    try {
      await writeFile(join(dir, 'good.zip'), osvZip(OSV_FILES.slice(0, 5)));
      await db.importPath(join(dir, 'good.zip'));
      const before = await db.status();
      const lodashBefore = await db.match([pkg('npm', 'lodash', '4.17.15')]);

      // Every record present, lodash's stored (not deflated) so one flipped byte is certain damage, late in the archive.
      const entries = OSV_FILES.map((name) => ({
        name,
        data: readFileSync(join(OSV_DIR, name)),
        method: name.includes('p6mc') ? ('store' as const) : ('deflate' as const),
      }));
      const zip = createZip(entries);
      const at = zip.indexOf('zipObjectDeep');
      expect(at).toBeGreaterThan(0);
      zip[at] = 'Z'.charCodeAt(0);
      await writeFile(join(dir, 'bad.zip'), zip);
      await expect(db.importPath(join(dir, 'bad.zip'))).rejects.toThrow(/CRC-32/);

      await writeFile(join(dir, 'truncated.zip'), osvZip(OSV_FILES).subarray(0, 5000));
      await expect(db.importPath(join(dir, 'truncated.zip'))).rejects.toThrow(/zip/);

      expect(await db.status()).toEqual(before);
      expect(await db.match([pkg('npm', 'lodash', '4.17.15')])).toEqual(lodashBefore);
      expect(await db.match([pkg('npm', 'minimist', '1.2.5')])).toEqual([]);
    } finally {
      await db.close();
    }
  });

  it('an aborted import changes nothing', async () => {
    const dir = await temp.make('vulndb-abort');
    const db = openAdvisoryDatabase({ file: advisoryDbFile(dir) });
    try {
      await writeFile(join(dir, 'all.zip'), osvZip(OSV_FILES));
      const controller = new AbortController();
      controller.abort(new Error('stopped by the user'));
      await expect(db.importPath(join(dir, 'all.zip'), { signal: controller.signal })).rejects.toThrow(
        'stopped by the user',
      );
      expect((await db.status()).records).toBe(0);
    } finally {
      await db.close();
    }
  });

  it('refuses what it cannot read, clearly', async () => {
    const dir = await temp.make('vulndb-refuse');
    const db = openAdvisoryDatabase({ file: advisoryDbFile(dir) });
    try {
      await expect(db.importPath(join(dir, 'missing.zip'))).rejects.toThrow(/cannot read .*missing\.zip: ENOENT/);
      await writeFile(join(dir, 'list.json'), '[1, 2]');
      await expect(db.importPath(join(dir, 'list.json'))).rejects.toThrow(/not advisory data/);
      await writeFile(join(dir, 'other.json'), '{"name": "berth", "version": "1.0.0"}');
      await expect(db.importPath(join(dir, 'other.json'))).rejects.toThrow(
        /not OSV, Debian tracker or Alpine secdb JSON/,
      );
      // An object of objects is not taken for an empty tracker (that would remove the tracker's records).
      await writeFile(join(dir, 'tsconfig.json'), '{"compilerOptions": {"strict": true}}');
      await expect(db.importPath(join(dir, 'tsconfig.json'))).rejects.toThrow(
        /compilerOptions: strict has no releases/,
      );
      expect((await db.status()).version).toBe(0);
    } finally {
      await db.close();
    }
  });
});

describe('the database file', () => {
  it('an import in one connection is seen by another without reopening', async () => {
    const dir = await temp.make('vulndb-two');
    const server = openAdvisoryDatabase({ file: advisoryDbFile(dir) });
    const cli = openAdvisoryDatabase({ file: advisoryDbFile(dir) });
    try {
      expect(await server.match([pkg('npm', 'lodash', '4.17.20')])).toEqual([]);
      await cli.importPath(OSV_DIR);
      expect((await server.status()).version).toBe(1);
      expect((await server.match([pkg('npm', 'lodash', '4.17.20')])).map((f) => f.id)).toEqual(['CVE-2021-23337']);

      // A change made elsewhere replaces what the server has cached for that record.
      await writeFile(
        join(dir, 'lodash.json'),
        readFileSync(join(OSV_DIR, 'npm-GHSA-35jh-r3h4-6jhm-lodash.json'), 'utf8').replaceAll('"4.17.21"', '"4.17.23"'),
      );
      await cli.importPath(join(dir, 'lodash.json'));
      expect((await server.match([pkg('npm', 'lodash', '4.17.20')]))[0]?.fixVersion).toBe('4.17.23');
    } finally {
      await cli.close();
      await server.close();
    }
  });

  it('migrates a file of the first schema (records as plain JSON) and keeps its records', async () => {
    const dir = await temp.make('vulndb-migrate');
    const file = advisoryDbFile(dir);
    await mkdir(join(dir, 'vulndb'));
    const v1 = new Database(file);
    migrate(v1, file, 1);
    const record = parseOsvRecord(
      JSON.parse(readFileSync(join(OSV_DIR, 'npm-GHSA-35jh-r3h4-6jhm-lodash.json'), 'utf8')),
    );
    v1.prepare("INSERT INTO records (id, source, key, modified, hash, json) VALUES (1, 'osv:npm', ?, 0, x'00', ?)").run(
      record.id,
      JSON.stringify(record),
    );
    v1.exec("INSERT INTO affects VALUES ('npm', 'lodash', 1); INSERT INTO sources VALUES ('osv:npm', 1, 0, NULL);");
    v1.exec("UPDATE meta SET value = '3' WHERE key = 'version'");
    v1.close();

    const db = openAdvisoryDatabase({ file });
    try {
      expect(await db.status()).toMatchObject({ version: 3, records: 1 });
      expect((await db.match([pkg('npm', 'lodash', '4.17.20')])).map((f) => [f.id, f.fixVersion])).toEqual([
        ['CVE-2021-23337', '4.17.21'],
      ]);
    } finally {
      await db.close();
    }
  });

  it('is kept in WAL mode with full sync, apart from any other database', async () => {
    const dir = await temp.make('vulndb-file');
    const db = openAdvisoryDatabase({ file: advisoryDbFile(dir) });
    await db.close();
    const raw = new Database(join(dir, 'vulndb', 'advisories.db'));
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      // A file from a newer Berth is refused rather than misread.
      raw.pragma('user_version = 99');
    } finally {
      raw.close();
    }
    expect(() => openAdvisoryDatabase({ file: advisoryDbFile(dir) })).toThrow(/schema version 99, newer/);
  });
});
