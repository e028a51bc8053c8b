import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidPath, PathNotFound, type FileInfo, type StorageDriver } from '../../server/storage/storage-driver.js';

/** A driver under test and how to dispose of whatever it created. */
export interface StorageDriverFixture {
  driver: StorageDriver;
  cleanup(): Promise<void>;
}

/**
 * The behaviour every `StorageDriver` must share, so `BlobStore` can rely on it whatever the backend.
 * Call it from each driver's test file with a factory that returns a fresh, empty driver per test.
 */
export function describeStorageDriverContract(name: string, makeDriver: () => Promise<StorageDriverFixture>): void {
  describe(`StorageDriver contract: ${name}`, () => {
    let fixture: StorageDriverFixture;
    let driver: StorageDriver;

    beforeEach(async () => {
      fixture = await makeDriver();
      driver = fixture.driver;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    const read = async (path: string, offset?: number, length?: number) =>
      buffer(await driver.reader(path, offset, length));

    async function write(path: string, chunks: Buffer[], append: boolean): Promise<number> {
      const writer = await driver.writer(path, append);
      await pipeline(Readable.from(chunks, { objectMode: false }), writer.stream);
      await writer.commit();
      return writer.size;
    }

    describe('getContent and putContent', () => {
      it('round-trips binary content and creates parent directories', async () => {
        const data = randomBytes(4096);
        await driver.putContent('/a/b/file', data);
        expect(await driver.getContent('/a/b/file')).toEqual(data);
        expect((await driver.stat('/a/b')).isDir).toBe(true);
      });

      it('replaces a file entirely, also with shorter or empty content', async () => {
        await driver.putContent('/f', Buffer.from('a long first version'));
        await driver.putContent('/f', Buffer.from('short'));
        expect((await driver.getContent('/f')).toString()).toBe('short');
        await driver.putContent('/f', new Uint8Array());
        expect((await driver.getContent('/f')).length).toBe(0);
        expect((await driver.stat('/f')).size).toBe(0);
      });

      it('keeps its own copy of the bytes', async () => {
        const data = Buffer.from('original');
        await driver.putContent('/f', data);
        data.fill(0);
        const first = await driver.getContent('/f');
        first.fill(0);
        expect((await driver.getContent('/f')).toString()).toBe('original');
      });

      it('never lets a reader see a mix of old and new content', async () => {
        const versions = [Buffer.alloc(256 * 1024, 'a'), Buffer.alloc(100 * 1024, 'b')];
        await driver.putContent('/f', versions[0] as Buffer);
        const writes = Array.from({ length: 12 }, (_, i) => driver.putContent('/f', versions[i % 2] as Buffer));
        const reads = Array.from({ length: 24 }, () => driver.getContent('/f'));
        await Promise.all(writes);
        for (const content of await Promise.all(reads)) {
          expect(versions.some((v) => v.equals(content))).toBe(true);
        }
      });

      it('throws PathNotFound for a missing file', async () => {
        await expect(driver.getContent('/missing')).rejects.toBeInstanceOf(PathNotFound);
        await expect(driver.getContent('/missing')).rejects.toMatchObject({ path: '/missing' });
      });
    });

    describe('stat', () => {
      it('describes files and directories', async () => {
        const before = Date.now();
        await driver.putContent('/d/f', Buffer.from('12345'));
        const file = await driver.stat('/d/f');
        expect(file).toMatchObject({ path: '/d/f', size: 5, isDir: false });
        expect(file.modTime).toBeInstanceOf(Date);
        expect(file.modTime.getTime()).toBeGreaterThanOrEqual(before - 2000);
        expect(await driver.stat('/d')).toMatchObject({ path: '/d', isDir: true });
      });

      it('treats the root as a directory, even in an empty store', async () => {
        expect(await driver.stat('/')).toMatchObject({ path: '/', isDir: true });
      });

      it('throws PathNotFound for missing paths, including paths through a file', async () => {
        await driver.putContent('/f', Buffer.from('x'));
        await expect(driver.stat('/missing')).rejects.toBeInstanceOf(PathNotFound);
        await expect(driver.stat('/f/below')).rejects.toBeInstanceOf(PathNotFound);
      });
    });

    describe('reader', () => {
      // Larger than the filesystem driver's 1 MiB read buffer, so several chunks are joined.
      const data = randomBytes(3 * 1024 * 1024 + 7);
      beforeEach(async () => {
        await driver.putContent('/blob', data);
      });

      it('streams the whole file', async () => {
        expect((await read('/blob')).equals(data)).toBe(true);
      });

      it('honours offset and length', async () => {
        expect((await read('/blob', 10)).equals(data.subarray(10))).toBe(true);
        expect((await read('/blob', 1024 * 1024 - 3, 10)).equals(data.subarray(1024 * 1024 - 3, 1024 * 1024 + 7))).toBe(
          true,
        );
        expect((await read('/blob', data.length - 1, 1)).equals(data.subarray(data.length - 1))).toBe(true);
      });

      it('stops at the end of the file when length reaches past it', async () => {
        expect((await read('/blob', data.length - 5, 100)).equals(data.subarray(data.length - 5))).toBe(true);
      });

      it('yields an empty stream at or past the end, and for length 0', async () => {
        expect((await read('/blob', data.length)).length).toBe(0);
        expect((await read('/blob', data.length + 100)).length).toBe(0);
        expect((await read('/blob', 5, 0)).length).toBe(0);
      });

      it('streams bytes, not objects', async () => {
        const stream = await driver.reader('/blob', 0, 10);
        expect(stream.readableObjectMode).toBe(false);
        stream.destroy();
      });

      it('rejects a missing file before any stream exists, and negative offsets', async () => {
        await expect(driver.reader('/missing')).rejects.toBeInstanceOf(PathNotFound);
        await expect(driver.reader('/blob', -1)).rejects.toThrow();
      });

      it('refuses to read a directory', async () => {
        await driver.putContent('/d/f', Buffer.from('x'));
        await expect(read('/d')).rejects.toThrow();
      });
    });

    describe('writer', () => {
      it('writes a new file, creating parents, and reports its size', async () => {
        const chunks = [randomBytes(1000), randomBytes(70_000), randomBytes(1)];
        expect(await write('/w/x/file', chunks, false)).toBe(71_001);
        expect((await driver.getContent('/w/x/file')).equals(Buffer.concat(chunks))).toBe(true);
      });

      it('appends after existing bytes, counting them in size from the start', async () => {
        await driver.putContent('/f', Buffer.from('hello '));
        const writer = await driver.writer('/f', true);
        expect(writer.size).toBe(6);
        await pipeline(Readable.from([Buffer.from('world')], { objectMode: false }), writer.stream);
        await writer.commit();
        expect(writer.size).toBe(11);
        expect((await driver.getContent('/f')).toString()).toBe('hello world');
      });

      it('creates the file when appending to a missing one', async () => {
        expect(await write('/new/f', [Buffer.from('abc')], true)).toBe(3);
        expect((await driver.getContent('/new/f')).toString()).toBe('abc');
      });

      it('truncates without append', async () => {
        await driver.putContent('/f', Buffer.from('old content that is long'));
        const writer = await driver.writer('/f', false);
        expect(writer.size).toBe(0);
        await pipeline(Readable.from([Buffer.from('new')], { objectMode: false }), writer.stream);
        await writer.commit();
        expect((await driver.getContent('/f')).toString()).toBe('new');
      });

      it('keeps many small writes in order', async () => {
        const chunks = Array.from({ length: 500 }, (_, i) => Buffer.from(`${i},`));
        await write('/f', chunks, false);
        expect((await driver.getContent('/f')).toString()).toBe(chunks.join(''));
      });

      it('cancel discards the file', async () => {
        const writer = await driver.writer('/c/f', false);
        writer.stream.write(Buffer.from('partial'));
        await writer.cancel();
        await expect(driver.stat('/c/f')).rejects.toBeInstanceOf(PathNotFound);
      });

      it('commit after a broken pipeline keeps the bytes that reached the file', async () => {
        const first = randomBytes(10_000);
        const writer = await driver.writer('/f', true);
        async function* source() {
          yield first;
          while (writer.size < first.length) await sleep(2);
          throw new Error('client went away');
        }
        await expect(pipeline(Readable.from(source(), { objectMode: false }), writer.stream)).rejects.toThrow(
          'client went away',
        );
        await writer.commit();
        expect(writer.size).toBe(first.length);
        expect((await driver.getContent('/f')).equals(first)).toBe(true);
      });

      it('commit waits for a write still in flight when the stream was destroyed', async () => {
        const big = randomBytes(16 * 1024 * 1024);
        const writer = await driver.writer('/f', false);
        writer.stream.write(big);
        writer.stream.destroy();
        await writer.commit();
        const size = writer.size;
        expect(size).toBe(big.length);
        expect((await driver.stat('/f')).size).toBe(size);
        expect((await driver.getContent('/f')).equals(big)).toBe(true);
      });

      it('refuses a second commit or cancel', async () => {
        const writer = await driver.writer('/f', false);
        await writer.commit();
        await expect(writer.commit()).rejects.toThrow();
        await expect(writer.cancel()).rejects.toThrow();
        expect((await driver.stat('/f')).size).toBe(0);
      });
    });

    describe('list', () => {
      it('returns the direct children as full paths in code-unit order', async () => {
        for (const name of ['b', 'a', 'B', '_x', '10', '9', 'a.b', 'a-b'])
          await driver.putContent(`/d/${name}`, Buffer.from(name));
        await driver.putContent('/d/sub/deep', Buffer.from('x'));
        expect(await driver.list('/d')).toEqual([
          '/d/10',
          '/d/9',
          '/d/B',
          '/d/_x',
          '/d/a',
          '/d/a-b',
          '/d/a.b',
          '/d/b',
          '/d/sub',
        ]);
      });

      it('lists an empty root as empty, and shows nothing but stored entries', async () => {
        expect(await driver.list('/')).toEqual([]);
        await driver.putContent('/one/f', Buffer.from('x'));
        const writer = await driver.writer('/two', false);
        await writer.cancel();
        await driver.putContent('/three', Buffer.from('x'));
        await driver.move('/three', '/four/f');
        expect(await driver.list('/')).toEqual(['/four', '/one']);
      });

      it('throws PathNotFound for a missing directory or a file', async () => {
        await driver.putContent('/f', Buffer.from('x'));
        await expect(driver.list('/missing')).rejects.toBeInstanceOf(PathNotFound);
        await expect(driver.list('/f')).rejects.toBeInstanceOf(PathNotFound);
      });
    });

    describe('move', () => {
      it('moves a file, creating parents, and removes the source', async () => {
        await driver.putContent('/src/f', Buffer.from('payload'));
        await driver.move('/src/f', '/dst/deep/f');
        expect((await driver.getContent('/dst/deep/f')).toString()).toBe('payload');
        await expect(driver.stat('/src/f')).rejects.toBeInstanceOf(PathNotFound);
      });

      it('replaces an existing destination', async () => {
        await driver.putContent('/src', Buffer.from('new'));
        await driver.putContent('/dst', Buffer.from('old and longer'));
        await driver.move('/src', '/dst');
        expect((await driver.getContent('/dst')).toString()).toBe('new');
      });

      it('throws PathNotFound naming a missing source, and creates nothing', async () => {
        await expect(driver.move('/missing', '/dst/f')).rejects.toMatchObject({
          name: 'PathNotFound',
          path: '/missing',
        });
        await expect(driver.stat('/dst/f')).rejects.toBeInstanceOf(PathNotFound);
      });
    });

    describe('delete', () => {
      it('deletes a file and leaves its siblings', async () => {
        await driver.putContent('/d/a', Buffer.from('a'));
        await driver.putContent('/d/b', Buffer.from('b'));
        await driver.delete('/d/a');
        await expect(driver.stat('/d/a')).rejects.toBeInstanceOf(PathNotFound);
        expect(await driver.list('/d')).toEqual(['/d/b']);
      });

      it('deletes a directory tree', async () => {
        await driver.putContent('/t/a', Buffer.from('a'));
        await driver.putContent('/t/b/c', Buffer.from('c'));
        await driver.putContent('/u', Buffer.from('u'));
        await driver.delete('/t');
        await expect(driver.stat('/t/b/c')).rejects.toBeInstanceOf(PathNotFound);
        await expect(driver.stat('/t')).rejects.toBeInstanceOf(PathNotFound);
        expect(await driver.list('/')).toEqual(['/u']);
      });

      it('throws PathNotFound for a missing path', async () => {
        await expect(driver.delete('/missing')).rejects.toBeInstanceOf(PathNotFound);
      });
    });

    describe('walk', () => {
      const files = ['/w/b/c', '/w/b-x', '/w/a', '/w/b/a/z', '/w/c.txt'];
      beforeEach(async () => {
        for (const [i, path] of files.entries()) await driver.putContent(path, Buffer.alloc(i + 1));
        await driver.putContent('/other', Buffer.from('outside'));
      });

      it('visits every file under the path, depth first, per-segment sorted', async () => {
        const seen: FileInfo[] = [];
        await driver.walk('/w', (info) => {
          seen.push(info);
        });
        // `b` before `b-x`: whole-path sorting would put `/w/b-x` first ('-' < '/').
        expect(seen.map((i) => i.path)).toEqual(['/w/a', '/w/b/a/z', '/w/b/c', '/w/b-x', '/w/c.txt']);
        expect(seen.every((i) => !i.isDir)).toBe(true);
        expect(seen.find((i) => i.path === '/w/b/a/z')?.size).toBe(4);
      });

      it('awaits an async visitor before the next visit and propagates its error', async () => {
        const events: string[] = [];
        await driver.walk('/w', async (info) => {
          events.push(`start ${info.path}`);
          await sleep(2);
          events.push(`end ${info.path}`);
        });
        expect(events.slice(0, 4)).toEqual(['start /w/a', 'end /w/a', 'start /w/b/a/z', 'end /w/b/a/z']);
        await expect(
          driver.walk('/w', () => {
            throw new Error('stop');
          }),
        ).rejects.toThrow('stop');
      });

      it('walks the root, and throws PathNotFound for a missing path or a file', async () => {
        const seen: string[] = [];
        await driver.walk('/', (info) => {
          seen.push(info.path);
        });
        expect(seen).toEqual(['/other', '/w/a', '/w/b/a/z', '/w/b/c', '/w/b-x', '/w/c.txt']);
        await expect(driver.walk('/missing', () => undefined)).rejects.toBeInstanceOf(PathNotFound);
        await expect(driver.walk('/other', () => undefined)).rejects.toBeInstanceOf(PathNotFound);
      });
    });

    describe('paths', () => {
      const invalid = [
        '',
        'a',
        'a/b',
        '/a/',
        '//a',
        '/a//b',
        '/a/./b',
        '/a/../b',
        '/..',
        '/a b',
        '/a\\b',
        '/é',
        '/~tmp',
      ];

      it.each(invalid)('rejects %j in every method with InvalidPath', async (path) => {
        const calls: Array<() => Promise<unknown>> = [
          () => driver.stat(path),
          () => driver.reader(path),
          () => driver.writer(path, true),
          () => driver.getContent(path),
          () => driver.putContent(path, Buffer.from('x')),
          () => driver.list(path),
          () => driver.move(path, '/ok'),
          () => driver.move('/ok', path),
          () => driver.delete(path),
          () => driver.walk(path, () => undefined),
        ];
        await driver.putContent('/ok', Buffer.from('x'));
        for (const call of calls) await expect(call()).rejects.toBeInstanceOf(InvalidPath);
        expect((await driver.getContent('/ok')).toString()).toBe('x');
      });

      it('refuses to write, move or delete the root', async () => {
        await driver.putContent('/f', Buffer.from('x'));
        await expect(driver.putContent('/', Buffer.from('x'))).rejects.toBeInstanceOf(InvalidPath);
        await expect(driver.writer('/', false)).rejects.toBeInstanceOf(InvalidPath);
        await expect(driver.move('/', '/x')).rejects.toBeInstanceOf(InvalidPath);
        await expect(driver.move('/f', '/')).rejects.toBeInstanceOf(InvalidPath);
        await expect(driver.delete('/')).rejects.toBeInstanceOf(InvalidPath);
        expect(await driver.list('/')).toEqual(['/f']);
      });
    });
  });
}
