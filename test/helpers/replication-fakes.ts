import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { digestOf } from '../../server/core/digest.js';
import { Invalid } from '../../server/core/errors.js';
import type { Descriptor } from '../../server/core/manifest.js';
import { MediaTypes } from '../../server/core/media-types.js';
import {
  ReplicationTransportError,
  type AdapterFactory,
  type AdapterInfo,
  type NewPolicy,
  type PushBlobOptions,
  type RegistryEndpoint,
  type RegistryType,
  type ReplicationAdapter,
  type ReplicationFilter,
  type ReplicationPolicies,
  type ReplicationPolicy,
  type ReplicationRegistries,
  type SourceArtifact,
} from '../../server/replicate/replication-contract.js';

/**
 * In-memory registries for replication tests: a `ReplicationAdapter` whose blobs are Buffers and
 * that checks what a real registry checks (a manifest's blobs and children must be there first,
 * pushed blobs must hash to their digest). Hooks let a test hold enumeration, blob reads and pushes.
 */
interface Repo {
  manifests: Map<string, { mediaType: string; body: Buffer }>;
  tags: Map<string, string>;
  blobs: Map<string, Buffer>;
}

export class FakeRegistry implements ReplicationAdapter {
  readonly repos = new Map<string, Repo>();
  readonly catalog: SourceArtifact[] = [];
  readonly calls: string[] = [];
  readonly namespaces = new Set<string>();
  pageSize = 1;
  /** Awaited before yielding page `index` (0-based). */
  beforePage?: (index: number) => Promise<void>;
  onOpenBlob?: (
    repository: string,
    digest: string,
    offset: number,
    signal: AbortSignal,
  ) => Promise<Readable> | undefined;
  onPushBlob?: (
    repository: string,
    blob: { digest: string; size: number },
    open: (offset: number) => Promise<Readable>,
    options: PushBlobOptions,
  ) => Promise<void> | undefined;
  failWith?: (method: string) => Error | undefined;
  canDeleteTag = true;

  repo(name: string): Repo {
    let r = this.repos.get(name);
    if (!r) {
      r = { manifests: new Map(), tags: new Map(), blobs: new Map() };
      this.repos.set(name, r);
    }
    return r;
  }

  #fail(method: string): void {
    const err = this.failWith?.(method);
    if (err) throw err;
  }

  info(): AdapterInfo {
    return {
      type: 'oci',
      description: 'fake',
      supportedResourceFilters: [],
      supportedTriggers: ['manual', 'scheduled', 'event_based'],
      supportedCopyByChunk: true,
    };
  }

  async ping(): Promise<void> {}

  async *enumerate(_filters: readonly ReplicationFilter[], signal: AbortSignal): AsyncIterable<SourceArtifact[]> {
    for (let i = 0, page = 0; i < this.catalog.length; i += this.pageSize, page++) {
      await this.beforePage?.(page);
      signal.throwIfAborted();
      yield this.catalog.slice(i, i + this.pageSize);
    }
  }

  #resolve(repository: string, reference: string): string | undefined {
    const r = this.repos.get(repository);
    if (!r) return undefined;
    return reference.includes(':') ? (r.manifests.has(reference) ? reference : undefined) : r.tags.get(reference);
  }

  async getManifest(repository: string, reference: string) {
    this.#fail('getManifest');
    const digest = this.#resolve(repository, reference);
    const m = digest ? this.repos.get(repository)!.manifests.get(digest) : undefined;
    return m && digest ? { mediaType: m.mediaType, digest, body: m.body } : undefined;
  }

  async headManifest(repository: string, reference: string) {
    this.#fail('headManifest');
    const m = await this.getManifest(repository, reference);
    return m ? { mediaType: m.mediaType, digest: m.digest } : undefined;
  }

  async putManifest(repository: string, reference: string, mediaType: string, body: Buffer): Promise<void> {
    this.#fail('putManifest');
    const r = this.repo(repository);
    const doc = JSON.parse(body.toString()) as { manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[] };
    for (const child of doc.manifests ?? []) {
      if (!r.manifests.has(child.digest)) throw new Invalid('MANIFEST_BLOB_UNKNOWN', `child ${child.digest} missing`);
    }
    for (const b of [...(doc.config ? [doc.config] : []), ...(doc.layers ?? [])]) {
      if (!r.blobs.has(b.digest)) throw new Invalid('MANIFEST_BLOB_UNKNOWN', `blob ${b.digest} missing`);
    }
    const digest = digestOf(body);
    r.manifests.set(digest, { mediaType, body });
    if (!reference.includes(':')) r.tags.set(reference, digest);
    this.calls.push(`putManifest ${repository} ${reference}`);
  }

  async deleteManifest(repository: string, digest: string): Promise<boolean> {
    const r = this.repos.get(repository);
    if (!r?.manifests.delete(digest)) return false;
    for (const [tag, d] of r.tags) if (d === digest) r.tags.delete(tag);
    this.calls.push(`deleteManifest ${repository} ${digest}`);
    return true;
  }

  get deleteTag() {
    if (!this.canDeleteTag) return undefined;
    return async (repository: string, tag: string): Promise<boolean> => {
      this.calls.push(`deleteTag ${repository} ${tag}`);
      return this.repos.get(repository)?.tags.delete(tag) ?? false;
    };
  }

  async headBlob(repository: string, digest: string): Promise<number | undefined> {
    this.#fail('headBlob');
    return this.repos.get(repository)?.blobs.get(digest)?.length;
  }

  async mountBlob(repository: string, digest: string, fromRepository: string): Promise<boolean> {
    const blob = this.repos.get(fromRepository)?.blobs.get(digest);
    if (!blob) return false;
    this.repo(repository).blobs.set(digest, blob);
    this.calls.push(`mountBlob ${repository} ${digest} from ${fromRepository}`);
    return true;
  }

  async openBlob(repository: string, digest: string, offset: number, signal: AbortSignal): Promise<Readable> {
    this.calls.push(`openBlob ${repository} ${digest} ${offset}`);
    const hooked = this.onOpenBlob?.(repository, digest, offset, signal);
    if (hooked) return hooked;
    const blob = this.repos.get(repository)?.blobs.get(digest);
    if (!blob) throw new ReplicationTransportError(`no blob ${digest}`, 404);
    // Small pieces, so a throttle has several chunks to pace.
    const pieces: Buffer[] = [];
    for (let i = offset; i < blob.length; i += 4096) pieces.push(blob.subarray(i, i + 4096));
    return Readable.from(pieces, { signal });
  }

  async pushBlob(
    repository: string,
    blob: { digest: string; size: number },
    open: (offset: number) => Promise<Readable>,
    options: PushBlobOptions,
  ): Promise<void> {
    this.calls.push(`pushBlob ${repository} ${blob.digest}`);
    const hooked = this.onPushBlob?.(repository, blob, open, options);
    if (hooked) return hooked;
    const body = await readAll(await open(0), options);
    this.storeBlob(repository, blob.digest, body);
  }

  storeBlob(repository: string, digest: string, body: Buffer): void {
    if (digestOf(body) !== digest) throw new Invalid('DIGEST_INVALID', `pushed bytes are not ${digest}`);
    this.repo(repository).blobs.set(digest, body);
  }

  async referrers(repository: string, digest: string): Promise<Descriptor[]> {
    const out: Descriptor[] = [];
    for (const [d, m] of this.repos.get(repository)?.manifests ?? []) {
      const doc = JSON.parse(m.body.toString()) as { subject?: Descriptor; artifactType?: string };
      if (doc.subject?.digest === digest) {
        out.push({ mediaType: m.mediaType, digest: d, size: m.body.length, artifactType: doc.artifactType ?? '' });
      }
    }
    return out;
  }

  async ensureNamespace(repository: string): Promise<void> {
    this.namespaces.add(repository.split('/')[0]!);
  }

  // ── building content ─────────────────────────────────────────────────────────────────────────

  blob(repository: string, body: Buffer, mediaType: string): Descriptor {
    const digest = digestOf(body);
    this.repo(repository).blobs.set(digest, body);
    return { mediaType, digest, size: body.length };
  }

  /** An OCI image with the given layers (random bytes of these sizes, or given buffers); returns its digest. */
  image(
    repository: string,
    tags: string[],
    layers: Array<number | Buffer>,
    extra: { subject?: Descriptor; artifactType?: string; list?: boolean } = {},
  ): string {
    const config = this.blob(
      repository,
      Buffer.from(JSON.stringify({ architecture: 'amd64', n: randomBytes(4).toString('hex') })),
      MediaTypes.ociConfig,
    );
    const ls = layers.map((l) =>
      this.blob(repository, typeof l === 'number' ? randomBytes(l) : l, 'application/vnd.oci.image.layer.v1.tar+gzip'),
    );
    const body = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaTypes.ociManifest,
        ...(extra.artifactType ? { artifactType: extra.artifactType } : {}),
        config,
        layers: ls,
        ...(extra.subject ? { subject: extra.subject } : {}),
      }),
    );
    return this.#manifest(repository, tags, MediaTypes.ociManifest, body, extra.list ?? !extra.subject);
  }

  index(repository: string, tags: string[], children: string[]): string {
    const manifests = children.map((digest) => {
      const m = this.repos.get(repository)!.manifests.get(digest)!;
      return { mediaType: m.mediaType, digest, size: m.body.length, platform: { os: 'linux', architecture: 'amd64' } };
    });
    const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests }));
    return this.#manifest(repository, tags, MediaTypes.ociIndex, body, true);
  }

  descriptor(repository: string, digest: string): Descriptor {
    const m = this.repos.get(repository)!.manifests.get(digest)!;
    return { mediaType: m.mediaType, digest, size: m.body.length };
  }

  #manifest(repository: string, tags: string[], mediaType: string, body: Buffer, list: boolean): string {
    const digest = digestOf(body);
    const r = this.repo(repository);
    r.manifests.set(digest, { mediaType, body });
    for (const t of tags) r.tags.set(t, digest);
    if (list) this.catalog.push({ repository, tags, digest, mediaType });
    return digest;
  }
}

/** Reads a stream whole, honouring the throttle and the signal as a real adapter does. */
export async function readAll(source: Readable, options: PushBlobOptions): Promise<Buffer> {
  const stream = options.throttle ? options.throttle(source) : source;
  const chunks: Buffer[] = [];
  const onAbort = () => stream.destroy(options.signal.reason as Error);
  options.signal.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      options.onBytes?.((chunk as Buffer).length);
    }
  } finally {
    options.signal.removeEventListener('abort', onAbort);
  }
  return Buffer.concat(chunks);
}

export class FakePolicies implements ReplicationPolicies {
  readonly items = new Map<number, ReplicationPolicy>();
  readonly #listeners: Array<(p: ReplicationPolicy | { id: number; deleted: true }) => void> = [];
  #next = 1;

  async list(query: { page: number; pageSize: number }) {
    const all = [...this.items.values()];
    return { items: all.slice((query.page - 1) * query.pageSize, query.page * query.pageSize), total: all.length };
  }
  async get(id: number) {
    return this.items.get(id);
  }
  async create(input: NewPolicy) {
    const p: ReplicationPolicy = { ...input, id: this.#next++, creationTime: new Date(), updateTime: new Date() };
    this.items.set(p.id, p);
    this.#listeners.forEach((l) => l(p));
    return p;
  }
  async update(id: number, input: NewPolicy) {
    const p: ReplicationPolicy = { ...input, id, creationTime: new Date(), updateTime: new Date() };
    this.items.set(id, p);
    this.#listeners.forEach((l) => l(p));
    return p;
  }
  async delete(id: number) {
    this.items.delete(id);
    this.#listeners.forEach((l) => l({ id, deleted: true }));
  }
  async eventBased() {
    return [...this.items.values()].filter((p) => p.enabled && p.trigger.type === 'event_based');
  }
  onChange(listener: (p: ReplicationPolicy | { id: number; deleted: true }) => void) {
    this.#listeners.push(listener);
  }
}

/** One remote endpoint (id 1) backed by `remote`; `local()` is `local`. */
export function fakeSides(local: FakeRegistry, remote: FakeRegistry) {
  const endpoint: RegistryEndpoint = {
    id: 1,
    name: 'peer',
    description: '',
    type: 'docker-registry',
    url: 'http://127.0.0.1:1',
    credential: null,
    insecure: false,
    caCertificate: null,
    repositories: [],
    status: 'healthy',
    creationTime: new Date(),
    updateTime: new Date(),
  };
  const registries: ReplicationRegistries = {
    list: async () => ({ items: [endpoint], total: 1 }),
    get: async (id) => (id === 1 ? endpoint : undefined),
    create: async () => endpoint,
    update: async () => endpoint,
    delete: async () => undefined,
    setStatus: async () => undefined,
  };
  const adapters: AdapterFactory = {
    forEndpoint: () => remote,
    local: () => local,
    infos: () => ({}) as Record<RegistryType, AdapterInfo>,
  };
  return { registries, adapters };
}

export function newPolicy(change: Partial<NewPolicy> = {}): NewPolicy {
  return {
    name: `p-${randomBytes(3).toString('hex')}`,
    description: '',
    srcRegistryId: 0,
    destRegistryId: 1,
    destNamespace: '',
    destNamespaceReplaceCount: -1,
    trigger: { type: 'manual' },
    filters: [],
    replicateDeletion: false,
    override: true,
    enabled: true,
    speedKbps: 0,
    copyByChunk: false,
    singleActive: true,
    concurrency: 4,
    copyReferrers: true,
    ...change,
  };
}

/** A promise with its resolve, for gates. */
export function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((r) => (open = r));
  return { promise, open };
}
