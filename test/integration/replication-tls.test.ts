import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, randomBlobLayer, type BuiltManifest } from '../fixtures/image-builder.js';
import { ADMIN_HEADERS } from '../helpers/berth.js';
import { MANIFEST_ACCEPT, OciClient } from '../helpers/oci-client.js';
import { startReferenceRegistry, type ReferenceRegistry } from '../helpers/reference-registry.js';
import { ApiError, replicationApi } from '../helpers/replication.js';
import { TempDirs } from '../helpers/tmp.js';
import { startTestServer } from './oci-client.js';

/**
 * An endpoint's TLS settings end to end, through the Harbor API of a Berth in process, against the
 * reference registry serving HTTPS with a certificate from a throwaway CA: untrusted by default,
 * trusted with that CA as `ca_certificate` (and only that CA), skipped with `insecure`, and a real
 * push replication over the verified connection. Nothing in this process trusts the CA globally.
 */

const execFileP = promisify(execFile);
const openssl = (...args: string[]) => execFileP('openssl', args);

const tmp = new TempDirs();
let berth: Awaited<ReturnType<typeof startTestServer>>;
let peer: ReferenceRegistry;
let api: ReturnType<typeof replicationApi>;
let caPem: string;
let otherCaPem: string;
/** Trusts the test CA for the test's own reads of the peer, not for anything else. */
let peerAgent: Agent;

/** A self-signed CA: returns the paths of its certificate and key. */
async function makeCa(dir: string, name: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}.key`);
  await openssl(
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', `/CN=Berth test ${name}`, '-keyout', key, '-out', cert,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ); // prettier-ignore
  return { cert, key };
}

/** A server certificate for 127.0.0.1 (an IP SAN, as clients check) signed by `ca`. */
async function makeServerCert(dir: string, ca: { cert: string; key: string }) {
  const key = join(dir, 'server.key');
  const csr = join(dir, 'server.csr');
  const cert = join(dir, 'server.pem');
  const ext = join(dir, 'server.ext');
  await writeFile(
    ext,
    'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n',
  );
  await openssl(
    'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-subj', '/CN=127.0.0.1', '-keyout', key, '-out', csr,
  ); // prettier-ignore
  await openssl(
    'x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', '0x5eed01',
    '-days', '2', '-extfile', ext, '-out', cert,
  ); // prettier-ignore
  return { cert, key };
}

beforeAll(async () => {
  const dir = await tmp.make('replication-tls');
  const ca = await makeCa(dir, 'ca');
  const other = await makeCa(dir, 'other-ca');
  const server = await makeServerCert(dir, ca);
  caPem = await readFile(ca.cert, 'utf8');
  otherCaPem = await readFile(other.cert, 'utf8');
  [peer, berth] = await Promise.all([
    startReferenceRegistry({ tls: { certificate: server.cert, key: server.key, ca: caPem } }),
    startTestServer(),
  ]);
  api = replicationApi(berth.url);
  peerAgent = new Agent({ connect: { ca: caPem } });
}, 60_000);

afterAll(async () => {
  await peerAgent?.close();
  await berth?.stop();
  await peer?.stop();
  await tmp.cleanup();
});

/** POST /registries/ping; the status and, on failure, the Harbor error message. */
async function ping(body: Record<string, unknown>): Promise<{ status: number; message: string }> {
  try {
    const res = await api.call('POST', '/registries/ping', { type: 'docker-registry', url: peer.url, ...body });
    return { status: res.status, message: '' };
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    const parsed = JSON.parse(e.body) as { errors?: Array<{ message?: string }> };
    return { status: e.status, message: parsed.errors?.[0]?.message ?? e.body };
  }
}

/** GET from the peer over HTTPS, trusting the test CA for this request only. */
async function peerGet(path: string, accept?: string) {
  const res = await request(`${peer.url}${path}`, {
    dispatcher: peerAgent,
    headers: accept ? { accept } : {},
  });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, body };
}

describe('replication endpoint TLS options', () => {
  it('the peer really serves HTTPS that this process does not trust by itself', async () => {
    expect(peer.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    await expect(fetch(`${peer.url}/v2/`)).rejects.toThrow();
    expect((await peerGet('/v2/')).status).toBe(200);
  });

  it('a ping fails with 400 saying the certificate is not trusted when neither a CA nor insecure is given', async () => {
    const res = await ping({});
    expect(res.status).toBe(400);
    expect(res.message).toContain(peer.url);
    expect(res.message).toMatch(/certificate/i);
    expect(res.message).toMatch(/not trusted/i);
  });

  it('a ping passes with the issuing CA as ca_certificate, and with insecure', async () => {
    expect(await ping({ ca_certificate: caPem })).toEqual({ status: 200, message: '' });
    expect(await ping({ insecure: true })).toEqual({ status: 200, message: '' });
  });

  it('a ping with another CA fails: the given CA is what is trusted, not any certificate', async () => {
    const res = await ping({ ca_certificate: otherCaPem });
    expect(res.status).toBe(400);
    expect(res.message).toMatch(/not trusted/i);
    // insecure=false said outright changes nothing.
    expect((await ping({ insecure: false })).status).toBe(400);
  });

  it('replicates an image over TLS verified with the endpoint CA', async () => {
    const registryId = await api.createRegistry({
      name: 'tls-peer',
      type: 'docker-registry',
      url: peer.url,
      insecure: false,
      ca_certificate: caPem,
    });
    const stored = (await api.call('GET', `/registries/${registryId}`)).json as Record<string, unknown>;
    expect(stored).toMatchObject({ url: peer.url, insecure: false, ca_certificate: caPem.trim() });
    expect((await api.call('POST', '/registries/ping', { id: registryId })).status).toBe(200);

    const image: BuiltManifest = buildImage({
      layers: [randomBlobLayer(300 * 1024, 'tls/layer/0'), randomBlobLayer(4096, 'tls/layer/1')],
    });
    await new OciClient(berth.url, ADMIN_HEADERS).pushImage('tls/app', image, '1.0');
    const policyId = await api.createPolicy({
      name: 'over-tls',
      src_registry: null,
      dest_registry: { id: registryId },
      dest_namespace: '',
      dest_namespace_replace_count: -1,
      trigger: { type: 'manual', trigger_settings: { cron: '' } },
      filters: [{ type: 'name', value: 'tls/**' }],
      enabled: true,
      override: true,
      replicate_deletion: false,
      speed: 0,
    });
    const executionId = await api.start(policyId);
    const run = await api.waitFor(executionId);
    expect(run.status, await api.logs(executionId)).toBe('Succeed');
    expect(run).toMatchObject({ total: 1, succeed: 1, failed: 0 });

    const manifest = await peerGet('/v2/tls/app/manifests/1.0', MANIFEST_ACCEPT);
    expect(manifest.status).toBe(200);
    expect(manifest.headers['docker-content-digest']).toBe(image.digest);
    expect(manifest.body.equals(image.bytes)).toBe(true);
    for (const [digest, bytes] of image.blobs) {
      const blob = await peerGet(`/v2/tls/app/blobs/${digest}`);
      expect(blob.status).toBe(200);
      expect(blob.body.equals(bytes)).toBe(true);
    }
  }, 30_000);
});
