import { describe, expect, it } from 'vitest';
import type {
  HarborVulnerabilityItem,
  HarborVulnerabilityReport,
  ImagePackage,
  ScannerIdentity,
  Severity,
  VulnerabilityFinding,
} from '../scan-contract.js';
import {
  allowlistInForce,
  applyAllowlist,
  buildVulnerabilityReport,
  countSeverities,
  highestSeverity,
  markAllowlisted,
  mergeIndexReports,
  severityAtLeast,
} from './harbor-report.js';

const scanner: ScannerIdentity = { name: 'Berth', vendor: 'Berth', version: '0.1.0' };
const layers = [
  { digest: 'sha256:1111111111111111111111111111111111111111111111111111111111111111', diffId: 'sha256:aaaa' },
  { digest: 'sha256:2222222222222222222222222222222222222222222222222222222222222222', diffId: 'sha256:bbbb' },
];

// As mergeLayers reports them: Debian packages from the base layer, an npm tree added by the app layer.
const libssl3: ImagePackage = {
  kind: 'dpkg',
  name: 'libssl3',
  version: '3.0.22-1~deb12u2',
  path: 'var/lib/dpkg/status',
  sourceName: 'openssl',
  sourceVersion: '3.0.22-1~deb12u2',
  arch: 'amd64',
  ecosystem: 'Debian:12',
  layer: 0,
};
const zlib1g: ImagePackage = {
  kind: 'dpkg',
  name: 'zlib1g',
  version: '1:1.2.13.dfsg-1',
  path: 'var/lib/dpkg/status',
  sourceName: 'zlib',
  sourceVersion: '1:1.2.13.dfsg-1',
  arch: 'amd64',
  ecosystem: 'Debian:12',
  layer: 0,
};
const lodash: ImagePackage = {
  kind: 'npm',
  name: 'lodash',
  version: '4.17.15',
  path: 'app/node_modules/lodash/package.json',
  ecosystem: 'npm',
  layer: 1,
};
const lodashAgain: ImagePackage = { ...lodash, path: 'app/package-lock.json' };
const packages = [libssl3, zlib1g, lodash, lodashAgain];

const lodashFinding: VulnerabilityFinding = {
  id: 'CVE-2020-8203',
  aliases: ['GHSA-p6mc-m468-83gw'],
  package: 'lodash',
  version: '4.17.15',
  fixVersion: '4.17.19',
  severity: 'High',
  cvss: { vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H', score: 7.4, version: '3.1' },
  summary: 'Prototype Pollution in lodash',
  description: 'Prototype pollution attack when using _.zipObjectDeep in lodash before 4.17.20.',
  links: ['https://nvd.nist.gov/vuln/detail/CVE-2020-8203', 'https://github.com/lodash/lodash/issues/4874'],
  cweIds: ['CWE-1321', 'CWE-770'],
  ecosystem: 'npm',
  source: 'osv',
  modified: '2024-02-16T08:11:23Z',
};
const opensslFinding: VulnerabilityFinding = {
  id: 'CVE-2025-9230',
  aliases: [],
  package: 'libssl3',
  version: '3.0.22-1~deb12u2',
  fixVersion: null,
  severity: 'Medium',
  summary: null,
  description: 'Out-of-bounds read & write in RFC 3211 KEK Unwrap',
  links: [],
  cweIds: [],
  ecosystem: 'Debian:12',
  source: 'debian-tracker',
  modified: null,
};

const build = (findings: VulnerabilityFinding[]) =>
  buildVulnerabilityReport({
    findings,
    packages,
    layers,
    scanner,
    artifact: {
      repository: 'library/app',
      digest: 'sha256:9999',
      tag: 'v1',
      mime_type: 'application/vnd.oci.image.manifest.v1+json',
    },
    generatedAt: new Date('2026-01-02T03:04:05.000Z'),
  });

describe('buildVulnerabilityReport', () => {
  it("gives Harbor's version=1.1 report, item by item", () => {
    expect(build([opensslFinding, lodashFinding])).toEqual({
      generated_at: '2026-01-02T03:04:05.000Z',
      artifact: {
        repository: 'library/app',
        digest: 'sha256:9999',
        tag: 'v1',
        mime_type: 'application/vnd.oci.image.manifest.v1+json',
      },
      scanner: { name: 'Berth', vendor: 'Berth', version: '0.1.0' },
      severity: 'High',
      vulnerabilities: [
        {
          id: 'CVE-2020-8203',
          package: 'lodash',
          version: '4.17.15',
          fix_version: '4.17.19',
          severity: 'High',
          description: 'Prototype Pollution in lodash',
          links: [
            'https://nvd.nist.gov/vuln/detail/CVE-2020-8203',
            'https://github.com/lodash/lodash/issues/4874',
            'https://osv.dev/vulnerability/CVE-2020-8203',
          ],
          layer: { digest: layers[1]!.digest, diff_id: 'sha256:bbbb' },
          preferred_cvss: { score_v3: 7.4, vector_v3: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H' },
          cwe_ids: ['CWE-1321', 'CWE-770'],
          vendor_attributes: {
            CVSS: { osv: { V3Vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H', V3Score: 7.4 } },
            berth: {
              ecosystem: 'npm',
              aliases: ['GHSA-p6mc-m468-83gw'],
              source: 'osv',
              package_path: 'app/node_modules/lodash/package.json',
              package_paths: ['app/node_modules/lodash/package.json', 'app/package-lock.json'],
              fixed: true,
            },
          },
        },
        {
          id: 'CVE-2025-9230',
          package: 'libssl3',
          version: '3.0.22-1~deb12u2',
          fix_version: '',
          severity: 'Medium',
          description: 'Out-of-bounds read & write in RFC 3211 KEK Unwrap',
          links: ['https://security-tracker.debian.org/tracker/CVE-2025-9230'],
          layer: { digest: layers[0]!.digest, diff_id: 'sha256:aaaa' },
          cwe_ids: [],
          vendor_attributes: {
            berth: {
              ecosystem: 'Debian:12',
              aliases: [],
              source: 'debian-tracker',
              package_path: 'var/lib/dpkg/status',
              source_package: 'openssl',
              fixed: false,
            },
          },
        },
      ],
    } satisfies HarborVulnerabilityReport);
  });

  it('sorts by severity (highest first), then id, then package, then version', () => {
    const f = (id: string, pkg: ImagePackage, severity: VulnerabilityFinding['severity']) => ({
      ...opensslFinding,
      id,
      package: pkg.name,
      version: pkg.version,
      severity,
    });
    const report = build([
      f('CVE-2023-2', zlib1g, 'Low'),
      f('CVE-2023-1', zlib1g, 'Low'),
      f('CVE-2023-3', libssl3, 'Unknown'),
      f('CVE-2023-9', libssl3, 'Critical'),
      f('CVE-2023-1', libssl3, 'Low'),
      f('CVE-2023-5', zlib1g, 'None'),
    ]);
    expect(report.vulnerabilities.map((v) => `${v.severity} ${v.id} ${v.package}`)).toEqual([
      'Critical CVE-2023-9 libssl3',
      'Low CVE-2023-1 libssl3',
      'Low CVE-2023-1 zlib1g',
      'Low CVE-2023-2 zlib1g',
      'Unknown CVE-2023-3 libssl3',
      'None CVE-2023-5 zlib1g',
    ]);
    expect(report.severity).toBe('Critical');
  });

  it('an image without findings has severity None and no items', () => {
    const report = build([]);
    expect(report.severity).toBe('None');
    expect(report.vulnerabilities).toEqual([]);
  });

  it('one item per (id, package, version) when two sources match: the most severe, with everything both link', () => {
    const fromTracker: VulnerabilityFinding = {
      ...lodashFinding,
      severity: 'Critical',
      source: 'debian-tracker',
      cvss: undefined,
      summary: null,
      description: null,
      links: ['https://example.org/advisory', 'javascript:alert(1)'],
      cweIds: ['CWE-400'],
      aliases: ['DSA-0000-1'],
    };
    const report = build([lodashFinding, fromTracker]);
    expect(report.vulnerabilities).toHaveLength(1);
    const item = report.vulnerabilities[0]!;
    expect(item.severity).toBe('Critical');
    // The CVSS and description come from the finding that has them.
    expect(item.preferred_cvss?.score_v3).toBe(7.4);
    expect(item.description).toBe('Prototype Pollution in lodash');
    // Links from imported data that are not http(s) never reach the GUI.
    expect(item.links).not.toContain('javascript:alert(1)');
    expect(item.links).toContain('https://example.org/advisory');
    expect(item.cwe_ids).toEqual(['CWE-1321', 'CWE-770', 'CWE-400']);
    expect((item.vendor_attributes!.berth as { aliases: string[] }).aliases).toEqual([
      'GHSA-p6mc-m468-83gw',
      'DSA-0000-1',
    ]);
  });

  it('takes the description from the details when there is no summary; CVSS 4 is kept out of preferred_cvss', () => {
    const report = build([
      {
        ...lodashFinding,
        summary: null,
        cvss: { vector: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', score: 9.3, version: '4.0' },
      },
    ]);
    const item = report.vulnerabilities[0]!;
    expect(item.description).toBe(lodashFinding.description);
    expect(item.preferred_cvss).toBeUndefined();
    expect(item.vendor_attributes!.CVSS).toEqual({
      osv: { V40Vector: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', V40Score: 9.3 },
    });
  });

  it('a finding whose package is not in the inventory has no layer and no path', () => {
    const report = build([{ ...lodashFinding, package: 'left-pad', version: '1.0.0' }]);
    const item = report.vulnerabilities[0]!;
    expect(item.layer).toBeUndefined();
    expect(item.vendor_attributes!.berth).not.toHaveProperty('package_path');
  });
});

describe('severities', () => {
  it('orders None < Unknown < Low < Medium < High < Critical', () => {
    expect(severityAtLeast('High', 'Medium')).toBe(true);
    expect(severityAtLeast('Medium', 'Medium')).toBe(true);
    expect(severityAtLeast('Low', 'Medium')).toBe(false);
    expect(severityAtLeast('Unknown', 'None')).toBe(true);
    expect(severityAtLeast('None', 'Unknown')).toBe(false);
    expect(highestSeverity([{ severity: 'Low' }, { severity: 'Unknown' }, { severity: 'Medium' }])).toBe('Medium');
    expect(highestSeverity([])).toBe('None');
  });
});

describe('allowlists', () => {
  const report = build([
    lodashFinding,
    opensslFinding,
    { ...opensslFinding, id: 'CVE-2024-1', severity: 'Low', fixVersion: '3.0.23-1' },
  ]);

  it('counts per severity and fixable, leaving allowlisted ids out', () => {
    expect(countSeverities(report.vulnerabilities)).toEqual({
      total: 3,
      fixable: 2,
      critical: 0,
      high: 1,
      medium: 1,
      low: 1,
      unknown: 0,
      none: 0,
    });
    const allowed = allowlistInForce({ projectId: 1, expiresAt: null, items: [' cve-2020-8203 '] }, new Date());
    expect(countSeverities(report.vulnerabilities, allowed)).toEqual({
      total: 2,
      fixable: 1,
      critical: 0,
      high: 0,
      medium: 1,
      low: 1,
      unknown: 0,
      none: 0,
    });
  });

  it('counts a severity Harbor does not know (from an external adapter) as Unknown', () => {
    const odd = { ...report.vulnerabilities[0]!, severity: 'Negligible' as Severity };
    expect(highestSeverity([odd, { severity: 'None' }])).toBe('Unknown');
    expect(countSeverities([odd])).toEqual({
      total: 1,
      fixable: 1,
      critical: 0,
      high: 0,
      medium: 0,
      low: 0,
      unknown: 1,
      none: 0,
    });
  });

  it('policy sees the report without allowlisted items, its severity from what is left', () => {
    const allowed = new Set(['CVE-2020-8203']);
    const filtered = applyAllowlist(report, allowed);
    expect(filtered.severity).toBe('Medium');
    expect(filtered.vulnerabilities.map((v) => v.id)).toEqual(['CVE-2025-9230', 'CVE-2024-1']);
    // The input is not changed.
    expect(report.vulnerabilities).toHaveLength(3);
    expect(report.severity).toBe('High');
  });

  it('the GUI sees every item, the allowlisted ones marked, severity without them', () => {
    const marked = markAllowlisted(report, new Set(['CVE-2020-8203']));
    expect(marked.severity).toBe('Medium');
    expect(marked.vulnerabilities).toHaveLength(3);
    const flags = marked.vulnerabilities.map((v) => [
      v.id,
      (v.vendor_attributes?.berth as { allowlisted?: boolean }).allowlisted,
    ]);
    expect(flags).toEqual([
      ['CVE-2020-8203', true],
      ['CVE-2025-9230', undefined],
      ['CVE-2024-1', undefined],
    ]);
    // Other attributes are kept.
    expect(marked.vulnerabilities[0]!.vendor_attributes!.CVSS).toEqual(
      report.vulnerabilities[0]!.vendor_attributes!.CVSS,
    );
    expect(report.vulnerabilities[0]!.vendor_attributes!.berth as object).not.toHaveProperty('allowlisted');
  });

  it('an expired list allows nothing; one that expires later allows its items; null never expires', () => {
    const now = new Date('2026-03-01T00:00:00Z');
    const at = (iso: string) => Date.parse(iso) / 1000;
    const items = ['CVE-2020-8203', 'CVE-2025-9230'];
    expect(allowlistInForce({ projectId: 0, expiresAt: at('2026-02-28T23:59:59Z'), items }, now).size).toBe(0);
    expect(allowlistInForce({ projectId: 0, expiresAt: at('2026-03-01T00:00:00Z'), items }, now).size).toBe(0);
    expect([...allowlistInForce({ projectId: 0, expiresAt: at('2026-03-01T00:00:01Z'), items }, now)]).toEqual(items);
    expect([...allowlistInForce({ projectId: 0, expiresAt: null, items }, now)]).toEqual(items);
    const expired = allowlistInForce({ projectId: 0, expiresAt: at('2026-01-01T00:00:00Z'), items }, now);
    expect(countSeverities(report.vulnerabilities, expired).total).toBe(3);
  });
});

describe('mergeIndexReports', () => {
  const amd64 = 'sha256:aaaa000000000000000000000000000000000000000000000000000000000000';
  const arm64 = 'sha256:bbbb000000000000000000000000000000000000000000000000000000000000';
  const amd64Report = build([lodashFinding, opensslFinding]);
  // The arm64 image: the same npm layer, its own Debian layer, a fix known by then.
  const arm64Report = buildVulnerabilityReport({
    findings: [lodashFinding, { ...opensslFinding, fixVersion: '3.0.23-1' }],
    packages,
    layers: [{ digest: 'sha256:3333' }, layers[1]!],
    scanner,
    generatedAt: '2026-01-02T03:05:00.000Z',
  });

  it('one item per (id, package, version), naming the children that carry it', () => {
    const onlyArm = buildVulnerabilityReport({
      findings: [{ ...opensslFinding, id: 'CVE-2024-7', severity: 'Critical' }],
      packages,
      layers: [{ digest: 'sha256:3333' }],
      scanner,
      generatedAt: '2026-01-02T03:00:00.000Z',
    });
    const merged = mergeIndexReports(
      [
        { digest: amd64, report: amd64Report },
        { digest: arm64, report: arm64Report },
        { digest: arm64, report: onlyArm },
      ],
      {
        artifact: {
          repository: 'library/app',
          digest: 'sha256:index',
          mime_type: 'application/vnd.oci.image.index.v1+json',
        },
      },
    );
    expect(merged.generated_at).toBe('2026-01-02T03:05:00.000Z');
    expect(merged.severity).toBe('Critical');
    expect(merged.artifact?.digest).toBe('sha256:index');
    expect(merged.vulnerabilities.map((v) => [v.id, v.package, v.artifact_digests])).toEqual([
      ['CVE-2024-7', 'libssl3', [arm64]],
      ['CVE-2020-8203', 'lodash', [amd64, arm64]],
      ['CVE-2025-9230', 'libssl3', [amd64, arm64]],
    ]);
    const byId = new Map(merged.vulnerabilities.map((v) => [v.id, v]));
    // The shared npm layer is the same in both children; the Debian layers differ, so none is named.
    expect(byId.get('CVE-2020-8203')!.layer).toEqual({ digest: layers[1]!.digest, diff_id: 'sha256:bbbb' });
    expect(byId.get('CVE-2025-9230')!.layer).toBeUndefined();
    // A fix one child's advisories know is the index's fix.
    expect(byId.get('CVE-2025-9230')!.fix_version).toBe('3.0.23-1');
    expect(byId.get('CVE-2025-9230')!.vendor_attributes!.berth).toMatchObject({ fixed: true });
    expect(countSeverities(merged.vulnerabilities).fixable).toBe(2);
    // The children's reports are not changed.
    expect(amd64Report.vulnerabilities.every((v) => v.artifact_digests === undefined)).toBe(true);
  });

  it("takes an adapter's null vulnerabilities as none", () => {
    const clean = { ...amd64Report, vulnerabilities: null as unknown as HarborVulnerabilityItem[] };
    const merged = mergeIndexReports([
      { digest: amd64, report: clean },
      { digest: arm64, report: arm64Report },
    ]);
    expect(merged.vulnerabilities.map((v) => v.artifact_digests)).toEqual([[arm64], [arm64]]);
    expect(merged.scanner).toEqual(scanner);
  });
});
