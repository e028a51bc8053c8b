import type * as FsPromises from 'node:fs/promises';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { describeStorageDriverContract } from '../../test/contract/storage-driver-contract.js';
import { FilesystemDriver } from './filesystem-driver.js';

/*
 * fsync and rename are observed through a pass-through mock of node:fs/promises: durability is about
 * which syscalls happen in which order, which no read-back after the fact can show.
 */
const io = vi.hoisted(() => ({ events: [] as string[] }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof FsPromises>();
  const open: typeof actual.open = async (path, ...rest) => {
    const handle = await actual.open(path, ...rest);
    const sync = handle.sync.bind(handle);
    handle.sync = async () => {
      await sync();
      io.events.push(`fsync ${String(path)}`);
    };
    return handle;
  };
  const rename: typeof actual.rename = async (from, to) => {
    io.events.push(`rename ${String(from)} -> ${String(to)}`);
    await actual.rename(from, to);
  };
  return { ...actual, open, rename, default: { ...actual, open, rename } };
});

async function makeRoot(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'berth-fs-driver-'));
}

describeStorageDriverContract('filesystem', async () => {
  const root = await makeRoot();
  return { driver: new FilesystemDriver(root), cleanup: () => rm(root, { recursive: true, force: true }) };
});

describe('FilesystemDriver', () => {
  let root: string;
  let driver: FilesystemDriver;
  beforeEach(async () => {
    root = await makeRoot();
    driver = new FilesystemDriver(root);
    io.events.length = 0;
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const syncs = () => io.events.filter((e) => e.startsWith('fsync ')).map((e) => e.slice(6));

  it('putContent fsyncs the staged file, renames it into place, then fsyncs the new directories', async () => {
    await driver.putContent('/a/b/c', Buffer.from('x'));
    const [fileSync, ...rest] = io.events;
    expect(fileSync).toMatch(new RegExp(`^fsync ${join(root, '~tmp')}`));
    const rename = rest.find((e) => e.startsWith('rename '));
    expect(rename).toBe(`rename ${fileSync?.slice(6)} -> ${join(root, 'a', 'b', 'c')}`);
    // New parents are made durable in their own parents; the final directory after the rename.
    expect(syncs().slice(1)).toEqual([join(root, 'a'), root, join(root, 'a', 'b')]);
    expect(io.events.indexOf(rename as string)).toBeLessThan(io.events.lastIndexOf(`fsync ${join(root, 'a', 'b')}`));
  });

  it('putContent replacing a file in an existing directory syncs just the file and that directory', async () => {
    await driver.putContent('/d/f', Buffer.from('1'));
    io.events.length = 0;
    await driver.putContent('/d/f', Buffer.from('2'));
    expect(syncs()).toHaveLength(2);
    expect(syncs()[1]).toBe(join(root, 'd'));
  });

  it('writer.commit fsyncs a new file and its directory, an existing file alone', async () => {
    const first = await driver.writer('/up/data', true);
    await pipeline(Readable.from([Buffer.from('abc')], { objectMode: false }), first.stream);
    io.events.length = 0;
    await first.commit();
    expect(syncs()).toEqual([join(root, 'up', 'data'), join(root, 'up')]);

    const second = await driver.writer('/up/data', true);
    await pipeline(Readable.from([Buffer.from('def')], { objectMode: false }), second.stream);
    io.events.length = 0;
    await second.commit();
    expect(syncs()).toEqual([join(root, 'up', 'data')]);
  });

  it('move renames, then fsyncs the destination directory', async () => {
    await driver.putContent('/src', Buffer.from('x'));
    await mkdir(join(root, 'dst'));
    io.events.length = 0;
    await driver.move('/src', '/dst/f');
    expect(io.events).toEqual([
      `rename ${join(root, 'src')} -> ${join(root, 'dst', 'f')}`,
      `fsync ${join(root, 'dst')}`,
    ]);
  });

  it('leaves no staging file behind, also when the rename fails', async () => {
    await driver.putContent('/f', Buffer.from('old'));
    const fs = await import('node:fs/promises');
    vi.spyOn(fs, 'rename').mockRejectedValueOnce(Object.assign(new Error('EIO'), { code: 'EIO' }));
    await expect(driver.putContent('/f', Buffer.from('new'))).rejects.toThrow('EIO');
    vi.restoreAllMocks();
    expect((await driver.getContent('/f')).toString()).toBe('old');
    expect(await readdir(join(root, '~tmp'))).toEqual([]);
  });

  it('hides staging files and foreign names from list and walk', async () => {
    await driver.putContent('/f', Buffer.from('x'));
    await writeFile(join(root, '~tmp', 'left-by-a-crash'), 'junk');
    await writeFile(join(root, 'not valid'), 'junk');
    expect(await readdir(root)).toContain('~tmp');
    expect(await driver.list('/')).toEqual(['/f']);
    const seen: string[] = [];
    await driver.walk('/', (info) => {
      seen.push(info.path);
    });
    expect(seen).toEqual(['/f']);
  });

  it('removeStaleTempFiles removes old staging files and keeps fresh ones', async () => {
    expect(await driver.removeStaleTempFiles()).toBe(0);
    await mkdir(join(root, '~tmp'));
    await writeFile(join(root, '~tmp', 'old'), 'x');
    await writeFile(join(root, '~tmp', 'fresh'), 'x');
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    await utimes(join(root, '~tmp', 'old'), twoHoursAgo, twoHoursAgo);
    expect(await driver.removeStaleTempFiles(60 * 60 * 1000)).toBe(1);
    expect(await readdir(join(root, '~tmp'))).toEqual(['fresh']);
  });

  it('reads in 1 MiB slices', async () => {
    await driver.putContent('/big', Buffer.alloc(3 * 1024 * 1024));
    const sizes: number[] = [];
    for await (const chunk of await driver.reader('/big')) sizes.push((chunk as Buffer).length);
    expect(sizes).toEqual([1024 * 1024, 1024 * 1024, 1024 * 1024]);
  });

  it('works on a root directory that does not exist yet', async () => {
    const fresh = new FilesystemDriver(join(root, 'later'));
    expect(await fresh.list('/')).toEqual([]);
    await fresh.putContent('/f', Buffer.from('x'));
    expect(await fresh.list('/')).toEqual(['/f']);
  });
});
