import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { digestOf } from '../core/digest.js';
import { BlobStore } from './blob-store.js';
import { FilesystemDriver } from './filesystem-driver.js';
import { MemoryDriver } from './memory-driver.js';
import type { StorageDriver } from './storage-driver.js';

const ID = '3f0c9a62-5d1e-4c43-9a0b-6a1c2f4e8d10';
const OTHER_ID = '7b2d4e10-aaaa-4bbb-8ccc-0123456789ab';

function body(...chunks: Buffer[]): Readable {
  return Readable.from(chunks, { objectMode: false });
}

/** A body that sends its chunks with pauses, so concurrent bodies would interleave if allowed to. */
function slowBody(...chunks: Buffer[]): Readable {
  return Readable.from(
    (async function* () {
      for (const chunk of chunks) {
        yield chunk;
        await sleep(5);
      }
    })(),
    { objectMode: false },
  );
}

function hexPath(digest: string): string {
  const [alg, hex] = digest.split(':') as [string, string];
  return `/blobs/${alg}/${hex.slice(0, 2)}/${hex}/data`;
}

async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await sleep(2);
}

describe('BlobStore', () => {
  let driver: MemoryDriver;
  let store: BlobStore;
  beforeEach(() => {
    driver = new MemoryDriver();
    store = new BlobStore(driver);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  describe('small blobs', () => {
    it('stores content at its sha256 digest and reads it back', async () => {
      const content = Buffer.from('{"schemaVersion":2}');
      const digest = digestOf(content);
      expect(await store.putSmall(content)).toEqual({ digest, size: content.length });
      expect(await store.getSmall(digest)).toEqual(content);
      expect(await store.stat(digest)).toEqual({ size: content.length });
      expect(await driver.getContent(hexPath(digest))).toEqual(content);
    });

    it('refuses content that does not match the expected digest, storing nothing', async () => {
      const content = Buffer.from('manifest');
      const wrong = digestOf('something else');
      await expect(store.putSmall(content, wrong)).rejects.toMatchObject({ kind: 'invalid', code: 'DIGEST_INVALID' });
      expect(await store.stat(wrong)).toBeUndefined();
      expect(await store.stat(digestOf(content))).toBeUndefined();
    });

    it('hashes with sha512 when the expected digest is sha512', async () => {
      const content = Buffer.from('manifest');
      const digest = digestOf(content, 'sha512');
      expect(await store.putSmall(content, digest)).toEqual({ digest, size: content.length });
      expect(await driver.getContent(hexPath(digest))).toEqual(content);
      expect(await store.stat(digestOf(content))).toBeUndefined();
    });

    it('does not rewrite a blob that is already stored', async () => {
      const content = Buffer.from('manifest');
      await store.putSmall(content);
      const put = vi.spyOn(driver, 'putContent');
      expect(await store.putSmall(content)).toEqual({ digest: digestOf(content), size: content.length });
      expect(put).not.toHaveBeenCalled();
    });

    it('reports unknown and malformed digests', async () => {
      const unknown = digestOf('nothing');
      expect(await store.stat(unknown)).toBeUndefined();
      await expect(store.getSmall(unknown)).rejects.toMatchObject({ kind: 'not-found', code: 'BLOB_UNKNOWN' });
      await expect(store.open(unknown)).rejects.toMatchObject({ kind: 'not-found', code: 'BLOB_UNKNOWN' });
      await expect(store.stat('sha256:../../etc')).rejects.toMatchObject({ code: 'DIGEST_INVALID' });
      await expect(store.getSmall('md5:abc')).rejects.toMatchObject({ code: 'DIGEST_INVALID' });
    });
  });

  describe('open', () => {
    const content = randomBytes(1000);
    const digest = digestOf(content);
    beforeEach(async () => {
      await store.putSmall(content);
    });

    it('streams the whole blob, or an inclusive byte range', async () => {
      expect(await buffer(await store.open(digest))).toEqual(content);
      expect(await buffer(await store.open(digest, { start: 5, end: 9 }))).toEqual(content.subarray(5, 10));
      expect(await buffer(await store.open(digest, { start: 999, end: 999 }))).toEqual(content.subarray(999));
      expect(await buffer(await store.open(digest, { start: 990, end: 5000 }))).toEqual(content.subarray(990));
    });

    it('refuses a backwards or negative range', async () => {
      await expect(store.open(digest, { start: 10, end: 9 })).rejects.toMatchObject({ code: 'RANGE_INVALID' });
      await expect(store.open(digest, { start: -1, end: 9 })).rejects.toMatchObject({ kind: 'range' });
    });
  });

  describe('redirectUrl', () => {
    it('is undefined without driver support, and asks the driver for the blob path otherwise', async () => {
      const digest = digestOf('x');
      expect(await store.redirectUrl(digest, 'GET')).toBeUndefined();
      const redirectUrl = vi.fn(async (path: string, method: string) => `https://s3.example/${method}${path}`);
      const presigning: StorageDriver = Object.assign(Object.create(driver) as StorageDriver, { redirectUrl });
      expect(await new BlobStore(presigning).redirectUrl(digest, 'HEAD')).toBe(
        `https://s3.example/HEAD${hexPath(digest)}`,
      );
    });
  });

  describe('uploads', () => {
    beforeEach(async () => {
      await store.createUpload(ID, new Date('2024-05-01T10:00:00Z'));
    });

    it('assembles a blob from chunks and commits it to the blob layout', async () => {
      const chunks = [randomBytes(100), randomBytes(70_000), randomBytes(1)];
      const all = Buffer.concat(chunks);
      const digest = digestOf(all);
      expect(await store.uploadSize(ID)).toBe(0);
      expect(await store.append(ID, body(chunks[0] as Buffer), { expectedOffset: 0 })).toEqual({ size: 100 });
      expect(await store.append(ID, body(chunks[1] as Buffer), { expectedOffset: 100 })).toEqual({ size: 70_100 });
      expect(await store.append(ID, body(chunks[2] as Buffer))).toEqual({ size: 70_101 });
      expect(await store.uploadSize(ID)).toBe(70_101);
      expect(await store.stat(digest)).toBeUndefined();

      expect(await store.commitUpload(ID, digest, { expectedSize: 70_101 })).toEqual({ digest, size: 70_101 });
      expect(await driver.getContent(hexPath(digest))).toEqual(all);
      await expect(store.uploadSize(ID)).rejects.toMatchObject({ code: 'BLOB_UPLOAD_UNKNOWN' });
      await expect(driver.list('/uploads')).rejects.toMatchObject({ name: 'PathNotFound' });
    });

    it('uses the live hash when it covers the stored bytes, without reading them back', async () => {
      const data = randomBytes(5000);
      await store.append(ID, body(data));
      const reader = vi.spyOn(driver, 'reader');
      await store.commitUpload(ID, digestOf(data));
      expect(reader).not.toHaveBeenCalled();
    });

    it('rejects a chunk at the wrong offset and leaves the upload as it was', async () => {
      await store.append(ID, body(Buffer.from('abcd')));
      for (const expectedOffset of [0, 3, 5]) {
        await expect(store.append(ID, body(Buffer.from('zz')), { expectedOffset })).rejects.toMatchObject({
          kind: 'range',
          code: 'BLOB_UPLOAD_INVALID',
          detail: { size: 4 },
        });
      }
      expect(await store.uploadSize(ID)).toBe(4);
      expect((await store.commitUpload(ID, digestOf('abcd'))).size).toBe(4);
    });

    it('runs concurrent appends to one upload one after the other', async () => {
      const a = [Buffer.from('a1'), Buffer.from('a2'), Buffer.from('a3')];
      const b = [Buffer.from('b1'), Buffer.from('b2'), Buffer.from('b3')];
      await Promise.all([store.append(ID, slowBody(...a)), store.append(ID, slowBody(...b))]);
      expect((await driver.getContent(`/uploads/${ID}/data`)).toString()).toBe('a1a2a3b1b2b3');

      await store.createUpload(OTHER_ID, new Date());
      const results = await Promise.allSettled([
        store.append(OTHER_ID, slowBody(...a), { expectedOffset: 0 }),
        store.append(OTHER_ID, slowBody(...b), { expectedOffset: 0 }),
      ]);
      expect(results[0]).toMatchObject({ status: 'fulfilled', value: { size: 6 } });
      expect(results[1]).toMatchObject({ status: 'rejected', reason: { code: 'BLOB_UPLOAD_INVALID' } });
    });

    it('resumes after a restart by re-hashing the stored bytes', async () => {
      const first = randomBytes(3000);
      const rest = randomBytes(2000);
      await store.append(ID, body(first));
      const restarted = new BlobStore(driver);
      expect(await restarted.uploadSize(ID)).toBe(3000);
      await restarted.append(ID, body(rest), { expectedOffset: 3000 });
      const reader = vi.spyOn(driver, 'reader');
      const digest = digestOf(Buffer.concat([first, rest]));
      expect(await restarted.commitUpload(ID, digest)).toEqual({ digest, size: 5000 });
      expect(reader).toHaveBeenCalledWith(`/uploads/${ID}/data`);
    });

    it('notices when another instance appended, and re-hashes instead of trusting its live hash', async () => {
      const first = randomBytes(3000);
      const rest = randomBytes(2000);
      await store.append(ID, body(first));
      await new BlobStore(driver).append(ID, body(rest));
      const digest = digestOf(Buffer.concat([first, rest]));
      expect(await store.commitUpload(ID, digest)).toEqual({ digest, size: 5000 });
    });

    it('keeps the upload on a digest mismatch, so a correct commit still works', async () => {
      const data = Buffer.from('layer bytes');
      await store.append(ID, body(data));
      const wrong = digestOf('other bytes');
      await expect(store.commitUpload(ID, wrong)).rejects.toMatchObject({ kind: 'invalid', code: 'DIGEST_INVALID' });
      expect(await store.stat(wrong)).toBeUndefined();
      expect(await store.stat(digestOf(data))).toBeUndefined();
      expect(await store.uploadSize(ID)).toBe(data.length);
      expect(await store.commitUpload(ID, digestOf(data))).toEqual({ digest: digestOf(data), size: data.length });
    });

    it('refuses a commit whose expected size differs', async () => {
      await store.append(ID, body(Buffer.from('12345')));
      await expect(store.commitUpload(ID, digestOf('12345'), { expectedSize: 4 })).rejects.toMatchObject({
        code: 'SIZE_INVALID',
      });
      expect(await store.uploadSize(ID)).toBe(5);
    });

    it('commits sha512 digests by hashing with sha512', async () => {
      const data = randomBytes(4000);
      await store.append(ID, body(data));
      const digest = digestOf(data, 'sha512');
      // Change the last hex digit (to a different one: replacing it with a fixed '0' was a no-op 1 time in 16).
      const wrong = digest.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
      await expect(store.commitUpload(ID, wrong)).rejects.toMatchObject({
        code: 'DIGEST_INVALID',
      });
      expect(await store.commitUpload(ID, digest)).toEqual({ digest, size: 4000 });
      expect(await driver.getContent(hexPath(digest))).toEqual(data);
      expect(await store.stat(digestOf(data))).toBeUndefined();
    });

    it('commits the empty blob from an upload that never received a byte', async () => {
      const digest = digestOf('');
      expect(await store.commitUpload(ID, digest)).toEqual({ digest, size: 0 });
      expect(await store.stat(digest)).toEqual({ size: 0 });
      expect((await buffer(await store.open(digest))).length).toBe(0);
    });

    it('drops the upload when its blob already exists, leaving the blob intact', async () => {
      const data = Buffer.from('already here');
      await store.putSmall(data);
      await store.append(ID, body(data));
      const move = vi.spyOn(driver, 'move');
      expect(await store.commitUpload(ID, digestOf(data))).toEqual({ digest: digestOf(data), size: data.length });
      expect(move).not.toHaveBeenCalled();
      expect(await store.getSmall(digestOf(data))).toEqual(data);
      expect(await store.listUploads()).toEqual([]);
    });

    it('cancels an upload and its bytes', async () => {
      await store.append(ID, body(Buffer.from('bytes')));
      await store.cancelUpload(ID);
      await expect(store.uploadSize(ID)).rejects.toMatchObject({ code: 'BLOB_UPLOAD_UNKNOWN' });
      await expect(store.append(ID, body(Buffer.from('x')))).rejects.toMatchObject({ code: 'BLOB_UPLOAD_UNKNOWN' });
      await expect(store.cancelUpload(ID)).rejects.toMatchObject({ kind: 'not-found', code: 'BLOB_UPLOAD_UNKNOWN' });
      expect(await store.listUploads()).toEqual([]);
    });

    it('keeps the bytes written before the body broke, so the client can resume', async () => {
      const first = randomBytes(10_000);
      const rest = randomBytes(5000);
      const dataPath = `/uploads/${ID}/data`;
      const broken = Readable.from(
        (async function* () {
          yield first;
          await waitFor(async () => (await driver.stat(dataPath).catch(() => undefined))?.size === first.length);
          throw new Error('client went away');
        })(),
        { objectMode: false },
      );
      await expect(store.append(ID, broken)).rejects.toThrow('client went away');
      expect(await store.uploadSize(ID)).toBe(first.length);
      await store.append(ID, body(rest), { expectedOffset: first.length });
      const digest = digestOf(Buffer.concat([first, rest]));
      expect(await store.commitUpload(ID, digest)).toEqual({ digest, size: 15_000 });
    });

    it('keeps the written bytes when the signal aborts, and re-hashes what is stored', async () => {
      const first = randomBytes(10_000);
      const controller = new AbortController();
      const dataPath = `/uploads/${ID}/data`;
      // Never ends, like a stalled client; the extra chunk may be hashed without reaching storage.
      const endless = new Readable({ read() {} });
      endless.push(first);
      endless.push(randomBytes(10));
      const appending = store.append(ID, endless, { signal: controller.signal });
      await waitFor(async () => ((await driver.stat(dataPath).catch(() => undefined))?.size ?? 0) >= first.length);
      controller.abort();
      await expect(appending).rejects.toMatchObject({ name: 'AbortError' });
      const size = await store.uploadSize(ID);
      expect(size).toBeGreaterThanOrEqual(first.length);
      const stored = await driver.getContent(dataPath);
      expect(stored.subarray(0, first.length)).toEqual(first);
      expect(await store.commitUpload(ID, digestOf(stored))).toEqual({ digest: digestOf(stored), size });
    });

    it('enforces maxBytes over the whole upload', async () => {
      await store.append(ID, body(Buffer.from('1234')), { maxBytes: 6 });
      await expect(store.append(ID, body(Buffer.from('567')), { maxBytes: 6 })).rejects.toMatchObject({
        kind: 'too-large',
        code: 'SIZE_INVALID',
      });
      expect(await store.uploadSize(ID)).toBe(4);
      expect(await store.append(ID, body(Buffer.from('56')), { maxBytes: 6 })).toEqual({ size: 6 });
    });

    it('lists uploads with their start times, also one whose marker was lost in a crash', async () => {
      await store.createUpload(OTHER_ID, new Date('2024-05-02T10:00:00Z'));
      await driver.putContent('/uploads/orphan/data', Buffer.from('x'));
      const orphanTime = (await driver.stat('/uploads/orphan')).modTime;
      expect(await store.listUploads()).toEqual([
        { id: ID, startedAt: new Date('2024-05-01T10:00:00Z') },
        { id: OTHER_ID, startedAt: new Date('2024-05-02T10:00:00Z') },
        { id: 'orphan', startedAt: orphanTime },
      ]);
    });

    it('treats ids it could never have created as unknown', async () => {
      for (const id of ['nope', '../blobs', 'a/b', '']) {
        await expect(store.uploadSize(id)).rejects.toMatchObject({ code: 'BLOB_UPLOAD_UNKNOWN' });
        await expect(store.commitUpload(id, digestOf(''))).rejects.toMatchObject({ code: 'BLOB_UPLOAD_UNKNOWN' });
      }
      await expect(store.createUpload('../x', new Date())).rejects.toMatchObject({ code: 'BLOB_UPLOAD_INVALID' });
    });
  });

  describe('delete', () => {
    it('removes a blob, and reports an unknown one', async () => {
      const { digest } = await store.putSmall(Buffer.from('gone soon'));
      await store.delete(digest);
      expect(await store.stat(digest)).toBeUndefined();
      await expect(store.delete(digest)).rejects.toMatchObject({ code: 'BLOB_UNKNOWN' });
    });
  });
});

describe('BlobStore on the filesystem driver', () => {
  let root: string;
  let driver: FilesystemDriver;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'berth-blob-store-'));
    driver = new FilesystemDriver(root);
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('streams a multi-megabyte blob in chunks, across a restart, into the on-disk layout', async () => {
    const chunks = Array.from({ length: 96 }, () => randomBytes(64 * 1024));
    const all = Buffer.concat(chunks);
    const digest = digestOf(all);
    const hex = digest.slice('sha256:'.length);

    await new BlobStore(driver).createUpload(ID, new Date());
    await new BlobStore(driver).append(ID, slowBody(...chunks.slice(0, 40)));
    const restarted = new BlobStore(new FilesystemDriver(root));
    await restarted.append(ID, body(...chunks.slice(40)), { expectedOffset: 40 * 64 * 1024 });
    expect(await restarted.commitUpload(ID, digest)).toEqual({ digest, size: all.length });

    expect((await readFile(join(root, 'blobs', 'sha256', hex.slice(0, 2), hex, 'data'))).equals(all)).toBe(true);
    expect(await readdir(join(root, 'uploads'))).toEqual([]);
    const range = await buffer(await restarted.open(digest, { start: 1_000_000, end: 2_999_999 }));
    expect(range.equals(all.subarray(1_000_000, 3_000_000))).toBe(true);
  });
});
