import { describe, expect, it } from 'vitest';
import { digestOf } from './digest.js';
import { DomainError } from './errors.js';
import { MAX_MANIFEST_BYTES, parseManifest } from './manifest.js';
import { MediaTypes } from './media-types.js';

const d = (s: string) => digestOf(s);
const config = { mediaType: MediaTypes.ociConfig, digest: d('config'), size: 6 };
const layer = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: d('layer'), size: 5 };
const json = (v: unknown) => Buffer.from(JSON.stringify(v));

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof DomainError ? err.code : 'not a domain error';
  }
  return undefined;
}

describe('parseManifest', () => {
  it('lists the blobs an image needs and takes the config type as its artifact type', () => {
    const m = parseManifest(
      json({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config, layers: [layer] }),
      MediaTypes.ociManifest,
    );
    expect(m.mediaType).toBe(MediaTypes.ociManifest);
    expect(m.blobDigests).toEqual([config.digest, layer.digest]);
    expect(m.artifactType).toBe(MediaTypes.ociConfig);
    expect(m.configDigest).toBe(config.digest);
  });

  it('reads an artifact with subject and explicit artifactType', () => {
    const subject = { mediaType: MediaTypes.ociManifest, digest: d('img'), size: 10 };
    const m = parseManifest(
      json({
        schemaVersion: 2,
        mediaType: MediaTypes.ociManifest,
        artifactType: 'application/x.sbom',
        config,
        layers: [],
        subject,
      }),
      undefined,
    );
    expect(m.artifactType).toBe('application/x.sbom');
    expect(m.subject?.digest).toBe(subject.digest);
  });

  it('lists an index children and infers an OCI type from the shape when mediaType is absent', () => {
    const child = { mediaType: MediaTypes.ociManifest, digest: d('child'), size: 3 };
    const m = parseManifest(json({ schemaVersion: 2, manifests: [child, child] }), MediaTypes.ociIndex);
    expect(m.mediaType).toBe(MediaTypes.ociIndex);
    expect(m.childDigests).toEqual([child.digest]);
    expect(parseManifest(json({ schemaVersion: 2, config, layers: [] }), undefined).mediaType).toBe(
      MediaTypes.ociManifest,
    );
  });

  it('skips foreign layers that live elsewhere', () => {
    const foreign = {
      mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
      digest: d('win'),
      size: 1,
      urls: ['https://x'],
    };
    const m = parseManifest(
      json({
        schemaVersion: 2,
        mediaType: MediaTypes.dockerManifest,
        config: { ...config, mediaType: MediaTypes.dockerConfig },
        layers: [foreign, layer],
      }),
      MediaTypes.dockerManifest,
    );
    expect(m.blobDigests).toEqual([config.digest, layer.digest]);
  });

  it('refuses what a client could not pull back', () => {
    expect(codeOf(() => parseManifest(Buffer.from('{'), MediaTypes.ociManifest))).toBe('MANIFEST_INVALID');
    expect(codeOf(() => parseManifest(json({ schemaVersion: 1, name: 'x' }), MediaTypes.dockerSchema1Signed))).toBe(
      'MANIFEST_INVALID',
    );
    expect(
      codeOf(() =>
        parseManifest(
          json({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [] }),
          MediaTypes.ociManifest,
        ),
      ),
    ).toBe('MANIFEST_INVALID');
    expect(
      codeOf(() =>
        parseManifest(
          json({ schemaVersion: 2, config: { ...config, digest: 'sha256:xyz' }, layers: [] }),
          MediaTypes.ociManifest,
        ),
      ),
    ).toBe('MANIFEST_INVALID');
    expect(
      codeOf(() =>
        parseManifest(json({ schemaVersion: 2, config: { ...config, size: -1 }, layers: [] }), MediaTypes.ociManifest),
      ),
    ).toBe('MANIFEST_INVALID');
    expect(codeOf(() => parseManifest(json({ schemaVersion: 2, config }), MediaTypes.ociManifest))).toBe(
      'MANIFEST_INVALID',
    );
    expect(
      codeOf(() => parseManifest(json({ schemaVersion: 2, mediaType: 'text/plain', config, layers: [] }), undefined)),
    ).toBe('MANIFEST_INVALID');
    expect(codeOf(() => parseManifest(Buffer.alloc(MAX_MANIFEST_BYTES + 1, 32), MediaTypes.ociManifest))).toBe(
      'SIZE_INVALID',
    );
  });
});
