import { readdirSync, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createZip } from '../../../test/fixtures/scan/zip-builder.js';
import { TempDirs } from '../../../test/helpers/tmp.js';
import { advisoryDbFile, openAdvisoryDatabase } from './advisory-db.js';
import { downloadAdvisories } from './download.js';

const OSV_DIR = new URL('../../../test/fixtures/osv/', import.meta.url).pathname;
const npmFiles = readdirSync(OSV_DIR).filter((name) => name.startsWith('npm-'));
const ZIP = createZip(npmFiles.map((name) => ({ name, data: readFileSync(join(OSV_DIR, name)) })));

const temp = new TempDirs();
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/npm/all.zip') {
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': ZIP.length });
      res.end(ZIP);
    } else if (req.url === '/chunked.zip') {
      // No Content-Length: only counting the body can stop it.
      res.writeHead(200, { 'content-type': 'application/zip' });
      res.write(ZIP.subarray(0, 1000));
      res.end(ZIP.subarray(1000));
    } else if (req.url === '/moved') {
      res.writeHead(302, { location: '/npm/all.zip' });
      res.end();
    } else {
      res.writeHead(404);
      res.end('not here');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await temp.cleanup();
});

describe('downloadAdvisories', () => {
  it('downloads and imports, following redirects, and leaves no temporary file', async () => {
    const dataDir = await temp.make('vulndb-download');
    const db = openAdvisoryDatabase({ file: advisoryDbFile(dataDir) });
    const dir = join(dataDir, 'vulndb', 'downloads');
    try {
      const result = await downloadAdvisories([`${base}/moved`], { db, dir });
      expect(result).toMatchObject({ added: npmFiles.length, skipped: 0, errors: [], sources: ['osv:npm'] });
      expect(result.status.version).toBe(1);
      expect(await readdir(dir)).toEqual([]);

      // A second URL that fails does not undo the one that worked; it is reported.
      const again = await downloadAdvisories([`${base}/missing.zip`, `${base}/npm/all.zip`], { db, dir });
      expect(again).toMatchObject({
        unchanged: npmFiles.length,
        skipped: 1,
        errors: [`${base}/missing.zip: HTTP 404 Not Found`],
      });
      expect(again.status.version).toBe(1);
    } finally {
      await db.close();
    }
  });

  it('refuses a body larger than the cap, declared or not, and imports nothing', async () => {
    const dataDir = await temp.make('vulndb-download-cap');
    const db = openAdvisoryDatabase({ file: advisoryDbFile(dataDir) });
    const dir = join(dataDir, 'downloads');
    try {
      await expect(downloadAdvisories([`${base}/npm/all.zip`], { db, dir, maxBytes: 2000 })).rejects.toThrow(
        `${base}/npm/all.zip: the file is ${ZIP.length} bytes, more than the 2000 accepted`,
      );
      await expect(downloadAdvisories([`${base}/chunked.zip`], { db, dir, maxBytes: 2000 })).rejects.toThrow(
        'the file is larger than the 2000 bytes accepted',
      );
      await expect(downloadAdvisories(['file:///etc/passwd'], { db, dir })).rejects.toThrow('only http and https');
      expect((await db.status()).version).toBe(0);
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await db.close();
    }
  });

  it('stops when aborted', async () => {
    const dataDir = await temp.make('vulndb-download-abort');
    const db = openAdvisoryDatabase({ file: advisoryDbFile(dataDir) });
    try {
      const controller = new AbortController();
      controller.abort();
      await expect(
        downloadAdvisories([`${base}/npm/all.zip`], { db, dir: join(dataDir, 'd'), signal: controller.signal }),
      ).rejects.toThrow(/abort/i);
      expect((await db.status()).version).toBe(0);
    } finally {
      await db.close();
    }
  });
});
