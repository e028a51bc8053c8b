import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Invalid } from '../../core/errors.js';
import { matchOsv, normalizePackageName, parseOsvRecord, type OsvRecord } from './osv-match.js';

const FIXTURES = new URL('../../../test/fixtures/osv/', import.meta.url);

function load(file: string): OsvRecord {
  return parseOsvRecord(JSON.parse(readFileSync(new URL(file, FIXTURES), 'utf8')));
}

/** An installed package; `ecosystem` and `name` default to the record's own. */
interface Installed {
  version: string;
  ecosystem?: string;
  name?: string;
}
interface Affected extends Installed {
  fixed: string | null;
  range: string;
}

interface RecordCases {
  file: string;
  ecosystem: string;
  name: string;
  affected: Affected[];
  /** Each with why it must not match. */
  unaffected: (Installed & { why: string })[];
}

const CASES: RecordCases[] = [
  {
    // `"versions": null` in every entry.
    file: 'alpine-CVE-2012-2812-libexif.json',
    ecosystem: 'Alpine:v3.10',
    name: 'libexif',
    affected: [
      { version: '0.6.20-r0', fixed: '0.6.21-r0', range: '<0.6.21-r0' },
      { version: '0.6.21_rc1-r0', fixed: '0.6.21-r0', range: '<0.6.21-r0' },
      { ecosystem: 'Alpine:v3.8', version: '0.6.19-r1', fixed: '0.6.21-r0', range: '<0.6.21-r0' },
      { ecosystem: 'Alpine:v3.12', version: '0.6.20-r5', fixed: '0.6.21-r0', range: '<0.6.21-r0' },
    ],
    unaffected: [
      { version: '0.6.21-r0', why: 'just fixed' },
      { version: '0.6.21-r1', why: 'after the fix' },
      { ecosystem: 'Alpine:v3.13', version: '0.6.20-r0', why: 'a release the record does not name' },
      { ecosystem: 'Alpine', version: '0.6.20-r0', why: 'no release given' },
      { name: 'libexif-dev', version: '0.6.20-r0', why: 'another package' },
      { name: 'LibExif', version: '0.6.20-r0', why: 'Alpine names are not case-folded' },
    ],
  },
  {
    // One affected entry has no `package` (a GIT range only): it must neither fail nor match.
    file: 'alpine-CVE-2018-5407-openssl.json',
    ecosystem: 'Alpine:v3.8',
    name: 'openssl',
    affected: [
      { version: '1.0.2p-r0', fixed: '1.0.2q-r0', range: '<1.0.2q-r0' },
      { ecosystem: 'Alpine:v3.3', version: '1.0.2a-r0', fixed: '1.0.2q-r0', range: '<1.0.2q-r0' },
    ],
    unaffected: [
      { version: '1.0.2q-r0', why: 'just fixed' },
      { version: '1.1.1a-r0', why: 'a later line' },
      { ecosystem: 'Alpine:v3.9', version: '1.0.2p-r0', why: 'a release the record does not name' },
      { name: 'libssl1.0', version: '1.0.2p-r0', why: 'a binary package, not the source package' },
    ],
  },
  {
    // Per-branch fixed versions: 10.5.16-r0 is fixed on v3.13 but still affected on v3.15.
    file: 'alpine-CVE-2022-27449-mariadb.json',
    ecosystem: 'Alpine:v3.15',
    name: 'mariadb',
    affected: [
      { version: '10.6.7-r0', fixed: '10.6.8-r0', range: '<10.6.8-r0' },
      { version: '10.5.16-r0', fixed: '10.6.8-r0', range: '<10.6.8-r0' },
      { ecosystem: 'Alpine:v3.12', version: '10.4.24-r0', fixed: '10.4.25-r0', range: '<10.4.25-r0' },
      { ecosystem: 'Alpine:v3.13', version: '10.5.15-r0', fixed: '10.5.16-r0', range: '<10.5.16-r0' },
    ],
    unaffected: [
      { version: '10.6.8-r0', why: 'just fixed' },
      { ecosystem: 'Alpine:v3.13', version: '10.5.16-r0', why: 'fixed on this branch' },
      { ecosystem: 'Alpine:v3.12', version: '10.4.25-r0', why: 'fixed on this branch' },
      { ecosystem: 'Alpine:v3.17', version: '10.6.7-r0', why: 'a release the record does not name' },
      { name: 'mariadb-client', version: '10.6.7-r0', why: 'another package' },
    ],
  },
  {
    file: 'cargo-GHSA-mp6f-p9gp-vpj9-sized-chunks.json',
    ecosystem: 'crates.io',
    name: 'sized-chunks',
    affected: [
      { version: '0.6.2', fixed: '0.6.3', range: '<0.6.3' },
      { version: '0.1.0', fixed: '0.6.3', range: '<0.6.3' },
    ],
    unaffected: [
      { version: '0.6.3', why: 'just fixed' },
      { version: '0.7.0', why: 'after the fix' },
      { name: 'sized_chunks', version: '0.6.2', why: 'crate names are compared as written' },
      { ecosystem: 'npm', version: '0.6.2', why: 'another ecosystem' },
      { version: 'latest', why: 'not a version: the range is skipped' },
    ],
  },
  {
    file: 'debian-DSA-3029-1-nginx.json',
    ecosystem: 'Debian:7',
    name: 'nginx',
    affected: [
      { version: '1.2.1-2.2+wheezy2', fixed: '1.2.1-2.2+wheezy3', range: '<1.2.1-2.2+wheezy3' },
      { version: '1.2.1-2.2', fixed: '1.2.1-2.2+wheezy3', range: '<1.2.1-2.2+wheezy3' },
      { version: '1.2.1-2.2+wheezy3~1', fixed: '1.2.1-2.2+wheezy3', range: '<1.2.1-2.2+wheezy3' },
    ],
    unaffected: [
      { version: '1.2.1-2.2+wheezy3', why: 'just fixed' },
      { version: '1.2.1-2.2+wheezy4', why: 'after the fix' },
      { version: '1:1.0-1', why: 'a higher epoch' },
      { ecosystem: 'Debian:8', version: '1.2.1-2.2+wheezy2', why: 'another Debian release' },
      { ecosystem: 'Debian', version: '1.2.1-2.2+wheezy2', why: 'no release given' },
      { name: 'nginx-full', version: '1.2.1-2.2+wheezy2', why: 'a binary package, not the source package' },
      { version: '1.2.1 -2', why: 'dpkg refuses it: the range is skipped, nothing thrown' },
      { version: 'x:1.2', why: 'dpkg refuses the epoch: the range is skipped, nothing thrown' },
    ],
  },
  {
    // The GHSA form of a Go vulnerability: an ECOSYSTEM range, versions without `v`.
    file: 'go-GHSA-v778-237x-gjrc-x-crypto.json',
    ecosystem: 'Go',
    name: 'golang.org/x/crypto',
    affected: [
      { version: 'v0.30.0', fixed: '0.31.0', range: '<0.31.0' },
      { version: '0.30.0', fixed: '0.31.0', range: '<0.31.0' },
      { version: 'v0.0.0-20240101000000-abcdef123456', fixed: '0.31.0', range: '<0.31.0' },
    ],
    unaffected: [
      { version: 'v0.31.0', why: 'just fixed' },
      { version: 'v0.32.0', why: 'after the fix' },
      { name: 'golang.org/x/Crypto', version: 'v0.30.0', why: 'Go module paths are compared as written' },
      { name: 'golang.org/x/crypto/ssh', version: 'v0.30.0', why: 'a package path, not the module' },
      { ecosystem: 'go', version: 'v0.30.0', why: 'ecosystem names are exact' },
    ],
  },
  {
    file: 'go-GO-2020-0001-gin.json',
    ecosystem: 'Go',
    name: 'github.com/gin-gonic/gin',
    affected: [
      { version: 'v1.5.0', fixed: '1.6.0', range: '<1.6.0' },
      { version: 'v1.6.0-rc.1', fixed: '1.6.0', range: '<1.6.0' },
    ],
    unaffected: [
      { version: 'v1.6.0', why: 'just fixed' },
      { version: 'v1.9.1', why: 'after the fix' },
      { name: 'github.com/Gin-Gonic/gin', version: 'v1.5.0', why: 'Go module paths are compared as written' },
    ],
  },
  {
    file: 'go-GO-2021-0053-gogo-protobuf.json',
    ecosystem: 'Go',
    name: 'github.com/gogo/protobuf',
    affected: [{ version: 'v1.3.1', fixed: '1.3.2', range: '<1.3.2' }],
    unaffected: [
      { version: 'v1.3.2', why: 'just fixed' },
      { name: 'github.com/golang/protobuf', version: 'v1.3.1', why: 'another module' },
    ],
  },
  {
    file: 'go-GO-2023-1558-go-bitfield.json',
    ecosystem: 'Go',
    name: 'github.com/ipfs/go-bitfield',
    affected: [{ version: 'v1.0.0', fixed: '1.1.0', range: '<1.1.0' }],
    unaffected: [
      { version: 'v1.1.0', why: 'just fixed' },
      { ecosystem: 'npm', version: 'v1.0.0', why: 'another ecosystem' },
    ],
  },
  {
    // Two SEMVER windows in one range: [0, 1.20.12) and [1.21.0-0, 1.21.5).
    file: 'go-GO-2023-2382-stdlib.json',
    ecosystem: 'Go',
    name: 'stdlib',
    affected: [
      { version: '1.20.11', fixed: '1.20.12', range: '<1.20.12' },
      { version: '1.21.0-rc.1', fixed: '1.21.5', range: '>=1.21.0-0, <1.21.5' },
      { version: '1.21.4', fixed: '1.21.5', range: '>=1.21.0-0, <1.21.5' },
    ],
    unaffected: [
      { version: '1.20.12', why: 'just fixed on 1.20' },
      { version: '1.20.13', why: 'between the windows' },
      { version: '1.21.5', why: 'just fixed on 1.21' },
      { version: '1.22.0', why: 'after both windows' },
    ],
  },
  {
    // `introduced: 1.22.0-0`: the lowest prerelease of 1.22.0, so 1.22 release candidates count.
    file: 'go-GO-2024-2963-stdlib.json',
    ecosystem: 'Go',
    name: 'stdlib',
    affected: [
      { version: '1.21.11', fixed: '1.21.12', range: '<1.21.12' },
      { version: '1.22.0-0', fixed: '1.22.5', range: '>=1.22.0-0, <1.22.5' },
      { version: '1.22.0-rc.1', fixed: '1.22.5', range: '>=1.22.0-0, <1.22.5' },
      { version: '1.22.4', fixed: '1.22.5', range: '>=1.22.0-0, <1.22.5' },
    ],
    unaffected: [
      { version: '1.21.12', why: 'just fixed on 1.21' },
      { version: '1.21.99', why: 'before the second window is introduced' },
      { version: '1.22.5', why: 'just fixed on 1.22' },
      { version: '1.23.0', why: 'after both windows' },
    ],
  },
  {
    file: 'maven-GHSA-838r-hvwh-24h8-any23.json',
    ecosystem: 'Maven',
    name: 'org.apache.any23:apache-any23',
    affected: [
      { version: '2.4', fixed: '2.5', range: '<2.5' },
      { version: '2.5-beta', fixed: '2.5', range: '<2.5' },
      { version: '1.0', fixed: '2.5', range: '<2.5' },
    ],
    unaffected: [
      { version: '2.5', why: 'just fixed' },
      { version: '2.5.0', why: 'Maven orders 2.5.0 equal to 2.5' },
      { version: '2.7', why: 'after the fix' },
      { name: 'org.apache.any23:any23-core', version: '2.4', why: 'another artifact' },
      { name: 'org.apache.any23/apache-any23', version: '2.4', why: 'not the groupId:artifactId form' },
      { ecosystem: 'Maven:https://maven.google.com', version: '2.4', why: 'another Maven repository' },
    ],
  },
  {
    file: 'npm-GHSA-35jh-r3h4-6jhm-lodash.json',
    ecosystem: 'npm',
    name: 'lodash',
    affected: [
      { version: '4.17.20', fixed: '4.17.21', range: '<4.17.21' },
      { name: 'lodash-es', version: '4.17.15', fixed: '4.17.21', range: '<4.17.21' },
    ],
    unaffected: [
      { version: '4.17.21', why: 'just fixed' },
      { name: 'lodash-es', version: '4.17.21', why: 'just fixed' },
      { name: 'Lodash', version: '4.17.20', why: 'npm names are compared as written' },
      { name: 'lodash.template', version: '4.5.0', why: 'another package' },
      { ecosystem: 'PyPI', version: '4.17.20', why: 'another ecosystem' },
    ],
  },
  {
    // The second entry is open-ended (`introduced 2.1.0`, no fix; GHSA keeps its "< 2.1.3" in
    // `database_specific`, which the spec says has no effect on evaluation): by the spec's algorithm
    // every version from 2.1.0 on is affected, 3.5.3 included.
    file: 'npm-GHSA-75v8-2h7p-7m2m-formidable.json',
    ecosystem: 'npm',
    name: 'formidable',
    affected: [
      { version: '3.1.1-canary.20211030', fixed: '3.5.3', range: '>=3.1.1-canary.20211030, <3.5.3 || >=2.1.0' },
      { version: '3.5.2', fixed: '3.5.3', range: '>=3.1.1-canary.20211030, <3.5.3 || >=2.1.0' },
      { version: '2.1.0', fixed: null, range: '>=2.1.0' },
      { version: '2.1.2', fixed: null, range: '>=2.1.0' },
      { version: '3.5.3', fixed: null, range: '>=2.1.0' },
    ],
    unaffected: [
      { version: '2.0.9', why: 'before both windows' },
      { version: '2.1.0-canary.1', why: 'a prerelease sorts before 2.1.0' },
      { version: '1.2.6', why: 'an old line' },
    ],
  },
  {
    // Three affected entries for the same package, one per release line.
    file: 'npm-GHSA-c2qf-rxjj-qqgw-semver.json',
    ecosystem: 'npm',
    name: 'semver',
    affected: [
      { version: '7.5.1', fixed: '7.5.2', range: '>=7.0.0, <7.5.2' },
      { version: '7.0.0', fixed: '7.5.2', range: '>=7.0.0, <7.5.2' },
      { version: '6.3.0', fixed: '6.3.1', range: '>=6.0.0, <6.3.1' },
      { version: '5.7.1', fixed: '5.7.2', range: '<5.7.2' },
    ],
    unaffected: [
      { version: '7.5.2', why: 'just fixed' },
      { version: '6.3.1', why: 'just fixed' },
      { version: '5.7.2', why: 'just fixed' },
      { version: '5.7.3', why: 'between windows' },
      { version: '7.0.0-rc.1', why: 'before 7.0.0 was introduced' },
    ],
  },
  {
    file: 'npm-GHSA-grv7-fg5c-xmjg-braces.json',
    ecosystem: 'npm',
    name: 'braces',
    affected: [{ version: '3.0.2', fixed: '3.0.3', range: '<3.0.3' }],
    unaffected: [
      { version: '3.0.3', why: 'just fixed' },
      { name: 'brace-expansion', version: '1.1.11', why: 'another package' },
    ],
  },
  {
    file: 'npm-GHSA-p6mc-m468-83gw-lodash.json',
    ecosystem: 'npm',
    name: 'lodash',
    affected: [
      { version: '4.17.19', fixed: '4.17.20', range: '<4.17.20' },
      { name: 'lodash-es', version: '4.17.19', fixed: '4.17.20', range: '<4.17.20' },
    ],
    unaffected: [
      { version: '4.17.20', why: 'just fixed' },
      { name: 'lodash_es', version: '4.17.19', why: 'npm names are compared as written' },
    ],
  },
  {
    file: 'npm-GHSA-qwcr-r2fm-qrc7-body-parser.json',
    ecosystem: 'npm',
    name: 'body-parser',
    affected: [{ version: '1.20.2', fixed: '1.20.3', range: '<1.20.3' }],
    unaffected: [
      { version: '1.20.3', why: 'just fixed' },
      { version: '2.0.0', why: 'after the fix' },
    ],
  },
  {
    // A prerelease window [5.0.0-alpha.1, 5.0.0-beta.3) beside the 4.x one.
    file: 'npm-GHSA-rv95-896h-c2vc-express.json',
    ecosystem: 'npm',
    name: 'express',
    affected: [
      { version: '4.19.1', fixed: '4.19.2', range: '<4.19.2' },
      { version: '5.0.0-alpha.1', fixed: '5.0.0-beta.3', range: '>=5.0.0-alpha.1, <5.0.0-beta.3' },
      { version: '5.0.0-beta.2', fixed: '5.0.0-beta.3', range: '>=5.0.0-alpha.1, <5.0.0-beta.3' },
    ],
    unaffected: [
      { version: '4.19.2', why: 'just fixed' },
      { version: '5.0.0-alpha.0', why: 'before the 5.x window is introduced' },
      { version: '5.0.0-beta.3', why: 'just fixed on 5.x' },
      { version: '5.0.0', why: 'after both windows' },
    ],
  },
  {
    file: 'npm-GHSA-xvch-5gv4-984h-minimist.json',
    ecosystem: 'npm',
    name: 'minimist',
    affected: [
      { version: '1.2.5', fixed: '1.2.6', range: '>=1.0.0, <1.2.6' },
      { version: '1.0.0', fixed: '1.2.6', range: '>=1.0.0, <1.2.6' },
      { version: '0.2.3', fixed: '0.2.4', range: '<0.2.4' },
    ],
    unaffected: [
      { version: '1.2.6', why: 'just fixed' },
      { version: '0.2.4', why: 'just fixed on 0.x' },
      { version: '0.9.0', why: 'between windows' },
    ],
  },
  {
    // `versions` only, no ranges; the record spells the name `Gradio` (PEP 503 makes it `gradio`)
    // and lists an entry `4.36.-1` that is not a PEP 440 version.
    file: 'pypi-GHSA-9v2f-6vcg-3hgv-gradio.json',
    ecosystem: 'PyPI',
    name: 'gradio',
    affected: [
      { version: '4.36.1', fixed: null, range: '=4.36.1' },
      { name: 'Gradio', version: '4.36.1', fixed: null, range: '=4.36.1' },
      { name: 'GRADIO', version: '4.36.1.0', fixed: null, range: '=4.36.1' },
      { version: '4.36.-1', fixed: null, range: '=4.36.-1' },
    ],
    unaffected: [
      { version: '4.36.0', why: 'not listed' },
      { version: '4.37.0', why: 'not listed' },
      { name: 'gradio-client', version: '4.36.1', why: 'another package' },
      { name: 'gr.adio', version: '4.36.1', why: 'normalises to gr-adio' },
      { ecosystem: 'npm', version: '4.36.1', why: 'another ecosystem' },
    ],
  },
  {
    // GIT + ECOSYSTEM ranges and 66 listed versions; the GIT range is ignored.
    file: 'pypi-PYSEC-2023-74-requests.json',
    ecosystem: 'PyPI',
    name: 'requests',
    affected: [
      { version: '2.30.0', fixed: '2.31.0', range: '>=2.3.0, <2.31.0' },
      { version: '2.3.0', fixed: '2.31.0', range: '>=2.3.0, <2.31.0' },
      { name: 'Requests', version: '2.30', fixed: '2.31.0', range: '>=2.3.0, <2.31.0' },
    ],
    unaffected: [
      { version: '2.31.0', why: 'just fixed' },
      { version: '2.2.1', why: 'before introduced' },
      { version: '74ea7cf7a6a27a4eeb2ae24e162bcc942a6706d5', why: 'a commit: GIT ranges are ignored' },
      { name: 'python-requests', version: '2.30.0', why: 'another package' },
      { name: 'requests-toolbelt', version: '0.9.1', why: 'another package' },
    ],
  },
];

describe('matchOsv on real OSV records', () => {
  it('covers every fixture file', () => {
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));
    expect(CASES.map((c) => c.file).sort()).toEqual(files.sort());
  });

  for (const { file, ecosystem, name, affected, unaffected } of CASES) {
    describe(file, () => {
      const record = load(file);
      const resolve = <T extends Installed>(c: T) => ({
        ...c,
        ecosystem: c.ecosystem ?? ecosystem,
        name: c.name ?? name,
      });
      it.each(affected.map(resolve))('affects $ecosystem $name $version', (c) => {
        const pkg = { ecosystem: c.ecosystem, name: c.name, version: c.version };
        const match = matchOsv(record, pkg);
        expect(match).not.toBeNull();
        expect(match).toMatchObject({
          id: record.id,
          aliases: record.aliases,
          fixedVersion: c.fixed,
          affectedRange: c.range,
        });
      });
      it.each(unaffected.map(resolve))('does not affect $ecosystem $name $version ($why)', (c) => {
        const pkg = { ecosystem: c.ecosystem, name: c.name, version: c.version };
        expect(matchOsv(record, pkg)).toBeNull();
      });
    });
  }

  it('reports the whole match: id, aliases, summary, CVSS v3 and v4 vectors', () => {
    const record = load('npm-GHSA-qwcr-r2fm-qrc7-body-parser.json');
    expect(matchOsv(record, { ecosystem: 'npm', name: 'body-parser', version: '1.20.2' })).toEqual({
      id: 'GHSA-qwcr-r2fm-qrc7',
      aliases: ['CVE-2024-45590'],
      summary: 'body-parser vulnerable to denial of service when url encoding is enabled',
      fixedVersion: '1.20.3',
      severity: [
        { type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H' },
        { type: 'CVSS_V4', score: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N' },
      ],
      affectedRange: '<1.20.3',
    });
  });

  it('gives records without severity or summary empty values', () => {
    const record = load('alpine-CVE-2022-27449-mariadb.json');
    expect(matchOsv(record, { ecosystem: 'Alpine:v3.16', name: 'mariadb', version: '10.6.4-r2' })).toEqual({
      id: 'CVE-2022-27449',
      aliases: [],
      summary: null,
      fixedVersion: '10.6.8-r0',
      severity: [],
      affectedRange: '<10.6.8-r0',
    });
  });
});

describe('parseOsvRecord', () => {
  it('reads null and absent lists as empty and keeps a package-less entry', () => {
    const libexif = load('alpine-CVE-2012-2812-libexif.json');
    expect(libexif.affected.every((a) => a.versions.length === 0)).toBe(true);
    expect(libexif.aliases).toEqual([]);
    const openssl = load('alpine-CVE-2018-5407-openssl.json');
    const packageless = openssl.affected.filter((a) => a.package === undefined);
    expect(packageless).toHaveLength(1);
    expect(packageless[0]?.ranges[0]).toMatchObject({ type: 'GIT', repo: 'https://github.com/nodejs/node' });
  });

  it('keeps ecosystem_specific and database_specific', () => {
    const gogo = load('go-GO-2021-0053-gogo-protobuf.json');
    expect(gogo.affected[0]?.ecosystem_specific).toEqual({
      imports: [
        { path: 'github.com/gogo/protobuf/plugin/unmarshal', symbols: ['unmarshal.Generate', 'unmarshal.field'] },
      ],
    });
    expect(gogo.affected[0]?.database_specific).toEqual({ url: 'https://pkg.go.dev/vuln/GO-2021-0053' });
    const formidable = load('npm-GHSA-75v8-2h7p-7m2m-formidable.json');
    expect(formidable.affected[1]?.database_specific).toEqual({ last_known_affected_version_range: '< 2.1.3' });
  });

  const valid = {
    id: 'TEST-1',
    modified: '2024-01-01T00:00:00Z',
    affected: [
      { package: { ecosystem: 'npm', name: 'a' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }] },
    ],
  };
  const broken: [string, unknown, string][] = [
    ['not an object', [], '$'],
    ['no id', { ...valid, id: undefined }, '$.id'],
    ['no modified', { ...valid, modified: undefined }, '$.modified'],
    ['a bad time', { ...valid, modified: 'yesterday' }, '$.modified'],
    ['aliases not strings', { ...valid, aliases: [1] }, '$.aliases[0]'],
    ['severity without score', { ...valid, severity: [{ type: 'CVSS_V3' }] }, '$.severity[0].score'],
    ['package without name', { ...valid, affected: [{ package: { ecosystem: 'npm' } }] }, '$.affected[0].package.name'],
    [
      'an unknown range type',
      { ...valid, affected: [{ ranges: [{ type: 'DATE', events: [{ introduced: '0' }] }] }] },
      '$.affected[0].ranges[0].type',
    ],
    [
      'empty events',
      { ...valid, affected: [{ ranges: [{ type: 'SEMVER', events: [] }] }] },
      '$.affected[0].ranges[0].events',
    ],
    [
      'two kinds in one event',
      { ...valid, affected: [{}, { ranges: [{ type: 'SEMVER', events: [{ introduced: '1.0.0', fixed: '1.0.2' }] }] }] },
      '$.affected[1].ranges[0].events[0]',
    ],
    [
      'a numeric version',
      { ...valid, affected: [{ ranges: [{ type: 'SEMVER', events: [{ fixed: 2 }] }] }] },
      '$.affected[0].ranges[0].events[0].fixed',
    ],
    ['versions not a list', { ...valid, affected: [{ versions: '1.0.0' }] }, '$.affected[0].versions'],
  ];
  it.each(broken)('refuses %s, naming the path', (_why, json, path) => {
    let error: unknown;
    try {
      parseOsvRecord(json);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Invalid);
    expect(error).toMatchObject({ code: 'NAME_INVALID', detail: { path } });
    expect((error as Error).message).toContain(path);
  });
});

/** Small hand-made records for rules none of the real records exercise. */
describe('matchOsv rules beyond the fixtures', () => {
  const record = (ranges: unknown[], extra: object = {}): OsvRecord =>
    parseOsvRecord({
      id: 'TEST-1',
      modified: '2024-01-01T00:00:00Z',
      affected: [{ package: { ecosystem: 'npm', name: 'a' }, ranges }],
      ...extra,
    });
  const at = (r: OsvRecord, version: string) => matchOsv(r, { ecosystem: 'npm', name: 'a', version });

  it('treats last_affected as inclusive and reports no fixed version', () => {
    const r = record([{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { last_affected: '2.1.214' }] }]);
    expect(at(r, '2.1.214')).toMatchObject({ fixedVersion: null, affectedRange: '<=2.1.214' });
    expect(at(r, '2.1.215')).toBeNull();
  });

  it('sorts events before walking them', () => {
    const r = record([
      {
        type: 'SEMVER',
        events: [{ fixed: '3.2.5' }, { introduced: '3.0.0' }, { fixed: '1.0.2' }, { introduced: '1.0.0' }],
      },
    ]);
    expect(at(r, '1.0.1')).toMatchObject({ fixedVersion: '1.0.2', affectedRange: '>=1.0.0, <1.0.2' });
    expect(at(r, '2.0.0')).toBeNull();
    expect(at(r, '3.2.4')).toMatchObject({ fixedVersion: '3.2.5' });
  });

  it('applies limit events: below some limit, "*" is infinity', () => {
    const limited = record([{ type: 'SEMVER', events: [{ introduced: '1.0.0' }, { limit: '2.0.0' }] }]);
    expect(at(limited, '1.5.0')).toMatchObject({ fixedVersion: null, affectedRange: '>=1.0.0, <2.0.0' });
    expect(at(limited, '2.0.0')).toBeNull();
    const unlimited = record([{ type: 'SEMVER', events: [{ introduced: '1.0.0' }, { limit: '*' }] }]);
    expect(at(unlimited, '9.0.0')).toMatchObject({ affectedRange: '>=1.0.0' });
  });

  it('sorts introduced "0" before everything, wherever it is listed', () => {
    const r = record([{ type: 'SEMVER', events: [{ fixed: '1.0.2' }, { introduced: '0' }] }]);
    expect(at(r, '1.0.1')).toMatchObject({ fixedVersion: '1.0.2', affectedRange: '<1.0.2' });
    expect(at(r, '1.0.3')).toBeNull();
  });

  it('reads a window opened and fixed at the same version as empty', () => {
    const r = record([{ type: 'SEMVER', events: [{ fixed: '1.0.0' }, { introduced: '1.0.0' }] }]);
    expect(at(r, '1.0.0')).toBeNull();
  });

  it('skips a range with an unreadable event but still uses the others', () => {
    const r = record([
      { type: 'SEMVER', events: [{ introduced: '0' }, { fixed: 'not-a-version' }] },
      { type: 'SEMVER', events: [{ introduced: '2.0.0' }, { fixed: '2.0.1' }] },
    ]);
    expect(at(r, '1.0.0')).toBeNull();
    expect(at(r, '2.0.0')).toMatchObject({ fixedVersion: '2.0.1' });
  });

  it('reports "*" for a range that affects everything', () => {
    expect(at(record([{ type: 'SEMVER', events: [{ introduced: '0' }] }]), '1.0.0')).toMatchObject({
      fixedVersion: null,
      affectedRange: '*',
    });
  });

  it('matches nothing once withdrawn', () => {
    const r = record([{ type: 'SEMVER', events: [{ introduced: '0' }] }], { withdrawn: '2024-02-01T00:00:00Z' });
    expect(at(r, '1.0.0')).toBeNull();
  });

  it('never throws for an ecosystem without a known order; the versions list still counts', () => {
    const r = parseOsvRecord({
      id: 'TEST-2',
      modified: '2024-01-01T00:00:00Z',
      affected: [
        {
          package: { ecosystem: 'Hex', name: 'plug' },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.0.0' }] }],
          versions: ['0.9.0'],
        },
      ],
    });
    expect(matchOsv(r, { ecosystem: 'Hex', name: 'plug', version: '0.8.0' })).toBeNull();
    expect(matchOsv(r, { ecosystem: 'Hex', name: 'plug', version: '0.9.0' })).toMatchObject({
      fixedVersion: null,
      affectedRange: '=0.9.0',
    });
  });

  it('prefers an entry severity over the record one', () => {
    const r = parseOsvRecord({
      id: 'TEST-3',
      modified: '2024-01-01T00:00:00Z',
      severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
      affected: [
        {
          package: { ecosystem: 'npm', name: 'a' },
          severity: [{ type: 'CVSS_V4', score: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N' }],
          versions: ['1.0.0'],
        },
      ],
    });
    expect(matchOsv(r, { ecosystem: 'npm', name: 'a', version: '1.0.0' })?.severity).toEqual([
      { type: 'CVSS_V4', score: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N' },
    ]);
  });
});

describe('normalizePackageName', () => {
  it('applies PEP 503 to PyPI names only', () => {
    expect(normalizePackageName('PyPI', 'Zope.._-Interface')).toBe('zope-interface');
    expect(normalizePackageName('PyPI', 'requests_toolbelt')).toBe(normalizePackageName('PyPI', 'Requests.Toolbelt'));
    expect(normalizePackageName('npm', 'Lodash.Template')).toBe('Lodash.Template');
    expect(normalizePackageName('Maven', 'org.apache.any23:apache-any23')).toBe('org.apache.any23:apache-any23');
  });
});
