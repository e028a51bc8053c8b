import { describe, expect, it } from 'vitest';
import {
  barSegments,
  countFindings,
  cycloneDxPackages,
  filterFindings,
  findingLink,
  overviewOf,
  parseCveIds,
  scanState,
  sortFindings,
  validTimeWindow,
} from './scan-logic';
import { VULNERABILITY_REPORT_MIME, type VulnerabilityItem } from './scan-types';

const item = (id: string, pkg: string, severity: string, extra: Partial<VulnerabilityItem> = {}): VulnerabilityItem =>
  ({
    id,
    package: pkg,
    version: '1.0',
    fix_version: '',
    severity,
    description: '',
    links: [],
    ...extra,
  }) as VulnerabilityItem;

describe('severity bar', () => {
  it('has one segment per severity present, highest first, widths adding up to 100', () => {
    const segments = barSegments({ Low: 10, Critical: 30, High: 60, Medium: 0 });
    expect(segments.map((s) => s.severity)).toEqual(['Critical', 'High', 'Low']);
    expect(segments.reduce((n, s) => n + s.percent, 0)).toBeCloseTo(100);
    expect(segments[0]!.percent).toBeCloseTo(30);
  });

  it('keeps a single Low among hundreds of Highs visible', () => {
    const segments = barSegments({ High: 999, Low: 1 });
    expect(segments.find((s) => s.severity === 'Low')!.percent).toBe(4);
    expect(segments.reduce((n, s) => n + s.percent, 0)).toBeCloseTo(100);
  });

  it('is empty for a clean report', () => {
    expect(barSegments({ None: 0 })).toEqual([]);
    expect(barSegments(undefined)).toEqual([]);
  });
});

describe('scan state', () => {
  it('reads Harbor’s overview keyed by the report media type', () => {
    const overview = { report_id: 'r', scan_status: 'Running' as const, complete_percent: 40 };
    expect(overviewOf({ scan_overview: { [VULNERABILITY_REPORT_MIME]: overview } })).toBe(overview);
    expect(scanState(overview)).toBe('scanning');
    expect(scanState(undefined)).toBe('none');
    expect(scanState({ report_id: 'r', scan_status: 'Error' })).toBe('error');
    expect(scanState({ report_id: 'r', scan_status: 'Pending' })).toBe('queued');
  });
});

describe('findings', () => {
  const items = [
    item('CVE-2024-1', 'zlib1g', 'Medium', { preferred_cvss: { score_v3: 5.3 }, fix_version: '1.3' }),
    item('CVE-2024-2', 'libexpat1', 'High', { preferred_cvss: { score_v3: 7.5 } }),
    item('CVE-2024-3', 'libexpat1', 'Critical', {
      vendor_attributes: { berth: { allowlisted: true, aliases: ['GHSA-xxxx'] } },
    }),
    item('CVE-2024-4', 'bash', 'High', { preferred_cvss: { score_v3: 9.8 }, description: 'Heap overflow' }),
  ];

  it('sorts by severity with allowlisted findings last, then CVSS', () => {
    expect(sortFindings(items, 'severity').map((v) => v.id)).toEqual([
      'CVE-2024-4',
      'CVE-2024-2',
      'CVE-2024-1',
      'CVE-2024-3',
    ]);
    expect(sortFindings(items, 'cvss').map((v) => v.id)).toEqual([
      'CVE-2024-4',
      'CVE-2024-2',
      'CVE-2024-1',
      'CVE-2024-3',
    ]);
    expect(sortFindings(items, 'package').map((v) => v.id)).toEqual([
      'CVE-2024-4',
      'CVE-2024-3',
      'CVE-2024-2',
      'CVE-2024-1',
    ]);
  });

  it('filters by severity, fix and text (aliases and descriptions included)', () => {
    const none = { severities: [], fixableOnly: false, search: '' };
    expect(filterFindings(items, { ...none, severities: ['High'] }).map((v) => v.id)).toEqual([
      'CVE-2024-2',
      'CVE-2024-4',
    ]);
    expect(filterFindings(items, { ...none, fixableOnly: true }).map((v) => v.id)).toEqual(['CVE-2024-1']);
    expect(filterFindings(items, { ...none, search: 'ghsa-XXXX' }).map((v) => v.id)).toEqual(['CVE-2024-3']);
    expect(filterFindings(items, { ...none, search: 'heap' }).map((v) => v.id)).toEqual(['CVE-2024-4']);
  });

  it('counts by severity and fix', () => {
    const c = countFindings(items);
    expect(c).toMatchObject({ total: 4, fixable: 1 });
    expect(c.bySeverity).toMatchObject({ Critical: 1, High: 2, Medium: 1, Low: 0 });
  });

  it('links an id to its first web link, else a CVE to NVD', () => {
    expect(
      findingLink(
        item('CVE-2024-9', 'x', 'Low', { links: ['https://security-tracker.debian.org/tracker/CVE-2024-9'] }),
      ),
    ).toBe('https://security-tracker.debian.org/tracker/CVE-2024-9');
    expect(findingLink(item('CVE-2024-9', 'x', 'Low'))).toBe('https://nvd.nist.gov/vuln/detail/CVE-2024-9');
    expect(findingLink(item('GO-2024-1', 'x', 'Low'))).toBeUndefined();
  });
});

describe('SBOM packages', () => {
  it('lists CycloneDX components, nested ones too, by name, once each', () => {
    const doc = {
      bomFormat: 'CycloneDX',
      components: [
        {
          'bom-ref': 'a',
          type: 'library',
          name: 'zlib1g',
          version: '1:1.2.13.dfsg-1',
          purl: 'pkg:deb/debian/zlib1g@1.2.13',
        },
        {
          'bom-ref': 'b',
          type: 'library',
          group: '@babel',
          name: 'core',
          version: '7.0.0',
          components: [{ 'bom-ref': 'a', name: 'zlib1g', version: 'dup' }],
        },
      ],
    };
    expect(cycloneDxPackages(doc).map((p) => `${p.name}@${p.version}`)).toEqual([
      '@babel/core@7.0.0',
      'zlib1g@1:1.2.13.dfsg-1',
    ]);
    expect(cycloneDxPackages(null)).toEqual([]);
  });
});

describe('allowlist text and settings', () => {
  it('takes ids one per line or comma-separated, upper-cases CVE ids, drops duplicates, reports the rest', () => {
    expect(parseCveIds('cve-2024-1234\nCVE-2024-1234, GHSA-p6mc-m468-83gw  not an id!')).toEqual({
      ids: ['CVE-2024-1234', 'GHSA-p6mc-m468-83gw'],
      invalid: ['not', 'an', 'id!'],
    });
  });

  it('accepts HH:MM-HH:MM time windows (past midnight too) and refuses empty ones', () => {
    expect(validTimeWindow('01:00-06:00')).toBe(true);
    expect(validTimeWindow('22:30-05:00')).toBe(true);
    expect(validTimeWindow('24:00-01:00')).toBe(false);
    expect(validTimeWindow('03:00-03:00')).toBe(false);
    expect(validTimeWindow('1-6')).toBe(false);
  });
});
