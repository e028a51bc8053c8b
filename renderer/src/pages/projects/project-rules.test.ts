import { describe, expect, it } from 'vitest';
import {
  ROBOT_NAME,
  ROBOT_PRESETS,
  accessKeys,
  auditQ,
  draftToRule,
  fromBytes,
  projectNameProblem,
  projectSearchQ,
  robotExpired,
  robotPermissions,
  robotShortName,
  ruleToDraft,
  scheduleChoice,
  toBytes,
  untaggedOf,
} from './project-rules';

describe('project names, checked as Harbor does before the server is asked', () => {
  it('accepts lower-case names with single separators', () => {
    for (const name of ['library', 'team-a', 'a.b', 'a_b', 'a__b', 'a--b', 'x1']) {
      expect(projectNameProblem(name), name).toBeNull();
    }
  });

  it('refuses upper case, leading or trailing separators, and other characters', () => {
    for (const name of ['Team', '-a', 'a-', 'a..b', 'a___b', 'a/b', 'a b', 'ä']) {
      expect(projectNameProblem(name), name).toBe('nameInvalid');
    }
    expect(projectNameProblem('')).toBe('nameRequired');
    expect(projectNameProblem('a'.repeat(256))).toBe('nameTooLong');
    expect(projectNameProblem('a'.repeat(255))).toBeNull();
  });
});

describe('storage limits', () => {
  it('converts the unit the user picked to bytes, -1 for unlimited', () => {
    expect(toBytes(10, 'GiB', false)).toBe(10 * 2 ** 30);
    expect(toBytes(1.5, 'MiB', false)).toBe(1.5 * 2 ** 20);
    expect(toBytes(10, 'GiB', true)).toBe(-1);
  });

  it('shows a limit in the largest whole unit', () => {
    expect(fromBytes(5 * 2 ** 30)).toEqual({ value: 5, unit: 'GiB', unlimited: false });
    expect(fromBytes(2 * 2 ** 20)).toEqual({ value: 2, unit: 'MiB', unlimited: false });
    expect(fromBytes(3 * 2 ** 40)).toEqual({ value: 3, unit: 'TiB', unlimited: false });
    expect(fromBytes(-1).unlimited).toBe(true);
  });
});

describe('robot accounts', () => {
  it('builds the one project permission a project robot may hold', () => {
    expect(robotPermissions('web', ['repository:pull', 'repository:push', 'repository:pull'])).toEqual([
      {
        kind: 'project',
        namespace: 'web',
        access: [
          { resource: 'repository', action: 'pull' },
          { resource: 'repository', action: 'push' },
        ],
      },
    ]);
  });

  it('reads back what a robot holds, ignoring denials', () => {
    const keys = accessKeys([
      {
        kind: 'project',
        namespace: 'web',
        access: [
          { resource: 'artifact-label', action: 'create' },
          { resource: 'tag', action: 'delete', effect: 'deny' },
        ],
      },
    ]);
    expect(keys).toEqual(['artifact-label:create']);
  });

  it('the pull preset cannot push and the push preset cannot delete', () => {
    expect(ROBOT_PRESETS.pull).not.toContain('repository:push');
    expect(ROBOT_PRESETS.push).toContain('repository:push');
    expect(ROBOT_PRESETS.push.some((k) => k.endsWith(':delete'))).toBe(false);
  });

  it('names and expiry', () => {
    expect(robotShortName('robot$web-shop+ci')).toBe('ci');
    expect(robotShortName('robot$sys')).toBe('sys');
    expect(ROBOT_NAME.test('ci.build-1')).toBe(true);
    expect(ROBOT_NAME.test('ci+x')).toBe(false);
    expect(robotExpired(-1)).toBe(false);
    expect(robotExpired(100, 200_000)).toBe(true);
    expect(robotExpired(300, 200_000)).toBe(false);
  });
});

describe('retention rules', () => {
  it('round-trips a rule through the form', () => {
    const rule = draftToRule(
      {
        repoDecoration: 'repoExcludes',
        repoPattern: ' tmp/** ',
        tagDecoration: 'matches',
        tagPattern: 'v*',
        untagged: false,
        template: 'latestPushedK',
        count: 5,
      },
      true,
    );
    expect(rule).toEqual({
      priority: 0,
      disabled: false,
      action: 'retain',
      template: 'latestPushedK',
      params: { latestPushedK: 5 },
      tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: 'v*', extras: '{"untagged":false}' }],
      scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoExcludes', pattern: 'tmp/**' }] },
    });
    expect(ruleToDraft(rule)).toMatchObject({ repoPattern: 'tmp/**', tagPattern: 'v*', untagged: false, count: 5 });
  });

  it('keeps an edited rule enabled or disabled as it was, and sends no number for "always"', () => {
    const base = { ...draftToRule(ruleToDraftDefaults(), true), id: 7, disabled: true };
    const edited = draftToRule({ ...ruleToDraftDefaults(), template: 'always' }, false, base);
    expect(edited.id).toBe(7);
    expect(edited.disabled).toBe(true);
    expect(edited.params).toEqual({});
  });

  it("reads the untagged flag with Harbor's defaults", () => {
    expect(untaggedOf({ kind: 'doublestar', decoration: 'matches', pattern: '**' })).toBe(true);
    expect(untaggedOf({ kind: 'doublestar', decoration: 'excludes', pattern: '**' })).toBe(false);
    expect(untaggedOf({ kind: 'doublestar', decoration: 'matches', pattern: '**', extras: '{"untagged":false}' })).toBe(
      false,
    );
  });

  it('recognises the offered schedules', () => {
    expect(scheduleChoice('')).toBe('none');
    expect(scheduleChoice('0 0 0 * * *')).toBe('daily');
    expect(scheduleChoice('0 30 2 * * *')).toBe('custom');
  });
});

describe('listing filters', () => {
  it('searches project names as a substring, dropping q grammar characters', () => {
    expect(projectSearchQ('Web')).toBe('name=~web');
    expect(projectSearchQ('a,b=c')).toBe('name=~abc');
    expect(projectSearchQ('  ')).toBeUndefined();
  });

  it("builds the audit log's q from the filters", () => {
    expect(auditQ({})).toBeUndefined();
    expect(
      auditQ({
        username: 'ali',
        operation: 'delete',
        resourceType: 'artifact',
        from: new Date('2026-01-01T00:00:00Z'),
      }),
    ).toBe('username=~ali,resource_type=artifact,operation=delete,op_time=[2026-01-01T00:00:00.000Z~]');
  });
});

function ruleToDraftDefaults() {
  return {
    repoDecoration: 'repoMatches' as const,
    repoPattern: '**',
    tagDecoration: 'matches' as const,
    tagPattern: '**',
    untagged: true,
    template: 'latestPushedK',
    count: 10,
  };
}
