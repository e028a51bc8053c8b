import { describe, expect, it } from 'vitest';
import type { RetentionRule } from '../meta/retention-types.js';
import {
  readRetentionPolicy,
  retainedDigests,
  rulesForRepository,
  type RetentionCandidate,
} from './retention-policy.js';

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2026, 0, 31);

function rule(template: string, n?: number, tag = '**', extras?: string, repo = '**'): RetentionRule {
  return {
    id: 1,
    priority: 0,
    disabled: false,
    action: 'retain',
    template,
    params: n === undefined ? {} : { [template]: n },
    tagSelectors: [{ kind: 'doublestar', decoration: 'matches', pattern: tag, ...(extras ? { extras } : {}) }],
    scopeSelectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: repo }] },
  };
}

/** Artifact `d<i>` pushed `i` days ago (so d1 is the newest), pulled as given (days ago). */
function candidates(spec: { tags: string[]; pulledDaysAgo?: number }[]): RetentionCandidate[] {
  return spec.map((s, i) => ({
    id: 100 - i,
    digest: `d${i + 1}`,
    tags: s.tags,
    pushedAt: NOW - (i + 1) * DAY,
    pulledAt: s.pulledDaysAgo === undefined ? null : NOW - s.pulledDaysAgo * DAY,
  }));
}

const keep = (rules: RetentionRule[], c: RetentionCandidate[]) => [...retainedDigests(rules, c, NOW)].sort();

describe('retention templates (Harbor semantics)', () => {
  const set = candidates([
    { tags: ['v1'], pulledDaysAgo: 40 },
    { tags: ['v2'], pulledDaysAgo: 1 },
    { tags: [], pulledDaysAgo: 2 },
    { tags: ['latest', 'v3'] },
    { tags: ['v4'], pulledDaysAgo: 10 },
  ]);

  it('latestPushedK keeps the K most recently pushed selected artifacts', () => {
    expect(keep([rule('latestPushedK', 2)], set)).toEqual(['d1', 'd2']);
    // The untagged d3 competes only when the selector includes untagged artifacts.
    expect(keep([rule('latestPushedK', 3, '**', '{"untagged":false}')], set)).toEqual(['d1', 'd2', 'd4']);
    expect(keep([rule('latestPushedK', 0)], set)).toEqual([]);
  });

  it('latestPulledN keeps the N most recently pulled; never pulled comes last', () => {
    expect(keep([rule('latestPulledN', 2)], set)).toEqual(['d2', 'd3']);
    expect(keep([rule('latestPulledN', 5)], set)).toEqual(['d1', 'd2', 'd3', 'd4', 'd5']);
  });

  it('latestActiveK ranks by the later of push and pull', () => {
    // d5 pushed 5 days ago but pulled 10 days ago: active 5 days ago; d2 pulled 1 day ago.
    expect(keep([rule('latestActiveK', 2)], set)).toEqual(['d1', 'd2']);
  });

  it('nDaysSinceLastPush and nDaysSinceLastPull keep what happened within N days', () => {
    expect(keep([rule('nDaysSinceLastPush', 3)], set)).toEqual(['d1', 'd2', 'd3']);
    expect(keep([rule('nDaysSinceLastPull', 5)], set)).toEqual(['d2', 'd3']);
    expect(keep([rule('nDaysSinceLastPull', 40)], set)).toEqual(['d1', 'd2', 'd3', 'd5']);
  });

  it('always keeps everything its tag selector selects (untagged too, unless extras say otherwise)', () => {
    expect(keep([rule('always', undefined, 'v*')], set)).toEqual(['d1', 'd2', 'd3', 'd4', 'd5']);
    expect(keep([rule('always', undefined, 'latest', '{"untagged":false}')], set)).toEqual(['d4']);
  });

  it('rules combine with or; disabled rules and rules without tag selectors retain nothing', () => {
    const latest = rule('always', undefined, 'latest', '{"untagged":false}');
    expect(keep([rule('latestPushedK', 1), latest], set)).toEqual(['d1', 'd4']);
    expect(keep([{ ...rule('always'), disabled: true }], set)).toEqual([]);
    expect(keep([{ ...rule('always'), tagSelectors: [] }], set)).toEqual([]);
  });

  it('ties go to the newer artifact, the same every time', () => {
    const tied = candidates([{ tags: ['a'] }, { tags: ['b'] }, { tags: ['c'] }]).map((c) => ({ ...c, pushedAt: NOW }));
    expect(keep([rule('latestPushedK', 1)], tied)).toEqual(['d1']);
  });
});

describe('rulesForRepository', () => {
  it('selects by the path inside the project; disabled rules do not apply', () => {
    const rules = [rule('always', undefined, '**', undefined, 'team/**'), { ...rule('always'), disabled: true }];
    expect(rulesForRepository(rules, 'team/app')).toHaveLength(1);
    expect(rulesForRepository(rules, 'other')).toHaveLength(0);
  });
});

describe('readRetentionPolicy', () => {
  const body = (rules: unknown[]) => ({
    algorithm: 'or',
    rules,
    trigger: { kind: 'Schedule', settings: { cron: '0 0 0 * * *' } },
    scope: { level: 'project', ref: 1 },
  });
  const r = {
    template: 'latestPushedK',
    params: { latestPushedK: 3 },
    tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: '**' }],
    scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
  };

  it("accepts Harbor's policy and refuses what Harbor's validator refuses", () => {
    expect(readRetentionPolicy(body([r])).rules[0]).toMatchObject({ template: 'latestPushedK', action: 'retain' });
    expect(() => readRetentionPolicy(body([{ ...r, params: {} }]))).toThrow(/missing required parameter/);
    expect(() => readRetentionPolicy(body([{ ...r, params: { latestPushedK: -1 } }]))).toThrow(/less than zero/);
    expect(() => readRetentionPolicy(body([{ ...r, params: { latestPushedK: 40000 } }]))).toThrow(/too large/);
    expect(() => readRetentionPolicy(body([{ ...r, template: 'nothing' }]))).toThrow(/not registered/);
    expect(() => readRetentionPolicy(body([r, r]))).toThrow(/conflict/);
    expect(() =>
      readRetentionPolicy(body(Array.from({ length: 16 }, (_, i) => ({ ...r, params: { latestPushedK: i } })))),
    ).toThrow(/15 rules/);
    expect(() => readRetentionPolicy({ ...body([r]), scope: { level: 'system', ref: 0 } })).toThrow(/not supported/);
  });
});
