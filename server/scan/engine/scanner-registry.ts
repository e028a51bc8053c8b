import { randomUUID } from 'node:crypto';
import { Invalid, NotFound } from '../../core/errors.js';
import { BUILTIN_SCANNER_UUID } from '../../meta/sqlite/migration-009-scan.js';
import type {
  ExternalScanner,
  ScannerAdapterMetadata,
  ScannerRegistration,
  ScannerRegistrationInput,
  ScannerRegistry,
} from '../scan-contract.js';
import type { ScanRepo } from './scan-repo-types.js';

const AUTH_TYPES = new Set(['', 'None', 'Basic', 'Bearer', 'X-ScannerAdapter-API-Key']);

export { BUILTIN_SCANNER_UUID };

/** Scanner registrations over `ScanRepo`; the built-in one answers metadata itself. */
export class StoredScannerRegistry implements ScannerRegistry {
  constructor(
    private readonly repo: ScanRepo,
    private readonly builtinMetadata: () => Promise<ScannerAdapterMetadata>,
    /** A client per external registration (server/scan/adapter); without it, external scanners cannot be reached. */
    private readonly external?: (registration: ScannerRegistration) => ExternalScanner,
  ) {}

  list(): Promise<ScannerRegistration[]> {
    return this.repo.listScanners();
  }

  get(uuid: string): Promise<ScannerRegistration | undefined> {
    return this.repo.getScanner(uuid);
  }

  async create(input: ScannerRegistrationInput): Promise<ScannerRegistration> {
    const now = new Date();
    const registration: ScannerRegistration = {
      ...normalise(input),
      uuid: randomUUID(),
      isDefault: false,
      builtIn: false,
      createTime: now,
      updateTime: now,
    };
    await this.repo.insertScanner(registration);
    return (await this.repo.getScanner(registration.uuid))!;
  }

  async update(uuid: string, input: ScannerRegistrationInput): Promise<ScannerRegistration> {
    const existing = await this.#require(uuid);
    if (existing.builtIn) {
      // Only its switch may change; name and address are the product's.
      await this.repo.updateScanner({
        ...existing,
        disabled: input.disabled ?? existing.disabled,
        updateTime: new Date(),
      });
    } else {
      const given = normalise(input);
      await this.repo.updateScanner({
        ...existing,
        ...given,
        // An update without a credential keeps the stored secret (the API never returns it to send back).
        accessCredential: input.accessCredential === undefined ? existing.accessCredential : given.accessCredential,
        updateTime: new Date(),
      });
    }
    return (await this.repo.getScanner(uuid))!;
  }

  async delete(uuid: string): Promise<ScannerRegistration> {
    const existing = await this.#require(uuid);
    if (existing.builtIn) throw new Invalid('PRECONDITION', 'the built-in scanner cannot be deleted');
    if (existing.isDefault)
      throw new Invalid('PRECONDITION', 'the default scanner cannot be deleted; choose another default first');
    await this.repo.deleteScanner(uuid);
    return existing;
  }

  async setDefault(uuid: string): Promise<void> {
    const existing = await this.#require(uuid);
    if (existing.disabled) throw new Invalid('PRECONDITION', `scanner ${existing.name} is disabled`);
    await this.repo.setDefaultScanner(uuid, new Date());
  }

  async ping(input: ScannerRegistrationInput): Promise<ScannerAdapterMetadata> {
    if (input.url === 'builtin://berth') return this.builtinMetadata();
    const now = new Date();
    return this.#metadataOf({
      ...normalise(input),
      uuid: 'ping',
      isDefault: false,
      builtIn: false,
      createTime: now,
      updateTime: now,
    });
  }

  async metadata(uuid: string): Promise<ScannerAdapterMetadata> {
    const registration = await this.#require(uuid);
    return registration.builtIn ? this.builtinMetadata() : this.#metadataOf(registration);
  }

  async #metadataOf(registration: ScannerRegistration): Promise<ScannerAdapterMetadata> {
    if (!this.external) throw new Invalid('PRECONDITION', 'external scanners are not available in this build');
    try {
      return await this.external(registration).metadata(AbortSignal.timeout(10_000));
    } catch (err) {
      throw new Invalid('PRECONDITION', `scanner at ${registration.url} did not answer: ${(err as Error).message}`);
    }
  }

  async forProject(projectId: number): Promise<ScannerRegistration> {
    const chosen = await this.repo.projectScanner(projectId);
    const all = await this.repo.listScanners();
    return (
      all.find((s) => s.uuid === chosen) ??
      all.find((s) => s.isDefault) ??
      all.find((s) => s.uuid === BUILTIN_SCANNER_UUID)!
    );
  }

  async setForProject(projectId: number, uuid: string): Promise<void> {
    await this.#require(uuid);
    await this.repo.setProjectScanner(projectId, uuid);
  }

  async #require(uuid: string): Promise<ScannerRegistration> {
    const found = await this.repo.getScanner(uuid);
    if (!found) throw new NotFound('NAME_UNKNOWN', `scanner ${uuid} not found`);
    return found;
  }
}

function normalise(input: ScannerRegistrationInput) {
  const name = input.name?.trim();
  if (!name || name.length > 255) throw new Invalid('NAME_INVALID', 'a scanner needs a name of at most 255 characters');
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    throw new Invalid('NAME_INVALID', `scanner URL "${input.url}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Invalid('NAME_INVALID', 'a scanner URL must be http or https');
  }
  const auth = input.auth ?? '';
  if (!AUTH_TYPES.has(auth)) throw new Invalid('NAME_INVALID', `unknown scanner auth type "${auth}"`);
  return {
    name,
    description: input.description ?? '',
    url: input.url.replace(/\/+$/, ''),
    auth,
    accessCredential: input.accessCredential ?? '',
    skipCertVerify: input.skipCertVerify ?? false,
    useInternalAddr: input.useInternalAddr ?? false,
    disabled: input.disabled ?? false,
  };
}
