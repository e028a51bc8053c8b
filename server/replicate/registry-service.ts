import { X509Certificate } from 'node:crypto';
import { SecretBoxError, type SecretBox } from '../auth/secret-box.js';
import { Conflict, Invalid, NotFound } from '../core/errors.js';
import { MAX_NAME_LENGTH, isValidRepositoryName } from '../core/names.js';
import type { MetaStore } from '../meta/meta-store.js';
import type { StoredRegistry, StoredRegistryInput } from '../meta/replication-types.js';
import {
  REGISTRY_TYPES,
  type NewRegistry,
  type RegistryChange,
  type RegistryCredential,
  type RegistryEndpoint,
  type RegistryHealth,
  type RegistryType,
  type ReplicationRegistries,
} from './replication-contract.js';

/** Docker Hub's API host, Harbor's default URL for a `docker-hub` endpoint. */
export const DOCKER_HUB_URL = 'https://hub.docker.com';

const MAX_TEXT = 1024;
const MAX_SECRET = 8192;
const MAX_CA_BYTES = 256 * 1024;
const MAX_REPOSITORIES = 1000;

/**
 * Replication endpoints (`ReplicationRegistries`): validated here, stored by `meta.replication` with
 * the secret sealed by the SecretBox. The secret is opened only when an endpoint is read for use;
 * a secret the current key cannot open (the key file was replaced) is a 412 naming the registry,
 * so the operator knows to enter the password again, rather than a silent empty password.
 */
export class RegistryService implements ReplicationRegistries {
  private readonly meta: MetaStore;
  private readonly box: SecretBox;

  constructor(options: { meta: MetaStore; box: SecretBox }) {
    this.meta = options.meta;
    this.box = options.box;
  }

  async list(query: { name?: string; type?: RegistryType; page: number; pageSize: number }) {
    const page = await this.meta.replication.listRegistries({
      ...(query.name ? { name: query.name } : {}),
      ...(query.type ? { type: query.type } : {}),
      offset: (query.page - 1) * query.pageSize,
      limit: query.pageSize,
    });
    return { items: page.items.map((r) => this.open(r)), total: page.total };
  }

  async get(id: number): Promise<RegistryEndpoint | undefined> {
    const stored = await this.meta.replication.getRegistry(id);
    return stored && this.open(stored);
  }

  async create(input: NewRegistry): Promise<RegistryEndpoint> {
    const valid = validateRegistry(input);
    return this.open(await this.meta.replication.createRegistry(this.sealed(valid, null)));
  }

  async update(id: number, change: RegistryChange): Promise<RegistryEndpoint> {
    const stored = await this.meta.replication.getRegistry(id);
    if (!stored) throw new NotFound('NAME_UNKNOWN', `registry ${id} not found`);
    const merged: NewRegistry = {
      name: change.name ?? stored.name,
      description: change.description ?? stored.description,
      type: change.type ?? stored.type,
      url: change.url ?? stored.url,
      insecure: change.insecure ?? stored.insecure,
      caCertificate: change.caCertificate === undefined ? stored.caCertificate : change.caCertificate,
      repositories: change.repositories ?? stored.repositories,
    };
    let keep: StoredRegistry['credential'] = null;
    if (change.credential === undefined) {
      keep = stored.credential;
    } else if (
      change.credential !== null &&
      (change.credential.accessKey !== '' || change.credential.accessSecret !== '')
    ) {
      // An empty key with an empty secret is anonymous access: the credential goes.
      merged.credential = change.credential;
      // The API never shows the secret, so an edit that leaves it empty means "unchanged".
      if (change.credential.accessSecret === '' && stored.credential) keep = stored.credential;
    }
    const valid = validateRegistry(merged);
    // A kept secret follows its endpoint, never a new address: else whoever may edit endpoints could
    // point one at a host they own and have the secret sent there.
    const reusesStoredSecret = keep !== null && (!valid.credential || valid.credential.accessSecret === '');
    if (reusesStoredSecret && !sameOrigin(stored.url, valid.url)) {
      throw new Invalid('NAME_INVALID', "the endpoint's address changed: enter its access secret again");
    }
    return this.open(await this.meta.replication.updateRegistry(id, this.sealed(valid, keep)));
  }

  async delete(id: number): Promise<void> {
    if (!(await this.meta.replication.deleteRegistry(id))) {
      throw new NotFound('NAME_UNKNOWN', `registry ${id} not found`);
    }
  }

  async setStatus(id: number, status: RegistryHealth): Promise<void> {
    await this.meta.replication.setRegistryStatus(id, status);
  }

  /** The stored form: the new secret sealed, or `keep`'s sealed secret when the new one is empty. */
  private sealed(valid: ValidRegistry, keep: StoredRegistry['credential']): StoredRegistryInput {
    const { credential, ...rest } = valid;
    if (!credential) return { ...rest, credential: keep };
    const sealedSecret =
      credential.accessSecret === '' && keep ? keep.sealedSecret : this.box.seal(credential.accessSecret);
    return { ...rest, credential: { type: credential.type, accessKey: credential.accessKey, sealedSecret } };
  }

  private open(stored: StoredRegistry): RegistryEndpoint {
    const { credential, ...rest } = stored;
    if (!credential) return { ...rest, credential: null };
    let accessSecret: string;
    try {
      accessSecret = credential.sealedSecret === '' ? '' : this.box.open(credential.sealedSecret);
    } catch (err) {
      if (!(err instanceof SecretBoxError)) throw err;
      throw new Conflict(
        'PRECONDITION',
        `the stored password of registry ${stored.name} is unreadable: ${err.message}`,
      );
    }
    return { ...rest, credential: { type: credential.type, accessKey: credential.accessKey, accessSecret } };
  }
}

export type ValidRegistry = Omit<RegistryEndpoint, 'id' | 'status' | 'creationTime' | 'updateTime'>;

/**
 * Checks and normalises an endpoint: name, type, an http(s) URL without credentials, query or
 * fragment (trailing slashes dropped; `docker-hub` defaults to Docker Hub), a CA bundle that parses,
 * and repository names. A credential with neither key nor secret is none (anonymous access).
 * Exported for the connection test of an endpoint that is not stored.
 */
export function validateRegistry(input: NewRegistry): ValidRegistry {
  const name = text('name', input.name, MAX_TEXT).trim();
  if (name === '') throw new Invalid('NAME_INVALID', 'name is required');
  if (name.length > MAX_NAME_LENGTH || hasControl(name)) {
    throw new Invalid('NAME_INVALID', `name must be 1 to ${MAX_NAME_LENGTH} printable characters`);
  }
  const type = input.type;
  if (!(REGISTRY_TYPES as readonly string[]).includes(type)) {
    throw new Invalid('NAME_INVALID', `type must be one of ${REGISTRY_TYPES.join(', ')}`);
  }
  let url = text('url', input.url ?? '', MAX_TEXT).trim();
  if (url === '' && type === 'docker-hub') url = DOCKER_HUB_URL;
  return {
    name,
    description: text('description', input.description ?? '', MAX_TEXT),
    type,
    url: validateUrl(url),
    credential: validateCredential(input.credential),
    insecure: input.insecure === true,
    caCertificate: validateCa(input.caCertificate),
    repositories: validateRepositories(input.repositories ?? []),
  };
}

function text(field: string, value: unknown, max: number): string {
  if (typeof value !== 'string') throw new Invalid('NAME_INVALID', `${field} must be a string`);
  if (value.length > max) throw new Invalid('NAME_INVALID', `${field} must be at most ${max} characters`);
  return value;
}

/** Whether `s` holds ASCII control characters (refused in names and keys). */
export function hasControl(s: string): boolean {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused.
  return /[\u0000-\u001f\u007f]/.test(s);
}

/** An http(s) base URL, scheme and host only plus an optional path, no trailing slash. */
export function validateUrl(raw: string): string {
  if (raw === '') throw new Invalid('NAME_INVALID', 'url is required');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Invalid('NAME_INVALID', `url "${raw.slice(0, 80)}" is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Invalid('NAME_INVALID', 'url must be an http or https URL');
  }
  // Credentials belong in the credential fields, where they are sealed; a URL is shown to everyone.
  if (url.username !== '' || url.password !== '') {
    throw new Invalid('NAME_INVALID', 'url must not contain a user name or password; use the credential fields');
  }
  if (url.search !== '' || url.hash !== '' || raw.includes('?') || raw.includes('#')) {
    throw new Invalid('NAME_INVALID', 'url must not have a query or fragment');
  }
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

function validateCredential(credential: RegistryCredential | null | undefined): RegistryCredential | null {
  if (!credential) return null;
  if (credential.type !== 'basic' && credential.type !== 'oauth') {
    throw new Invalid('NAME_INVALID', 'credential type must be basic or oauth');
  }
  const accessKey = text('access_key', credential.accessKey ?? '', MAX_TEXT);
  const accessSecret = text('access_secret', credential.accessSecret ?? '', MAX_SECRET);
  if (hasControl(accessKey)) throw new Invalid('NAME_INVALID', 'access_key must not contain control characters');
  if (accessKey === '' && accessSecret === '') return null;
  return { type: credential.type, accessKey, accessSecret };
}

function validateCa(pem: string | null | undefined): string | null {
  if (pem === undefined || pem === null) return null;
  if (typeof pem !== 'string' || pem.length > MAX_CA_BYTES) {
    throw new Invalid('NAME_INVALID', `ca_certificate must be a PEM bundle of at most ${MAX_CA_BYTES} bytes`);
  }
  if (pem.trim() === '') return null;
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new Invalid('NAME_INVALID', 'ca_certificate holds no PEM certificate');
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch (err) {
      throw new Invalid(
        'NAME_INVALID',
        `ca_certificate: certificate ${i + 1} does not parse (${(err as Error).message})`,
      );
    }
  }
  return pem.trim();
}

function validateRepositories(repositories: readonly string[]): string[] {
  if (!Array.isArray(repositories)) throw new Invalid('NAME_INVALID', 'repositories must be an array of names');
  if (repositories.length > MAX_REPOSITORIES) {
    throw new Invalid('NAME_INVALID', `at most ${MAX_REPOSITORIES} repositories may be listed`);
  }
  const out: string[] = [];
  for (const name of repositories) {
    if (typeof name !== 'string' || !isValidRepositoryName(name)) {
      throw new Invalid('NAME_INVALID', `repositories: "${String(name).slice(0, 80)}" is not a repository name`);
    }
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

/** Same scheme, host and port. */
export function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}
