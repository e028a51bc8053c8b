import { describe, expect, it } from 'vitest';
import { MediaTypes } from '../../core/media-types.js';
import { namePrefix } from '../filters.js';
import { resourceTypeOf } from './local-enumeration.js';

describe('resourceTypeOf', () => {
  const CASES: [mediaType: string, artifactType: string | null, expected: 'image' | 'artifact'][] = [
    [MediaTypes.ociManifest, MediaTypes.ociConfig, 'image'],
    [MediaTypes.dockerManifest, MediaTypes.dockerConfig, 'image'],
    [MediaTypes.ociIndex, null, 'image'],
    [MediaTypes.dockerManifestList, null, 'image'],
    [MediaTypes.ociManifest, 'application/vnd.cncf.helm.config.v1+json', 'artifact'],
    [MediaTypes.ociManifest, 'application/vnd.dev.cosign.artifact.sig.v1+json', 'artifact'],
    [MediaTypes.ociIndex, 'application/vnd.example.bundle', 'artifact'],
  ];
  it.each(CASES)('%s with artifact type %s is %s', (mediaType, artifactType, expected) => {
    expect(resourceTypeOf(mediaType, artifactType)).toBe(expected);
  });
});

describe('namePrefix', () => {
  const CASES: [patterns: string[], expected: string][] = [
    [[], ''],
    [['library/**'], 'library/'],
    [['{a,b}/**'], ''],
    [['team/app?'], 'team/app'],
    [['team/[ab]pp'], 'team/'],
    [['**', 'library/web/*'], 'library/web/'],
    [['library/nginx'], 'library/nginx'],
  ];
  it.each(CASES)('%j → %j', (patterns, expected) => {
    expect(namePrefix(patterns.map((value) => ({ type: 'name', value })))).toBe(expected);
  });

  it('ignores the other filter types', () => {
    expect(namePrefix([{ type: 'tag', value: 'v1.0', decoration: 'matches' }])).toBe('');
  });
});
