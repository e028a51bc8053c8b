import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type BerthServer } from '../../server/index.js';
import { ADMIN_HEADERS, TEST_ADMIN } from '../helpers/berth.js';

/** A Berth on a free loopback port with its own data dir; `restart` keeps the data. */
export async function startTestServer(extra: Record<string, unknown> = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), 'berth-it-'));
  const open = async () => {
    const server = await createServer({
      adminPassword: TEST_ADMIN.password,
      config: { dataDir, listen: '127.0.0.1:0', log: { level: 'warn' }, ...extra },
    });
    await server.listen();
    return server;
  };
  let server: BerthServer = await open();
  return {
    get url() {
      return server.url;
    },
    dataDir,
    async restart() {
      await server.close();
      server = await open();
    },
    async stop() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export const sha256 = (data: Uint8Array | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

export function blob(size: number): { bytes: Buffer; digest: string } {
  const bytes = randomBytes(size);
  return { bytes, digest: sha256(bytes) };
}

/**
 * A tiny HTTP helper over fetch that keeps responses' status, headers and bytes. It authenticates as
 * the test admin unless given other headers (`null` for anonymous).
 */
export function client(baseUrl: () => string, auth: Record<string, string> | null = ADMIN_HEADERS) {
  return async function call(
    method: string,
    path: string,
    init: { body?: Buffer | string; headers?: Record<string, string> } = {},
  ) {
    const headers = { ...(auth ?? {}), ...init.headers };
    const res = await fetch(baseUrl() + path, { method, body: init.body, headers, redirect: 'manual' });
    const body = Buffer.from(await res.arrayBuffer());
    return {
      status: res.status,
      headers: res.headers,
      body,
      json: () => JSON.parse(body.toString()) as Record<string, unknown>,
      errorCode: () => (JSON.parse(body.toString()) as { errors: Array<{ code: string }> }).errors[0]?.code,
    };
  };
}

export type Call = ReturnType<typeof client>;

export async function pushBlob(call: Call, name: string, data: { bytes: Buffer; digest: string }) {
  const res = await call('POST', `/v2/${name}/blobs/uploads/?digest=${data.digest}`, {
    body: data.bytes,
    headers: { 'content-type': 'application/octet-stream' },
  });
  if (res.status !== 201) throw new Error(`blob push failed: ${res.status} ${res.body.toString()}`);
}

/** Pushes config + layers and an OCI manifest; returns the manifest bytes and digest. */
export async function pushImage(
  call: Call,
  name: string,
  tag: string,
  options: { layers?: number; extra?: Record<string, unknown> } = {},
) {
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }),
  );
  const cfg = { bytes: config, digest: sha256(config) };
  await pushBlob(call, name, cfg);
  const layers = [];
  for (let i = 0; i < (options.layers ?? 1); i++) {
    const l = blob(1024 + i);
    await pushBlob(call, name, l);
    layers.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.bytes.length });
  }
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: cfg.digest, size: config.length },
      layers,
      ...options.extra,
    }),
  );
  const res = await call('PUT', `/v2/${name}/manifests/${tag}`, {
    body: manifest,
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
  });
  if (res.status !== 201) throw new Error(`manifest push failed: ${res.status} ${res.body.toString()}`);
  return { manifest, digest: sha256(manifest), response: res };
}
