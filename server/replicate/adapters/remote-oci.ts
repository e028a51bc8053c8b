import type { AdapterInfo, ReplicationFilter, SourceArtifact } from '../replication-contract.js';
import { ALL_TRIGGERS, RemoteAdapter, TAG_BASED_FILTERS } from './remote-adapter.js';

/**
 * A generic OCI registry, which need not offer a catalogue: the repositories are the endpoint's
 * explicit list (Berth's `repositories` field), then each one's tags. With no list, the catalogue is
 * tried, for registries that have one.
 */
export class OciAdapter extends RemoteAdapter {
  info(): AdapterInfo {
    return {
      type: 'oci',
      description: 'OCI registry: the repositories listed on the endpoint, then their tags',
      supportedResourceFilters: structuredClone(TAG_BASED_FILTERS),
      supportedTriggers: [...ALL_TRIGGERS],
      supportedCopyByChunk: true,
    };
  }

  enumerate(filters: readonly ReplicationFilter[], signal: AbortSignal): AsyncIterable<SourceArtifact[]> {
    const listed = this.endpoint.repositories;
    const repositories = listed.length > 0 ? [listed] : this.client.catalog(this.pageSize, signal);
    return this.tagsOf(repositories, filters, signal);
  }
}
