import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { Descriptor } from '../../core/manifest.js';
import { RegistryClient, type RegistryClientOptions } from '../client/registry-client.js';
import { filterArtifactTags, matchesArtifact, matchesRepository } from '../filters.js';
import type {
  AdapterInfo,
  PushBlobOptions,
  RegistryEndpoint,
  ReplicationAdapter,
  ReplicationFilter,
  SourceArtifact,
} from '../replication-contract.js';

/**
 * What every remote adapter shares: content (manifests, blobs, referrers) through the distribution
 * API of one `RegistryClient`. Subclasses say how the source is enumerated and what else the
 * registry can do (Harbor: projects, tag deletion, labels).
 */

export interface RemoteAdapterOptions {
  log?: Logger;
  /** Rows asked per listing page (catalogue, tags, Harbor's API). Default 100. */
  pageSize?: number;
  /** Overrides of the client's defaults (timeouts, chunk size); the endpoint gives URL, TLS and credential. */
  client?: Partial<RegistryClientOptions>;
}

export function clientFor(endpoint: RegistryEndpoint, o: RemoteAdapterOptions, url = endpoint.url): RegistryClient {
  return new RegistryClient({
    ...o.client,
    url,
    credential: endpoint.credential,
    insecure: endpoint.insecure,
    caCertificate: endpoint.caCertificate,
  });
}

export abstract class RemoteAdapter implements ReplicationAdapter {
  readonly client: RegistryClient;
  protected readonly pageSize: number;

  constructor(
    readonly endpoint: RegistryEndpoint,
    protected readonly options: RemoteAdapterOptions = {},
    client?: RegistryClient,
  ) {
    this.client = client ?? clientFor(endpoint, options);
    this.pageSize = options.pageSize ?? 100;
  }

  abstract info(): AdapterInfo;
  abstract enumerate(filters: readonly ReplicationFilter[], signal: AbortSignal): AsyncIterable<SourceArtifact[]>;

  ping(signal: AbortSignal): Promise<void> {
    return this.client.ping(signal);
  }

  getManifest(repository: string, reference: string, signal: AbortSignal) {
    return this.client.getManifest(repository, reference, signal);
  }

  headManifest(repository: string, reference: string, signal: AbortSignal) {
    return this.client.headManifest(repository, reference, signal);
  }

  putManifest(repository: string, reference: string, mediaType: string, body: Buffer, signal: AbortSignal) {
    return this.client.putManifest(repository, reference, mediaType, body, signal);
  }

  deleteManifest(repository: string, digest: string, signal: AbortSignal): Promise<boolean> {
    return this.client.deleteManifest(repository, digest, signal);
  }

  headBlob(repository: string, digest: string, signal: AbortSignal): Promise<number | undefined> {
    return this.client.headBlob(repository, digest, signal);
  }

  mountBlob(repository: string, digest: string, fromRepository: string, signal: AbortSignal): Promise<boolean> {
    return this.client.mountBlob(repository, digest, fromRepository, signal);
  }

  openBlob(repository: string, digest: string, offset: number, signal: AbortSignal): Promise<Readable> {
    return this.client.openBlob(repository, digest, offset, signal);
  }

  pushBlob(
    repository: string,
    blob: { digest: string; size: number },
    open: (offset: number) => Promise<Readable>,
    options: PushBlobOptions,
  ): Promise<void> {
    return this.client.pushBlob(repository, blob, open, options);
  }

  referrers(repository: string, digest: string, signal: AbortSignal): Promise<Descriptor[]> {
    return this.client.referrers(repository, digest, signal);
  }

  /** Closes the client's connections. */
  close(): Promise<void> {
    return this.client.close();
  }

  /**
   * Artifacts of registries that only list tags: each repository's tags, page by page, as one
   * artifact per tag (digests are resolved at copy time). The `name` filter is applied before a
   * repository's tags are listed; each page is yielded as soon as it is read.
   */
  protected async *tagsOf(
    repositories: AsyncIterable<string[]> | Iterable<string[]>,
    filters: readonly ReplicationFilter[],
    signal: AbortSignal,
  ): AsyncIterable<SourceArtifact[]> {
    for await (const page of repositories) {
      for (const repository of page) {
        signal.throwIfAborted();
        if (!matchesRepository(filters, repository)) continue;
        for await (const tags of this.client.tags(repository, this.pageSize, signal)) {
          const kept = filterArtifactTags(filters, tags) ?? [];
          const out = kept
            .map((tag): SourceArtifact => ({ repository, tags: [tag] }))
            .filter((a) => matchesArtifact(filters, a));
          if (out.length > 0) yield out;
        }
      }
    }
  }
}

export const TAG_BASED_FILTERS: AdapterInfo['supportedResourceFilters'] = [
  { type: 'name', style: 'input' },
  { type: 'tag', style: 'input' },
];

export const ALL_TRIGGERS: AdapterInfo['supportedTriggers'] = ['manual', 'scheduled', 'event_based'];
