import { describe, expect, it } from 'vitest';
import {
  advisorySeverity,
  debianUrgencySeverity,
  ghsaSeverity,
  maxSeverity,
  severityFromCvssScore,
} from './severity.js';

describe('severity', () => {
  it('maps CVSS scores to the qualitative scale at its edges', () => {
    expect([0, 0.1, 3.9, 4, 6.9, 7, 8.9, 9, 10].map(severityFromCvssScore)).toEqual([
      'None',
      'Low',
      'Low',
      'Medium',
      'Medium',
      'High',
      'High',
      'Critical',
      'Critical',
    ]);
  });

  it('takes the CVSS v3 vector before GitHub’s word', () => {
    // GHSA-rv95-896h-c2vc (express): MODERATE and a 6.1 vector.
    expect(
      advisorySeverity({
        severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N' }],
        databaseSpecific: { severity: 'CRITICAL' },
      }),
    ).toEqual({
      severity: 'Medium',
      cvss: { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N', score: 6.1 },
    });
  });

  it('prefers a 3.1 vector to a 3.0 one', () => {
    const result = advisorySeverity({
      severity: [
        { type: 'CVSS_V3', score: 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N' },
        { type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' },
      ],
    });
    expect(result.cvss?.score).toBe(9.8);
  });

  it('uses GitHub’s word for a CVSS v4-only record and leaves cvss empty', () => {
    const v4 = [{ type: 'CVSS_V4', score: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N' }];
    expect(advisorySeverity({ severity: v4, databaseSpecific: { severity: 'MODERATE' } })).toEqual({
      severity: 'Medium',
    });
    expect(advisorySeverity({ severity: v4 })).toEqual({ severity: 'Unknown' });
  });

  it('falls back to the Debian urgency, then Unknown', () => {
    expect(advisorySeverity({ severity: [], urgency: 'high**' })).toEqual({ severity: 'High' });
    expect(advisorySeverity({ severity: [], urgency: 'unimportant' })).toEqual({ severity: 'Low' });
    expect(advisorySeverity({ severity: [], urgency: 'not yet assigned' })).toEqual({ severity: 'Unknown' });
    expect(advisorySeverity({ severity: [{ type: 'Ubuntu', score: 'medium' }] })).toEqual({ severity: 'Medium' });
    expect(advisorySeverity({ severity: [{ type: 'CVSS_V3', score: 'garbage' }] })).toEqual({ severity: 'Unknown' });
  });

  it('reads the words it knows and nothing else', () => {
    expect(['LOW', 'MODERATE', 'HIGH', 'CRITICAL', 'severe', 3].map(ghsaSeverity)).toEqual([
      'Low',
      'Medium',
      'High',
      'Critical',
      null,
      null,
    ]);
    expect(
      ['unimportant', 'low**', 'medium', 'high', 'not yet assigned', 'end-of-life'].map(debianUrgencySeverity),
    ).toEqual(['Low', 'Low', 'Medium', 'High', null, null]);
  });

  it('orders severities as Harbor does', () => {
    expect(maxSeverity('Unknown', 'Low')).toBe('Low');
    expect(maxSeverity('None', 'Unknown')).toBe('Unknown');
    expect(maxSeverity('Critical', 'High')).toBe('Critical');
  });
});
