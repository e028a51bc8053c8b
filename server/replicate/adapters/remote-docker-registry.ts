import type { AdapterInfo, ReplicationFilter, SourceArtifact } from '../replication-contract.js';
import { namePrefix } from '../filters.js';
import { ALL_TRIGGERS, RemoteAdapter, TAG_BASED_FILTERS } from './remote-adapter.js';

/**
 * A CNCF distribution registry (`docker-registry`): repositories from `/v2/_catalog` page by page,
 * then each repository's tags. Digests, labels and types are unknown at enumeration; the engine
 * resolves each tag when it copies it.
 */
export class DockerRegistryAdapter extends RemoteAdapter {
  info(): AdapterInfo {
    return {
      type: 'docker-registry',
      description: 'Docker Registry (CNCF distribution): catalogue and tags',
      supportedResourceFilters: structuredClone(TAG_BASED_FILTERS),
      supportedTriggers: [...ALL_TRIGGERS],
      supportedCopyByChunk: true,
    };
  }

  enumerate(filters: readonly ReplicationFilter[], signal: AbortSignal): AsyncIterable<SourceArtifact[]> {
    return this.tagsOf(this.catalogFrom(namePrefix(filters), signal), filters, signal);
  }

  /** The catalogue is sorted: start just before the filters' literal prefix and stop past it. */
  private async *catalogFrom(prefix: string, signal: AbortSignal): AsyncIterable<string[]> {
    for await (const page of this.client.catalog(this.pageSize, signal)) {
      const kept = page.filter((name) => name.startsWith(prefix));
      if (kept.length > 0) yield kept;
      if (prefix !== '' && page.some((name) => name > prefix && !name.startsWith(prefix))) return;
    }
  }
}
