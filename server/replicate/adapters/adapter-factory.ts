import type { Logger } from 'pino';
import type {
  AdapterFactory,
  AdapterInfo,
  RegistryEndpoint,
  RegistryType,
  ReplicationAdapter,
} from '../replication-contract.js';
import { DockerHubAdapter } from './remote-docker-hub.js';
import { DockerRegistryAdapter } from './remote-docker-registry.js';
import { HarborAdapter } from './remote-harbor.js';
import { OciAdapter } from './remote-oci.js';
import type { RemoteAdapter, RemoteAdapterOptions } from './remote-adapter.js';

/**
 * Adapters by endpoint type. A saved endpoint's adapter is kept while the endpoint is unchanged, so
 * its connection pool and token cache serve every task of every run; an edited endpoint gets a new
 * one (the old one's idle connections close by themselves). Endpoints not yet saved (the connection
 * test of a form) get a fresh adapter each time.
 */

export interface RemoteAdapterFactoryDeps {
  /** This Berth (`LocalAdapter`). */
  local: ReplicationAdapter;
  log: Logger;
  /** Berth's version, for the User-Agent (`berth-replication/<version>`); read from package.json when omitted. */
  version?: string;
  /** Listing page size and client overrides (timeouts, chunk size) for every remote adapter. */
  remote?: RemoteAdapterOptions;
}

const BUILDERS: Record<RegistryType, new (endpoint: RegistryEndpoint, o: RemoteAdapterOptions) => RemoteAdapter> = {
  harbor: HarborAdapter,
  'docker-registry': DockerRegistryAdapter,
  'docker-hub': DockerHubAdapter,
  oci: OciAdapter,
};

const PLACEHOLDER: RegistryEndpoint = {
  id: 0,
  name: '',
  description: '',
  type: 'oci',
  url: 'http://127.0.0.1',
  credential: null,
  insecure: false,
  caCertificate: null,
  repositories: [],
  status: 'unknown',
  creationTime: new Date(0),
  updateTime: new Date(0),
};

export class RemoteAdapterFactory implements AdapterFactory {
  private readonly cache = new Map<number, { key: string; adapter: RemoteAdapter }>();
  private readonly infoByType: Record<RegistryType, AdapterInfo>;

  constructor(private readonly deps: RemoteAdapterFactoryDeps) {
    const infos = {} as Record<RegistryType, AdapterInfo>;
    for (const type of Object.keys(BUILDERS) as RegistryType[]) {
      // Info needs no connection; a throwaway adapter on a placeholder endpoint says it.
      const probe = new BUILDERS[type]({ ...PLACEHOLDER, type }, {});
      infos[type] = probe.info();
      void probe.close();
    }
    this.infoByType = infos;
  }

  forEndpoint(endpoint: RegistryEndpoint): ReplicationAdapter {
    const build = BUILDERS[endpoint.type];
    if (!build) throw new Error(`unknown registry type ${String(endpoint.type)}`);
    const remote = this.deps.remote ?? {};
    const options: RemoteAdapterOptions = {
      ...remote,
      log: this.deps.log.child({ registry: endpoint.name || endpoint.url }),
      client: {
        ...(this.deps.version ? { userAgent: `berth-replication/${this.deps.version}` } : {}),
        ...remote.client,
      },
    };
    if (endpoint.id <= 0) return new build(endpoint, options);
    const key = fingerprint(endpoint);
    const cached = this.cache.get(endpoint.id);
    if (cached?.key === key) return cached.adapter;
    const adapter = new build(endpoint, options);
    this.cache.set(endpoint.id, { key, adapter });
    return adapter;
  }

  local(): ReplicationAdapter {
    return this.deps.local;
  }

  infos(): Record<RegistryType, AdapterInfo> {
    return structuredClone(this.infoByType);
  }

  /** Closes every cached adapter's connections (server shutdown). */
  async close(): Promise<void> {
    const adapters = [...this.cache.values()].map((c) => c.adapter);
    this.cache.clear();
    await Promise.all(adapters.map((a) => a.close().catch(() => undefined)));
  }
}

/** Everything that changes how the endpoint is reached; the secret is compared in memory only. */
function fingerprint(e: RegistryEndpoint): string {
  return JSON.stringify([
    e.type,
    e.url,
    e.insecure,
    e.caCertificate,
    e.credential?.type,
    e.credential?.accessKey,
    e.credential?.accessSecret,
    e.repositories,
    e.updateTime.getTime(),
  ]);
}
