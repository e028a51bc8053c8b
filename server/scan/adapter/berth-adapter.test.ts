import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ImageScanner } from '../scan-contract.js';
import { AdapterBusy, BerthAdapter } from './berth-adapter.js';
import type { ScanRequestBody } from './adapter-protocol.js';

/**
 * The adapter's bounds: scans beyond the running and waiting limits are refused, finished results
 * are forgotten past their count, and closing stops what runs. A registry that accepts connections
 * and never answers keeps scans running for as long as a test needs.
 */

let silentRegistry: Server;
let silentUrl: string;
let tempDir: string;
let adapter: BerthAdapter | undefined;

const scanner: ImageScanner = {
  identity: async () => ({ name: 'Berth', vendor: 'Berth', version: 'test' }),
  scanLayers: async () => ({ os: null, packages: [], findings: [], incomplete: false }),
};
const vulndb = { status: async () => ({ version: 1, updatedAt: null, newestRecordAt: null, records: 0, sources: [] }) };

function request(registryUrl: string): ScanRequestBody {
  return {
    registry: { url: registryUrl, authorization: 'Bearer t' },
    artifact: { repository: 'library/app', digest: `sha256:${'0'.repeat(64)}` },
  };
}

async function settled(a: BerthAdapter, id: string): Promise<void> {
  while (['queued', 'running'].includes(a.result(id)?.state ?? '')) await new Promise((r) => setTimeout(r, 5));
}

beforeAll(async () => {
  silentRegistry = createServer(() => undefined);
  await new Promise<void>((resolve) => silentRegistry.listen(0, '127.0.0.1', resolve));
  silentUrl = `http://127.0.0.1:${(silentRegistry.address() as AddressInfo).port}`;
});

afterAll(async () => {
  silentRegistry.closeAllConnections();
  await new Promise((r) => silentRegistry.close(r));
});

beforeEach(async () => {
  tempDir = await mkdtemp(join(tmpdir(), 'berth-adapter-unit-'));
});

afterEach(async () => {
  await adapter?.close();
  adapter = undefined;
  await rm(tempDir, { recursive: true, force: true });
});

describe('BerthAdapter', () => {
  it('runs at most `concurrency` scans, queues `maxQueued` more and refuses the next as busy', async () => {
    adapter = new BerthAdapter({
      scanner,
      vulndb,
      log: pino({ level: 'silent' }),
      version: 't',
      tempDir,
      concurrency: 1,
      maxQueued: 1,
    });
    const first = adapter.submit(request(silentUrl));
    const second = adapter.submit(request(silentUrl));
    expect(adapter.result(first)).toEqual({ state: 'running' });
    expect(adapter.result(second)).toEqual({ state: 'queued' });
    expect(() => adapter!.submit(request(silentUrl))).toThrow(AdapterBusy);
  });

  it('stops running scans on close and leaves no pulled files behind', async () => {
    adapter = new BerthAdapter({ scanner, vulndb, log: pino({ level: 'silent' }), version: 't', tempDir });
    const id = adapter.submit(request(silentUrl));
    expect(adapter.result(id)).toEqual({ state: 'running' });
    await adapter.close();
    expect(adapter.result(id)).toBeUndefined();
    expect(await readdir(tempDir)).toEqual([]);
    expect(() => adapter!.submit(request(silentUrl))).toThrow('the scanner is shutting down');
  });

  it('keeps at most `maxResults` finished scans, forgetting the oldest', async () => {
    adapter = new BerthAdapter({
      scanner,
      vulndb,
      log: pino({ level: 'silent' }),
      version: 't',
      tempDir,
      maxResults: 1,
    });
    // Nothing listens on port 1: each scan fails at once with the connection refused.
    const older = adapter.submit(request('http://127.0.0.1:1'));
    await settled(adapter, older);
    expect(adapter.result(older)).toMatchObject({
      state: 'failed',
      message: expect.stringMatching(/cannot reach http:\/\/127\.0\.0\.1:1/),
    });
    const newer = adapter.submit(request('http://127.0.0.1:1'));
    await settled(adapter, newer);
    expect(adapter.result(newer)?.state).toBe('failed');
    expect(adapter.result(older)).toBeUndefined();
  });

  it('fails a scan that outlives its time limit, with a message that says so', async () => {
    adapter = new BerthAdapter({
      scanner,
      vulndb,
      log: pino({ level: 'silent' }),
      version: 't',
      tempDir,
      scanTimeoutMs: 200,
    });
    const id = adapter.submit(request(silentUrl));
    await settled(adapter, id);
    expect(adapter.result(id)).toEqual({ state: 'failed', message: 'the scan did not finish within 200 ms' });
  });
});
