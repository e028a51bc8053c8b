import { createHash } from 'node:crypto';
import * as zlib from 'node:zlib';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { rawZstdFrames, zstdCompress } from '../../../test/fixtures/scan/layer-builder.js';
import { seededBytes } from '../../../test/fixtures/random.js';
import { createTar } from '../../../test/fixtures/tar.js';
import { decompressLayer, LayerFormatError, sniffCompression, ZstdFrameGuard } from './decompress.js';

async function* chunked(data: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}

async function inflate(blob: Buffer, chunk = 64 * 1024, options = {}) {
  const layer = await decompressLayer(chunked(blob, chunk), options);
  const parts: Uint8Array[] = [];
  for await (const part of layer.chunks) parts.push(part);
  return { compression: layer.compression, data: Buffer.concat(parts), compressedBytes: layer.compressedBytes() };
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A tar with compressible text and incompressible random bytes, about 1.2 MB. */
const tar = createTar([
  { path: 'etc/os-release', data: 'ID=debian\nVERSION_ID="12"\n'.repeat(2000) },
  { path: 'random.bin', data: seededBytes(1_100_000, 'decompress') },
]);

describe('decompressLayer', () => {
  it('tells gzip, zstd and plain tar by their bytes and returns the same tar', async () => {
    for (const [blob, expected] of [
      [gzipSync(tar), 'gzip'],
      [zstdCompress(tar), 'zstd'],
      [tar, 'none'],
    ] as const) {
      const out = await inflate(blob);
      expect(out.compression).toBe(expected);
      expect(sha(out.data)).toBe(sha(tar));
      expect(out.compressedBytes).toBe(blob.length);
    }
  });

  it('reads zstd from real `zstd` output at several levels, fed one byte at a time too (JavaScript decoder)', async () => {
    for (const level of ['-1', '-19']) {
      const blob = zstdCompress(tar, [level]);
      expect(sha((await inflate(blob, 1 << 20, { zstdImplementation: 'fzstd' })).data)).toBe(sha(tar));
    }
    const small = createTar([{ path: 'a', data: 'tiny layer '.repeat(50) }]);
    expect(sha((await inflate(zstdCompress(small), 1, { zstdImplementation: 'fzstd' })).data)).toBe(sha(small));
  });

  it('reads concatenated gzip members and concatenated zstd frames, as parallel compressors write them', async () => {
    const half = tar.length >> 1;
    const gz = Buffer.concat([gzipSync(tar.subarray(0, half)), gzipSync(tar.subarray(half))]);
    expect(sha((await inflate(gz)).data)).toBe(sha(tar));
    const zst = Buffer.concat([zstdCompress(tar.subarray(0, half)), zstdCompress(tar.subarray(half))]);
    expect(sha((await inflate(zst, 4096, { zstdImplementation: 'fzstd' })).data)).toBe(sha(tar));
  });

  it('passes over a skippable frame at the start (zstd:chunked writes its table of contents in one)', async () => {
    const blob = rawZstdFrames(tar, { skippableFirst: Buffer.from('{"toc":"not tar"}'), frames: 3 });
    expect(sniffCompression(blob)).toBe('zstd');
    const out = await inflate(blob, 1000, { zstdImplementation: 'fzstd' });
    expect(sha(out.data)).toBe(sha(tar));
  });

  it('refuses a zstd window larger than allowed before allocating it', async () => {
    // `zstd --long=27` asks for a 128 MiB window; the limit here is 8 MiB.
    const blob = zstdCompress(tar, ['-3', '--long=27']);
    await expect(inflate(blob, 65536, { maxZstdWindowBytes: 8 << 20, zstdImplementation: 'fzstd' })).rejects.toThrow(
      /window/,
    );
    // A hand-made frame declaring a 2 GiB window is refused the same way, whatever it holds.
    const huge = rawZstdFrames(Buffer.from('x'), { windowLog: 31 });
    await expect(inflate(huge, 65536, { zstdImplementation: 'fzstd' })).rejects.toThrow(/2147483648-byte window/);
  });

  it('refuses zstd frames that need a dictionary', async () => {
    const blob = rawZstdFrames(tar, { dictionaryId: 7 });
    await expect(inflate(blob, 65536, { zstdImplementation: 'fzstd' })).rejects.toThrow(/dictionary/);
  });

  it('says what a blob is not: empty, bzip2, xz, or random bytes', async () => {
    await expect(inflate(Buffer.alloc(0))).rejects.toThrow(/empty/);
    // The magic numbers of bzip2 (`BZh9` + block magic) and xz, followed by compressed-looking bytes.
    const bzip2 = Buffer.concat([Buffer.from('BZh91AY&SY', 'latin1'), seededBytes(600, 'bz')]);
    const xz = Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), seededBytes(600, 'xz')]);
    await expect(inflate(bzip2)).rejects.toThrow(LayerFormatError);
    await expect(inflate(xz)).rejects.toThrow(/starts with fd377a585a00/);
    await expect(inflate(seededBytes(4096, 'noise'))).rejects.toThrow(/not gzip, zstd or tar/);
  });

  it('reports a truncated gzip or zstd stream as an error, not as a short layer', async () => {
    const gz = gzipSync(tar);
    await expect(inflate(gz.subarray(0, gz.length - 100))).rejects.toThrow();
    const zst = zstdCompress(tar);
    await expect(inflate(zst.subarray(0, zst.length - 100), 4096, { zstdImplementation: 'fzstd' })).rejects.toThrow();
  });
});

// Node 22.15+ decodes zstd natively; Node 20 (this project's floor) does not, so this runs only there.
const nativeZstd = typeof (zlib as unknown as { createZstdDecompress?: unknown }).createZstdDecompress === 'function';

describe.skipIf(!nativeZstd)('decompressLayer with Node’s own zstd', () => {
  it('returns the same tar as the JavaScript decoder and refuses the same oversized window', async () => {
    const blob = zstdCompress(tar, ['-19']);
    expect(sha((await inflate(blob)).data)).toBe(sha(tar));
    const huge = rawZstdFrames(Buffer.from('x'), { windowLog: 31 });
    await expect(inflate(huge)).rejects.toThrow(/window/);
  });
});

describe('ZstdFrameGuard', () => {
  it('walks a frame with a checksum and content size, in any chunking', () => {
    const blob = zstdCompress(tar, ['-3', '--check']);
    for (const size of [1, 3, 17, 4096]) {
      const guard = new ZstdFrameGuard(1 << 27);
      for (let at = 0; at < blob.length; at += size) guard.push(blob.subarray(at, at + size));
      expect(() => guard.end()).not.toThrow();
    }
  });

  it('notices a stream that stops inside a frame', () => {
    const blob = rawZstdFrames(tar);
    const guard = new ZstdFrameGuard(1 << 27);
    guard.push(blob.subarray(0, blob.length - 1));
    expect(() => guard.end()).toThrow(/inside a frame/);
  });
});
