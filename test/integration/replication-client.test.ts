import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFound, Unauthorized } from '../../server/core/errors.js';
import pino from 'pino';
import { RemoteAdapterFactory } from '../../server/replicate/adapters/adapter-factory.js';
import type { RemoteAdapter } from '../../server/replicate/adapters/remote-adapter.js';
import { RegistryClient } from '../../server/replicate/client/registry-client.js';
import {
  ReplicationTransportError,
  type RegistryEndpoint,
  type ReplicationAdapter,
  type ReplicationFilter,
} from '../../server/replicate/replication-contract.js';
import { buildArtifact, buildIndex, randomImage, sha256Digest, type BuiltManifest } from '../fixtures/image-builder.js';
import { seededBytes } from '../fixtures/random.js';
import { freePort } from '../helpers/net.js';
import { startReferenceRegistry, type ReferenceRegistry } from '../helpers/reference-registry.js';
import { TempDirs } from '../helpers/tmp.js';

/**
 * The replication client against the reference registry (distribution 2.8) with no auth, htpasswd
 * and token auth: the connection test, paging, blob pushes (monolithic, chunked, resumed), mounts,
 * manifests, the referrers tag schema, and the token scopes it asks for.
 */

const USER = 'repl';
const PASSWORD = 'Repl-Password-1';
const tmp = new TempDirs();
let plain: ReferenceRegistry;
let token: ReferenceRegistry;
let basic: ReferenceRegistry | undefined;
const clients: RegistryClient[] = [];

function clientOf(url: string, password: string | null = PASSWORD, extra: Partial<RegistryClient['options']> = {}) {
  const c = new RegistryClient({
    url,
    credential: password === null ? null : { type: 'basic', accessKey: USER, accessSecret: password },
    backoffMs: 10,
    ...extra,
  });
  clients.push(c);
  return c;
}

const signal = () => AbortSignal.timeout(20_000);

/** bcrypt for distribution's htpasswd, by the C library through Python (no htpasswd tool here). */
async function htpasswdFile(): Promise<string | undefined> {
  const script = `import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))`;
  try {
    const { stdout } = await promisify(execFile)('python3', ['-W', 'ignore', '-c', script, PASSWORD]);
    if (!stdout.startsWith('$2')) return undefined;
    const file = join(await tmp.make('htpasswd'), 'htpasswd');
    await writeFile(file, `${USER}:${stdout.trim()}\n`);
    return file;
  } catch {
    return undefined;
  }
}

beforeAll(async () => {
  const file = await htpasswdFile();
  [plain, token, basic] = await Promise.all([
    startReferenceRegistry(),
    startReferenceRegistry({ tokenAuth: { users: { [USER]: PASSWORD } } }),
    file ? startReferenceRegistry({ htpasswdFile: file }) : Promise.resolve(undefined),
  ]);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all([plain?.stop(), token?.stop(), basic?.stop()]);
  await tmp.cleanup();
});

const from = (data: Buffer) => (offset: number) => Promise.resolve(Readable.from([data.subarray(offset)]));

async function pushImage(client: RegistryClient, repo: string, image: BuiltManifest, tag: string) {
  for (const [digest, data] of image.blobs) {
    await client.pushBlob(repo, { digest, size: data.length }, from(data), { signal: signal() });
  }
  await client.putManifest(repo, tag, image.mediaType, image.bytes, signal());
}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

describe('ping', () => {
  it('succeeds anonymously on an open registry and with the right password behind token auth', async () => {
    await expect(clientOf(plain.url, null).ping(signal())).resolves.toBeUndefined();
    await expect(clientOf(token.url).ping(signal())).resolves.toBeUndefined();
  });

  it('names the refused user when the password is wrong (token auth)', async () => {
    const err = await clientOf(token.url, 'wrong')
      .ping(signal())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Unauthorized);
    expect((err as Error).message).toMatch(/refused the credentials of "repl"/);
    expect((err as Error).message).not.toContain('wrong');
  });

  it('uses Basic against htpasswd and refuses a wrong password', async (ctx) => {
    if (!basic) return ctx.skip();
    await expect(clientOf(basic.url).ping(signal())).resolves.toBeUndefined();
    const err = await clientOf(basic.url, 'wrong')
      .ping(signal())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Unauthorized);
    expect((err as Error).message).toMatch(/refused the credentials of "repl"/);
  });

  it('says the connection was refused when nothing listens', async () => {
    const err = await clientOf(`http://127.0.0.1:${await freePort()}`)
      .ping(signal())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReplicationTransportError);
    expect((err as Error).message).toMatch(/connection refused/);
  });
});

describe('listing', () => {
  it('pages the catalogue and tags with a small n behind token auth', async () => {
    const c = clientOf(token.url);
    const image = randomImage({ seed: 'paging', layerSizes: [100] });
    for (const name of ['pg/a', 'pg/b', 'pg/c', 'pg/d', 'pg/e']) await pushImage(c, name, image, 'v1');
    for (const tag of ['t2', 't3', 't4', 't5'])
      await c.putManifest('pg/a', tag, image.mediaType, image.bytes, signal());

    const catalog: string[][] = [];
    for await (const page of c.catalog(2, signal())) catalog.push(page);
    expect(catalog.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(catalog.flat()).toEqual(['pg/a', 'pg/b', 'pg/c', 'pg/d', 'pg/e']);

    // distribution 2.8 ignores `n` on tags/list (paging of tags is tested against Berth).
    const tags: string[][] = [];
    for await (const page of c.tags('pg/a', 2, signal())) tags.push(page);
    expect(tags.flat().sort()).toEqual(['t2', 't3', 't4', 't5', 'v1']);

    const none: string[][] = [];
    for await (const page of c.tags('pg/nothing', 2, signal())) none.push(page);
    expect(none).toEqual([]);
  });
});

describe('blobs', () => {
  it('pushes monolithic and chunked, and reads back whole and from an offset', async () => {
    const c = clientOf(plain.url, null, { chunkBytes: 256 * 1024 });
    const small = seededBytes(50_000, 'small');
    const large = seededBytes(1_000_000, 'large');
    let reported = 0;
    await c.pushBlob('blobs/a', { digest: sha256Digest(small), size: small.length }, from(small), {
      signal: signal(),
    });
    await c.pushBlob('blobs/a', { digest: sha256Digest(large), size: large.length }, from(large), {
      signal: signal(),
      onBytes: (n) => (reported += n),
    });
    expect(reported).toBe(large.length);
    expect(await c.headBlob('blobs/a', sha256Digest(small), signal())).toBe(small.length);
    expect(await c.headBlob('blobs/a', sha256Digest(large), signal())).toBe(large.length);
    expect(await c.headBlob('blobs/a', sha256Digest(Buffer.from('absent')), signal())).toBeUndefined();
    expect((await readAll(await c.openBlob('blobs/a', sha256Digest(large), 0, signal()))).equals(large)).toBe(true);
    const tail = await readAll(await c.openBlob('blobs/a', sha256Digest(large), 700_000, signal()));
    expect(tail.equals(large.subarray(700_000))).toBe(true);
    await expect(c.openBlob('blobs/a', sha256Digest(Buffer.from('absent')), 0, signal())).rejects.toBeInstanceOf(
      NotFound,
    );
  });

  it('resumes a chunked push where the registry stands after the source failed between chunks', async () => {
    const c = clientOf(token.url, PASSWORD, { chunkBytes: 256 * 1024 });
    const data = seededBytes(1_500_000, 'resume-boundary');
    const counter = failingSource(data, 512 * 1024);
    await c.pushBlob('resume/a', { digest: sha256Digest(data), size: data.length }, counter.open, {
      signal: signal(),
    });
    expect(counter.opens).toEqual([0, 512 * 1024]);
    expect(counter.read).toBeLessThan(data.length + 256 * 1024);
    const back = await readAll(await c.openBlob('resume/a', sha256Digest(data), 0, signal()));
    expect(back.equals(data)).toBe(true);
  });

  it('still delivers the whole blob when the source fails in the middle of a chunk', async () => {
    const c = clientOf(plain.url, null, { chunkBytes: 256 * 1024 });
    const data = seededBytes(1_200_000, 'resume-mid');
    const counter = failingSource(data, 600_000);
    await c.pushBlob('resume/b', { digest: sha256Digest(data), size: data.length }, counter.open, {
      signal: signal(),
    });
    expect(counter.opens.length).toBe(2);
    // distribution refuses to resume an upload whose last chunk was cut (its state no longer matches);
    // the client then starts a new upload from zero, so at most one extra copy moves.
    expect(counter.read).toBeLessThan(2 * data.length);
    const back = await readAll(await c.openBlob('resume/b', sha256Digest(data), 0, signal()));
    expect(back.equals(data)).toBe(true);
  });

  it('completes a push when the destination is stopped mid-upload and started again on the same data', async () => {
    const dataDir = await tmp.make('restarted-registry');
    const port = await freePort();
    let registry = await startReferenceRegistry({ dataDir, port });
    try {
      const c = clientOf(registry.url, null, { chunkBytes: 256 * 1024 });
      const data = seededBytes(1_200_000, 'restart');
      const boundary = 512 * 1024;
      const opens: number[] = [];
      let read = 0;
      const open = (offset: number) => {
        opens.push(offset);
        let position = offset;
        let restarted = opens.length > 1;
        return Promise.resolve(
          new Readable({
            read() {
              if (!restarted && position === boundary) {
                // Between two chunks: the registry goes down while the next PATCH waits for bytes.
                restarted = true;
                void (async () => {
                  await registry.stop();
                  registry = await startReferenceRegistry({ dataDir, port });
                  this.destroy(new Error('source noticed the peer restart'));
                })();
                return;
              }
              if (position >= data.length) return void this.push(null);
              const end = Math.min(data.length, position + 64 * 1024);
              read += end - position;
              this.push(data.subarray(position, end));
              position = end;
            },
          }),
        );
      };
      await c.pushBlob('restart/a', { digest: sha256Digest(data), size: data.length }, open, {
        signal: signal(),
        retries: 10,
      });
      // Where it resumes depends on how much of the chunk in flight distribution stored before it
      // stopped (a cut chunk makes it drop the upload); it never sends the blob twice over.
      expect(opens).toHaveLength(2);
      expect(read).toBeLessThan(2 * data.length);
      const back = await readAll(await c.openBlob('restart/a', sha256Digest(data), 0, signal()));
      expect(back.equals(data)).toBe(true);
    } finally {
      await registry.stop();
    }
  });

  it('aborts an attempt whose source stalls (idle watchdog) and retries it', async () => {
    const c = clientOf(plain.url, null, { chunkBytes: 64 * 1024 });
    const data = seededBytes(300_000, 'stall');
    const opens: number[] = [];
    const open = (offset: number) => {
      opens.push(offset);
      if (opens.length > 1) return Promise.resolve(Readable.from([data.subarray(offset)]));
      // Sends 100 kB, then never another byte and never an end.
      const stalled = new Readable({ read() {} });
      stalled.push(data.subarray(0, 100_000));
      return Promise.resolve(stalled);
    };
    await c.pushBlob('stall/a', { digest: sha256Digest(data), size: data.length }, open, {
      signal: signal(),
      idleTimeoutMs: 300,
    });
    // The cut chunk makes distribution drop the upload, so the retry starts from zero.
    expect(opens).toEqual([0, 0]);
    expect(await c.headBlob('stall/a', sha256Digest(data), signal())).toBe(data.length);
  });

  it('gives up after the retries when the source keeps failing without progress', async () => {
    const c = clientOf(plain.url, null);
    const data = seededBytes(10_000, 'always-fails');
    let opens = 0;
    const open = () => {
      opens++;
      return Promise.resolve(
        new Readable({
          read() {
            this.destroy(new Error('source broken'));
          },
        }),
      );
    };
    const err = await c
      .pushBlob('fail/a', { digest: sha256Digest(data), size: data.length }, open, { signal: signal(), retries: 2 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReplicationTransportError);
    expect(opens).toBe(3);
  });

  it('does not retry when the source refuses to open the blob', async () => {
    const c = clientOf(plain.url, null);
    let opens = 0;
    const open = () => {
      opens++;
      return Promise.reject(new NotFound('BLOB_UNKNOWN', 'not at the source'));
    };
    const digest = sha256Digest(Buffer.from('x'));
    await expect(c.pushBlob('fail/b', { digest, size: 1 }, open, { signal: signal() })).rejects.toBeInstanceOf(
      NotFound,
    );
    expect(opens).toBe(1);
  });

  it('mounts across repositories with a token that can pull the source', async () => {
    const c = clientOf(token.url);
    const data = seededBytes(20_000, 'mount');
    const digest = sha256Digest(data);
    await c.pushBlob('mount/src', { digest, size: data.length }, from(data), { signal: signal() });
    const before = token.tokenServer!.requests.length;
    expect(await c.mountBlob('mount/dst', digest, 'mount/src', signal())).toBe(true);
    const asked = token.tokenServer!.requests.slice(before).map((r) => r.scopes.sort());
    expect(asked).toContainEqual(['repository:mount/dst:pull,push', 'repository:mount/src:pull']);
    expect(await c.headBlob('mount/dst', digest, signal())).toBe(data.length);
    const absent = sha256Digest(Buffer.from('not there'));
    expect(await c.mountBlob('mount/dst', absent, 'mount/src', signal())).toBe(false);
  });
});

describe('manifests', () => {
  it('puts, heads, gets (digest verified) and deletes by digest', async () => {
    const c = clientOf(token.url);
    const image = randomImage({ seed: 'manifests', layerSizes: [300] });
    await pushImage(c, 'mf/a', image, '1.0');
    expect(await c.headManifest('mf/a', '1.0', signal())).toEqual({ mediaType: image.mediaType, digest: image.digest });
    const got = await c.getManifest('mf/a', image.digest, signal());
    expect(got?.body.equals(image.bytes)).toBe(true);
    expect(got?.mediaType).toBe(image.mediaType);
    expect(await c.getManifest('mf/a', 'nope', signal())).toBeUndefined();
    // One token for the pull scope served the HEAD and both GETs (and the one below).
    await c.getManifest('mf/a', '1.0', signal());
    const pullTokens = token.tokenServer!.requests.filter((r) => r.scopes.join(' ') === 'repository:mf/a:pull');
    expect(pullTokens).toHaveLength(1);
    expect(await c.deleteManifest('mf/a', image.digest, signal())).toBe(true);
    expect(await c.headManifest('mf/a', '1.0', signal())).toBeUndefined();
    expect(await c.deleteManifest('mf/a', image.digest, signal())).toBe(false);
  });

  it('finds referrers through the sha256-<hex> tag schema where there is no referrers API', async () => {
    const c = clientOf(plain.url, null);
    const image = randomImage({ seed: 'referred', layerSizes: [200] });
    await pushImage(c, 'ref/a', image, 'v1');
    const sbom = buildArtifact({
      artifactType: 'application/spdx+json',
      files: [{ mediaType: 'application/spdx+json', data: '{"spdxVersion":"SPDX-2.3"}' }],
      subject: image,
    });
    await pushImage(c, 'ref/a', sbom, sbom.digest);
    const fallback = buildIndex([sbom]);
    await c.putManifest('ref/a', `sha256-${image.digest.slice(7)}`, fallback.mediaType, fallback.bytes, signal());
    const found = await c.referrers('ref/a', image.digest, signal());
    expect(found.map((d) => d.digest)).toEqual([sbom.digest]);
    expect(await c.referrers('ref/a', sbom.digest, signal())).toEqual([]);
  });
});

describe('tag-based adapters', () => {
  const endpointOf = (type: RegistryEndpoint['type'], repositories: string[] = []): RegistryEndpoint => ({
    id: 0,
    name: 'peer',
    description: '',
    type,
    url: token.url,
    credential: { type: 'basic', accessKey: USER, accessSecret: PASSWORD },
    insecure: false,
    caCertificate: null,
    repositories,
    status: 'unknown',
    creationTime: new Date(0),
    updateTime: new Date(0),
  });

  it('docker-registry enumerates the catalogue by pages, name filter first, one artifact per passing tag', async () => {
    const c = clientOf(token.url);
    const image = randomImage({ seed: 'enumerate', layerSizes: [100] });
    await pushImage(c, 'en/x', image, '1.0');
    await pushImage(c, 'en/x', image, 'dev');
    await pushImage(c, 'en/y/z', image, '2.0');
    await pushImage(c, 'eo/other', image, '1.0');
    const factory = new RemoteAdapterFactory({ local: {} as ReplicationAdapter, log: pino({ level: 'silent' }) });
    const adapter = factory.forEndpoint(endpointOf('docker-registry')) as RemoteAdapter;
    clients.push(adapter.client);
    const found: string[] = [];
    const filters: ReplicationFilter[] = [
      { type: 'name', value: 'en/**' },
      { type: 'tag', value: 'dev', decoration: 'excludes' },
    ];
    for await (const page of adapter.enumerate(filters, signal())) {
      for (const a of page) found.push(`${a.repository}:${a.tags.join(',')}${a.digest ? '@' : ''}`);
    }
    expect(found).toEqual(['en/x:1.0', 'en/y/z:2.0']);

    const tags = token.tokenServer!.requests.map((r) => r.scopes).flat();
    // The name filter kept the other repository's tags from being listed at all.
    expect(tags).not.toContain('repository:eo/other:pull');

    const oci = factory.forEndpoint(endpointOf('oci', ['en/y/z', 'eo/other'])) as RemoteAdapter;
    clients.push(oci.client);
    const listed: string[] = [];
    for await (const page of oci.enumerate([], signal()))
      for (const a of page) listed.push(`${a.repository}:${a.tags[0]}`);
    expect(listed).toEqual(['en/y/z:2.0', 'eo/other:1.0']);
  });
});

describe('redirects', () => {
  it('follows a blob redirect to another origin without sending Authorization there', async () => {
    const data = Buffer.from('redirected blob bytes');
    const digest = sha256Digest(data);
    const seen: { registry: IncomingHttpHeaders[]; storage: IncomingHttpHeaders[] } = { registry: [], storage: [] };
    const storage = await listen((req, res) => {
      seen.storage.push(req.headers);
      res.end(data);
    });
    const registry = await listen((req, res) => {
      seen.registry.push(req.headers);
      if (!req.headers.authorization) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="fake"' }).end();
      } else {
        res.writeHead(307, { location: `${storage.url}/bucket/blob?X-Amz-Signature=s` }).end();
      }
    });
    try {
      const c = clientOf(registry.url);
      const back = await readAll(await c.openBlob('r/a', digest, 0, signal()));
      expect(back.equals(data)).toBe(true);
      expect(seen.registry.at(-1)?.authorization).toMatch(/^Basic /);
      expect(seen.storage).toHaveLength(1);
      expect(seen.storage[0]?.authorization).toBeUndefined();
    } finally {
      await Promise.all([storage.close(), registry.close()]);
    }
  });
});

/** A source whose first stream fails after `failAt` bytes; later opens serve the rest. */
function failingSource(data: Buffer, failAt: number) {
  const state = { opens: [] as number[], read: 0 };
  const open = (offset: number) => {
    state.opens.push(offset);
    const first = state.opens.length === 1;
    let position = offset;
    return Promise.resolve(
      new Readable({
        read() {
          if (first && position >= failAt) return void this.destroy(new Error('source connection reset'));
          const end = Math.min(data.length, position + 64 * 1024, first ? failAt : data.length);
          if (position >= data.length) return void this.push(null);
          state.read += end - position;
          this.push(data.subarray(position, end));
          position = end;
        },
      }),
    );
  };
  return Object.assign(state, { open });
}

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
