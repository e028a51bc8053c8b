import { describe, expect, it } from 'vitest';
import { describeStorageDriverContract } from '../../test/contract/storage-driver-contract.js';
import { MemoryDriver } from './memory-driver.js';

describeStorageDriverContract('memory', async () => ({ driver: new MemoryDriver(), cleanup: async () => undefined }));

describe('MemoryDriver', () => {
  it('keeps separate instances separate', async () => {
    const a = new MemoryDriver();
    const b = new MemoryDriver();
    await a.putContent('/f', Buffer.from('x'));
    expect(await b.list('/')).toEqual([]);
  });

  it('refuses a file where a directory is, and a directory through a file', async () => {
    const driver = new MemoryDriver();
    await driver.putContent('/d/f', Buffer.from('x'));
    await expect(driver.putContent('/d', Buffer.from('x'))).rejects.toMatchObject({ code: 'EISDIR' });
    await expect(driver.writer('/d/f/g', true)).rejects.toMatchObject({ code: 'ENOTDIR' });
    expect((await driver.getContent('/d/f')).toString()).toBe('x');
  });

  it('reports a directory modification time from its newest file', async () => {
    const driver = new MemoryDriver();
    await driver.putContent('/d/f', Buffer.from('x'));
    const file = await driver.stat('/d/f');
    expect((await driver.stat('/d')).modTime.getTime()).toBe(file.modTime.getTime());
  });
});
