import { describe, expect, it } from 'vitest';
import { doublestarMatch, selectsRepository, selectsTags, validateSelector, type Selector } from './selectors.js';

// Vectors from bmatcuk/doublestar v1's documented semantics and Harbor's selector tests.
const MATCH_VECTORS: [pattern: string, value: string, expected: boolean][] = [
  ['**', 'app', true],
  ['**', 'team/app/web', true],
  ['*', 'app', true],
  ['*', 'team/app', false],
  ['team/*', 'team/app', true],
  ['team/*', 'team/app/web', false],
  ['team/**', 'team/app/web', true],
  ['team/**', 'other/app', false],
  ['**/web', 'web', true],
  ['**/web', 'team/app/web', true],
  ['**/web', 'team/app/website', false],
  ['a/**/c', 'a/c', true],
  ['a/**/c', 'a/b/x/c', true],
  ['?', 'a', true],
  ['?', '/', false],
  ['v?', 'v1', true],
  ['v?', 'v10', false],
  ['v1.*', 'v1.0', true],
  ['v1.*', 'v1.0.3', true],
  ['v1.*', 'v10.0', false],
  ['*.1', 'v.1', true],
  ['{latest,4.*}', 'latest', true],
  ['{latest,4.*}', '4.0', true],
  ['{latest,4.*}', '5.0', false],
  ['{redis}', 'redis', true],
  ['har*', 'harbor', true],
  ['har*', 'xharbor', false],
  ['[0-9]*', '1.2', true],
  ['[0-9]*', 'v1', false],
  ['*', '.hidden', true],
  ['rc-*', 'rc-1_x', true],
  // Literal characters that other glob dialects treat specially.
  ['!latest', 'latest', false],
  ['!latest', '!latest', true],
  ['+(a)', '+(a)', true],
  ['', 'anything', true],
  ['team/**', 'team', true],
  ['{a,}b', 'b', true],
  ['{a,{b,c}}d', 'cd', true],
  ['{a,{b,c}}d', 'ad', true],
  ['{a,{b,c}}d', 'd', false],
  ['{**/web,app}', 'x/y/web', true],
  ['[!a]x', 'bx', true],
  ['[!a]x', 'ax', false],
  ['[a-c]*', 'b1', true],
  ['\\*', '*', true],
  ['\\*', 'a', false],
  ['{unclosed', '{unclosed', true],
  ['[unclosed', '[unclosed', true],
  ['a.b', 'axb', false],
  ['(a|b)', '(a|b)', true],
];

describe('doublestarMatch', () => {
  it.each(MATCH_VECTORS)('%s vs %s → %s', (pattern, value, expected) => {
    expect(doublestarMatch(pattern, value)).toBe(expected);
  });
});

const tagSel = (decoration: string, pattern: string, extras?: string): Selector => ({
  kind: 'doublestar',
  decoration,
  pattern,
  ...(extras === undefined ? {} : { extras }),
});

describe('selectsTags (Harbor doublestar selector)', () => {
  it('matches: any tag matching selects the artifact', () => {
    expect(selectsTags(tagSel('matches', 'v1.*'), ['latest', 'v1.2'])).toBe(true);
    expect(selectsTags(tagSel('matches', 'v1.*'), ['latest'])).toBe(false);
  });

  it('excludes: any tag not matching selects the artifact', () => {
    expect(selectsTags(tagSel('excludes', 'latest'), ['latest', 'v1'])).toBe(true);
    expect(selectsTags(tagSel('excludes', 'latest'), ['latest'])).toBe(false);
    expect(selectsTags(tagSel('excludes', '{latest,4.*}'), ['4.1'])).toBe(false);
  });

  it('untagged artifacts follow the extras flag, with the defaults and inversion Harbor has', () => {
    expect(selectsTags(tagSel('matches', '**'), [])).toBe(true);
    expect(selectsTags(tagSel('matches', '**', '{"untagged":true}'), [])).toBe(true);
    expect(selectsTags(tagSel('matches', '**', '{"untagged":false}'), [])).toBe(false);
    expect(selectsTags(tagSel('excludes', 'x'), [])).toBe(true);
    expect(selectsTags(tagSel('excludes', 'x', '{"untagged":true}'), [])).toBe(false);
    expect(selectsTags(tagSel('excludes', 'x', '{"untagged":false}'), [])).toBe(true);
    // Go's decoding: `{}` and `null` leave false, a wrong type or bad JSON keeps the default.
    expect(selectsTags(tagSel('matches', '**', '{}'), [])).toBe(false);
    expect(selectsTags(tagSel('matches', '**', 'null'), [])).toBe(false);
    expect(selectsTags(tagSel('matches', '**', '{"untagged":"no"}'), [])).toBe(true);
    expect(selectsTags(tagSel('matches', '**', 'not json'), [])).toBe(true);
  });
});

describe('selectsRepository', () => {
  it('matches the path inside the project', () => {
    expect(selectsRepository(tagSel('repoMatches', 'team/**'), 'team/app')).toBe(true);
    expect(selectsRepository(tagSel('repoMatches', 'team/**'), 'app')).toBe(false);
    expect(selectsRepository(tagSel('repoExcludes', 'team/**'), 'app')).toBe(true);
    expect(selectsRepository(tagSel('repoExcludes', '{redis}'), 'redis')).toBe(false);
    expect(selectsRepository(tagSel('matches', '**'), 'app')).toBe(false);
  });
});

describe('validateSelector', () => {
  it('accepts Harbor selectors and refuses other kinds and decorations', () => {
    expect(
      validateSelector({ kind: 'doublestar', decoration: 'matches', pattern: '**', extras: '' }, 's', ['matches']),
    ).toEqual({ kind: 'doublestar', decoration: 'matches', pattern: '**' });
    expect(() => validateSelector({ kind: 'label', decoration: 'withLabels', pattern: 'x' }, 's', ['matches'])).toThrow(
      /kind/,
    );
    expect(() =>
      validateSelector({ kind: 'doublestar', decoration: 'nsMatches', pattern: 'x' }, 's', ['matches']),
    ).toThrow(/decoration/);
    expect(() =>
      validateSelector({ kind: 'doublestar', decoration: 'matches', pattern: '' }, 's', ['matches']),
    ).toThrow(/pattern/);
  });
});
