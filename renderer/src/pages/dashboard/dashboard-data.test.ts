import { describe, expect, it } from 'vitest';
import {
  byteTicks,
  mergePushes,
  pushFromAudit,
  pushFromLive,
  storageBars,
  tickLabel,
  type AuditLog,
} from './dashboard-data';

const MiB = 1024 * 1024;

/** Entries as a Berth server wrote them for skopeo pushes (GET /audit-logs). */
const audit = (id: number, resource: string, op_time: string, extra: Partial<AuditLog> = {}): AuditLog => ({
  id,
  username: 'admin',
  resource,
  resource_type: 'artifact',
  operation: 'create',
  op_time,
  ...extra,
});

describe('storage chart bars', () => {
  it('shows the largest projects first and puts the rest in one bar sized from the server total', () => {
    const bars = storageBars(
      [
        { name: 'b', bytes: 5 * MiB },
        { name: 'a', bytes: 9 * MiB },
      ],
      { top: 2, projectCount: 5, totalBytes: 20 * MiB },
    );
    expect(bars.map((b) => [b.name, b.bytes, b.others ?? false, b.count])).toEqual([
      ['a', 9 * MiB, false, undefined],
      ['b', 5 * MiB, false, undefined],
      ['', 6 * MiB, true, 3],
    ]);
  });

  it('has no others bar when every project is shown', () => {
    const bars = storageBars([{ name: 'library', bytes: MiB }], { top: 8, projectCount: 1, totalBytes: MiB });
    expect(bars).toHaveLength(1);
  });

  it('sums the remainder itself when there is no total', () => {
    const bars = storageBars(
      ['p1', 'p2', 'p3'].map((name, i) => ({ name, bytes: (i + 1) * MiB })),
      { top: 1 },
    );
    expect(bars.map((b) => b.bytes)).toEqual([3 * MiB, 3 * MiB]);
    expect(bars[1]?.count).toBe(2);
  });
});

describe('axis ticks', () => {
  it('are round values of one unit ending at or above the largest bar', () => {
    expect(byteTicks(5.87 * MiB)).toEqual([0, 2, 4, 6].map((v) => v * MiB));
    expect(byteTicks(900)).toEqual([0, 500, 1000]);
    expect(byteTicks(3 * 1024 ** 3)).toEqual([0, 1, 2, 3].map((v) => v * 1024 ** 3));
    expect(byteTicks(0)).toEqual([0]);
  });

  it('read without trailing zeros', () => {
    expect(tickLabel('2.00 MiB')).toBe('2 MiB');
    expect(tickLabel('2.50 MiB')).toBe('2.5 MiB');
    expect(tickLabel('0 B')).toBe('0 B');
    expect(tickLabel('200 KiB')).toBe('200 KiB');
  });
});

describe('recent pushes', () => {
  it('reads tagged, digest and nested repository names from the audit log', () => {
    expect(pushFromAudit(audit(1, 'team/app/backend:v1.9.3', '2026-11-26T07:01:09.148Z'))).toMatchObject({
      repository: 'team/app/backend',
      project: 'team',
      tag: 'v1.9.3',
      digest: null,
    });
    const digest = 'sha256:ebe86da1c54fae2f3ea21aa1fcca92d3cd42abb02df91f3565a50314a2ae5b93';
    expect(pushFromAudit(audit(2, `library/multi@${digest}`, '2026-11-26T07:01:09.593Z'))).toMatchObject({
      repository: 'library/multi',
      project: 'library',
      tag: null,
      digest,
    });
  });

  it('ignores entries that are not pushes', () => {
    expect(pushFromAudit(audit(3, 'library/a:1', 'x', { operation: 'delete' }))).toBeUndefined();
    expect(pushFromAudit(audit(4, 'library/a:1', 'x', { resource_type: 'tag' }))).toBeUndefined();
    expect(pushFromAudit(audit(5, 'localhost:5000/nginx', 'x'))).toBeUndefined();
  });

  it('puts a live push first and keeps one entry per tag, newest first', () => {
    const live = pushFromLive({
      repository: 'library/busybox',
      digest: 'sha256:aa',
      media_type: 'application/vnd.oci.image.manifest.v1+json',
      tag: 'latest',
      size: 1234,
      project_name: 'library',
      at: '2026-11-26T08:00:00.500Z',
    });
    const audited = [
      audit(10, 'library/busybox:latest', '2026-11-26T08:00:00.000Z', { username: 'alice' }),
      audit(9, 'library/other:1', '2026-11-26T07:59:00.000Z'),
      audit(8, 'library/busybox:latest', '2026-11-26T07:00:00.000Z'),
    ].flatMap((e) => pushFromAudit(e) ?? []);
    const feed = mergePushes([live], audited, 10);
    expect(feed.map((p) => [p.repository, p.tag, p.live])).toEqual([
      ['library/busybox', 'latest', true],
      ['library/other', '1', false],
    ]);
    // The stream does not say who pushed; the audit entry of the same push does.
    expect(feed[0]?.username).toBe('alice');
    expect(mergePushes([live], audited, 1)).toHaveLength(1);
  });
});
