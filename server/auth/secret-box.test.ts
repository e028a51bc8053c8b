import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TempDirs } from '../../test/helpers/tmp.js';
import { SECRET_KEY_FILE, SecretBoxError, openSecretBox } from './secret-box.js';

const dirs = new TempDirs();
afterAll(() => dirs.cleanup());

describe('secret box', () => {
  it('seals so that only the same key opens, with a fresh IV each time', async () => {
    const dir = await dirs.make('secret-box');
    const box = await openSecretBox(dir);
    const sealed = box.seal('Peer-Pass-1 ünïcode');
    expect(sealed).toMatch(/^v1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain('Peer-Pass');
    expect(box.seal('Peer-Pass-1 ünïcode')).not.toBe(sealed);
    expect(box.open(sealed)).toBe('Peer-Pass-1 ünïcode');
    expect(box.open(box.seal(''))).toBe('');
  });

  it('creates the key file once with mode 0600 and reuses it on the next start', async () => {
    const dir = await dirs.make('secret-box');
    const first = await openSecretBox(dir);
    const file = join(dir, SECRET_KEY_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const key = await readFile(file, 'utf8');
    const sealed = first.seal('kept');
    const second = await openSecretBox(dir);
    expect(await readFile(file, 'utf8')).toBe(key);
    expect(second.open(sealed)).toBe('kept');
    // No temp files are left behind.
    expect(await readdir(dir)).toEqual([SECRET_KEY_FILE]);
  });

  it('agrees on one key when several instances create it at once', async () => {
    const dir = await dirs.make('secret-box');
    const boxes = await Promise.all(Array.from({ length: 8 }, () => openSecretBox(dir)));
    const sealed = boxes[0]!.seal('shared');
    for (const box of boxes) expect(box.open(sealed)).toBe('shared');
    expect(await readdir(dir)).toEqual([SECRET_KEY_FILE]);
  });

  it('honours an explicit key file shared by instances with different data dirs', async () => {
    const shared = join(await dirs.make('secret-box-shared'), 'nested', 'berth.key');
    const a = await openSecretBox(await dirs.make('secret-box-a'), shared);
    const b = await openSecretBox(await dirs.make('secret-box-b'), shared);
    expect(a.keyFile).toBe(shared);
    expect(b.open(a.seal('across'))).toBe('across');
  });

  it('says clearly that a replaced key cannot open what the old one sealed', async () => {
    const dir = await dirs.make('secret-box');
    const sealed = (await openSecretBox(dir)).seal('lost');
    const other = await openSecretBox(await dirs.make('secret-box-other'));
    expect(() => other.open(sealed)).toThrow(SecretBoxError);
    expect(() => other.open(sealed)).toThrow(/replaced or lost/);
  });

  it('refuses tampered and malformed values', async () => {
    const box = await openSecretBox(await dirs.make('secret-box'));
    const [v, iv, tag, body] = box.seal('tamper me').split(':') as [string, string, string, string];
    const flipped = Buffer.from(body, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    expect(() => box.open([v, iv, tag, flipped.toString('base64url')].join(':'))).toThrow(SecretBoxError);
    expect(() => box.open('plain text')).toThrow(/unknown format/);
    expect(() => box.open(`v2:${iv}:${tag}:${body}`)).toThrow(/unknown format/);
    expect(() => box.open(`v1:AAAA:${tag}:${body}`)).toThrow(/damaged/);
  });

  it('never regenerates a damaged key file', async () => {
    const dir = await dirs.make('secret-box');
    await writeFile(join(dir, SECRET_KEY_FILE), 'not a key\n', { mode: 0o600 });
    await expect(openSecretBox(dir)).rejects.toThrow(/damaged/);
    expect(await readFile(join(dir, SECRET_KEY_FILE), 'utf8')).toBe('not a key\n');
  });
});
