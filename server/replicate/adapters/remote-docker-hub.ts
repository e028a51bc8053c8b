import type { Logger } from 'pino';
import type { AdapterInfo, RegistryEndpoint, ReplicationFilter, SourceArtifact } from '../replication-contract.js';
import {
  ALL_TRIGGERS,
  clientFor,
  RemoteAdapter,
  TAG_BASED_FILTERS,
  type RemoteAdapterOptions,
} from './remote-adapter.js';

/**
 * Docker Hub. Its registry API lives at `registry-1.docker.io` (the endpoint may name
 * `hub.docker.com` or `docker.io`, as Harbor's form suggests), with the token realm its challenge
 * names; it has no catalogue, so the endpoint's explicit repositories are enumerated, a one-component
 * name meaning `library/<name>` as the Hub does. Kept thin: it cannot be tested offline.
 */
export const DOCKER_HUB_REGISTRY = 'https://registry-1.docker.io';

export function dockerHubRepository(name: string): string {
  return name.includes('/') ? name : `library/${name}`;
}

export class DockerHubAdapter extends RemoteAdapter {
  constructor(endpoint: RegistryEndpoint, options: RemoteAdapterOptions & { log?: Logger } = {}) {
    super(endpoint, options, clientFor(endpoint, options, registryUrlOf(endpoint.url)));
  }

  info(): AdapterInfo {
    return {
      type: 'docker-hub',
      description: 'Docker Hub: the repositories listed on the endpoint, then their tags',
      supportedResourceFilters: structuredClone(TAG_BASED_FILTERS),
      supportedTriggers: [...ALL_TRIGGERS],
      supportedCopyByChunk: true,
    };
  }

  enumerate(filters: readonly ReplicationFilter[], signal: AbortSignal): AsyncIterable<SourceArtifact[]> {
    return this.tagsOf([this.endpoint.repositories.map(dockerHubRepository)], filters, signal);
  }
}

function registryUrlOf(url: string): string {
  try {
    const host = new URL(url).hostname;
    if (host === 'hub.docker.com' || host === 'docker.io' || host === 'index.docker.io') return DOCKER_HUB_REGISTRY;
  } catch {
    // the client reports the bad URL
  }
  return url;
}
