import { describe, expect, it } from 'vitest';
import { Invalid } from '../core/errors.js';
import {
  filterArtifactTags,
  matchesArtifact,
  matchesRepository,
  selectTags,
  tagsRequired,
  validateFilters,
} from './filters.js';
import type { ReplicationFilter, SourceArtifact } from './replication-contract.js';

describe('validateFilters', () => {
  it('accepts Harbor JSON and normalises decorations', () => {
    expect(
      validateFilters([
        { type: 'name', value: 'library/**' },
        { type: 'tag', value: 'v*' },
        { type: 'tag', value: 'latest', decoration: 'excludes' },
        { type: 'label', value: ['prod', 'prod', 'eu'], decoration: 'matches' },
        { type: 'resource', value: 'image' },
      ]),
    ).toEqual([
      { type: 'name', value: 'library/**' },
      { type: 'tag', value: 'v*', decoration: 'matches' },
      { type: 'tag', value: 'latest', decoration: 'excludes' },
      { type: 'label', value: ['prod', 'eu'], decoration: 'matches' },
      { type: 'resource', value: 'image' },
    ]);
  });

  it('drops the empty values Harbor sends for filters left blank', () => {
    expect(
      validateFilters([
        { type: 'name', value: '' },
        { type: 'tag', value: '', decoration: 'matches' },
        { type: 'label', value: [] },
        { type: 'resource', value: '' },
      ]),
    ).toEqual([]);
    expect(validateFilters(null)).toEqual([]);
    expect(validateFilters(undefined)).toEqual([]);
  });

  const BAD: [unknown, RegExp][] = [
    [{}, /filters must be an array/],
    [[{ type: 'repository', value: 'x' }], /filters\[0\]\.type/],
    [
      [
        { type: 'name', value: 'a' },
        { type: 'name', value: 3 },
      ],
      /filters\[1\]\.value/,
    ],
    [[{ type: 'tag', value: ['v1'] }], /filters\[0\]\.value/],
    [[{ type: 'label', value: 'prod' }], /filters\[0\]\.value/],
    [[{ type: 'label', value: ['prod', 7] }], /filters\[0\]\.value/],
    [[{ type: 'resource', value: 'chart' }], /filters\[0\]\.value/],
    [[{ type: 'tag', value: 'v1', decoration: 'contains' }], /filters\[0\]\.decoration/],
    [[{ type: 'name', value: 'a/**', decoration: 'excludes' }], /filters\[0\]\.decoration/],
    [['name'], /filters\[0\] must be an object/],
  ];
  it.each(BAD)('refuses %j', (value, message) => {
    expect(() => validateFilters(value)).toThrow(Invalid);
    expect(() => validateFilters(value)).toThrow(message);
  });
});

describe('matchesRepository', () => {
  const CASES: [pattern: string, repository: string, expected: boolean][] = [
    ['library/**', 'library/nginx', true],
    ['library/**', 'library/team/app', true],
    ['library/**', 'other/nginx', false],
    ['library/*', 'library/team/app', false],
    ['*', 'library/nginx', false],
    ['**', 'library/nginx', true],
    ['{library,harbor}/**', 'harbor/hello-world', true],
    ['library/{nginx,redis}', 'library/redis', true],
    ['library/{nginx,redis}', 'library/postgres', false],
  ];
  it.each(CASES)('%s on %s → %s', (pattern, repository, expected) => {
    expect(matchesRepository([{ type: 'name', value: pattern }], repository)).toBe(expected);
  });

  it('needs every name filter and ignores the other types', () => {
    const filters: ReplicationFilter[] = [
      { type: 'name', value: 'library/**' },
      { type: 'name', value: '**/web' },
      { type: 'tag', value: 'nothing' },
    ];
    expect(matchesRepository(filters, 'library/app/web')).toBe(true);
    expect(matchesRepository(filters, 'library/app/api')).toBe(false);
    expect(matchesRepository([], 'anything/at/all')).toBe(true);
  });
});

describe('tag filters', () => {
  const tags = ['v1.0', 'v1.1', 'v2.0', 'latest', '1.0', '2.0'];
  const CASES: [pattern: string, decoration: 'matches' | 'excludes', expected: string[]][] = [
    ['v1.*', 'matches', ['v1.0', 'v1.1']],
    ['{1.0,2.0}', 'matches', ['1.0', '2.0']],
    ['v?.0', 'matches', ['v1.0', 'v2.0']],
    ['latest', 'excludes', ['v1.0', 'v1.1', 'v2.0', '1.0', '2.0']],
    ['*', 'matches', tags],
    ['nope', 'matches', []],
  ];
  it.each(CASES)('%s %s', (pattern, decoration, expected) => {
    expect(selectTags([{ type: 'tag', value: pattern, decoration }], tags)).toEqual(expected);
  });

  it('keeps only tags passing every tag filter', () => {
    const filters: ReplicationFilter[] = [
      { type: 'tag', value: 'v*', decoration: 'matches' },
      { type: 'tag', value: 'v2.*', decoration: 'excludes' },
    ];
    expect(selectTags(filters, tags)).toEqual(['v1.0', 'v1.1']);
  });

  // Harbor matches an untagged artifact's empty tag against the pattern.
  const UNTAGGED: [pattern: string, decoration: 'matches' | 'excludes', required: boolean][] = [
    ['v*', 'matches', true],
    ['*', 'matches', false],
    ['**', 'matches', false],
    ['v*', 'excludes', false],
    ['*', 'excludes', true],
  ];
  it.each(UNTAGGED)('untagged artifacts with %s %s: tags required %s', (pattern, decoration, required) => {
    const filters: ReplicationFilter[] = [{ type: 'tag', value: pattern, decoration }];
    expect(tagsRequired(filters)).toBe(required);
    expect(filterArtifactTags(filters, [])).toEqual(required ? undefined : []);
  });

  it('drops a tagged artifact none of whose tags pass, keeps the passing tags of the others', () => {
    const filters: ReplicationFilter[] = [{ type: 'tag', value: 'v*', decoration: 'matches' }];
    expect(filterArtifactTags(filters, ['latest'])).toBeUndefined();
    expect(filterArtifactTags(filters, ['latest', 'v3'])).toEqual(['v3']);
    expect(filterArtifactTags([], [])).toEqual([]);
    expect(tagsRequired([])).toBe(false);
  });
});

describe('matchesArtifact', () => {
  const art = (labels: string[] | undefined, resourceType?: 'image' | 'artifact'): SourceArtifact => ({
    repository: 'library/a',
    tags: ['1'],
    ...(labels ? { labels } : {}),
    ...(resourceType ? { resourceType } : {}),
  });

  it('needs every label of a matches filter; excludes refuses artifacts carrying all of them', () => {
    const matches: ReplicationFilter[] = [{ type: 'label', value: ['prod', 'eu'], decoration: 'matches' }];
    const excludes: ReplicationFilter[] = [{ type: 'label', value: ['prod', 'eu'], decoration: 'excludes' }];
    expect(matchesArtifact(matches, art(['prod', 'eu', 'x']))).toBe(true);
    expect(matchesArtifact(matches, art(['prod']))).toBe(false);
    expect(matchesArtifact(matches, art([]))).toBe(false);
    expect(matchesArtifact(excludes, art(['prod', 'eu']))).toBe(false);
    expect(matchesArtifact(excludes, art(['prod']))).toBe(true);
  });

  it('passes what the source cannot tell (labels from a plain registry, unknown type)', () => {
    const filters: ReplicationFilter[] = [
      { type: 'label', value: ['prod'], decoration: 'matches' },
      { type: 'resource', value: 'image' },
    ];
    expect(matchesArtifact(filters, art(undefined))).toBe(true);
  });

  it('keeps images (and indexes of images) for resource image, everything for artifact', () => {
    const image: ReplicationFilter[] = [{ type: 'resource', value: 'image' }];
    const all: ReplicationFilter[] = [{ type: 'resource', value: 'artifact' }];
    expect(matchesArtifact(image, art(undefined, 'image'))).toBe(true);
    expect(matchesArtifact(image, art(undefined, 'artifact'))).toBe(false);
    expect(matchesArtifact(all, art(undefined, 'artifact'))).toBe(true);
    expect(matchesArtifact(all, art(undefined, 'image'))).toBe(true);
  });
});
