import { Invalid } from '../../core/errors.js';
import { allowlistInForce } from '../report/harbor-report.js';
import type { AllowlistStore, CveAllowlist } from '../scan-contract.js';
import type { ScanRepo } from './scan-repo-types.js';

const CVE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** System (project 0) and project CVE allowlists; `onChange` lets the pull policy drop its cache. */
export class StoredAllowlists implements AllowlistStore {
  constructor(
    private readonly repo: ScanRepo,
    private readonly projectPolicy: (projectId: number) => Promise<Record<string, string>>,
    private readonly onChange: () => void,
  ) {}

  async system(): Promise<CveAllowlist> {
    return (await this.repo.getAllowlist(0)) ?? { projectId: 0, expiresAt: null, items: [] };
  }

  setSystem(list: Omit<CveAllowlist, 'projectId' | 'id'>): Promise<CveAllowlist> {
    return this.#put(0, list);
  }

  async project(projectId: number): Promise<CveAllowlist> {
    return (await this.repo.getAllowlist(projectId)) ?? { projectId, expiresAt: null, items: [] };
  }

  setProject(projectId: number, list: Omit<CveAllowlist, 'projectId' | 'id'>): Promise<CveAllowlist> {
    if (projectId <= 0) throw new Invalid('NAME_INVALID', 'project id must be positive');
    return this.#put(projectId, list);
  }

  async effective(projectId: number): Promise<ReadonlySet<string>> {
    const policy = await this.projectPolicy(projectId);
    const list = policy.reuse_sys_cve_allowlist === 'true' ? await this.system() : await this.project(projectId);
    return allowlistInForce(list, new Date());
  }

  async #put(projectId: number, list: Omit<CveAllowlist, 'projectId' | 'id'>): Promise<CveAllowlist> {
    const items = [...new Set(list.items.map((i) => i.trim()).filter(Boolean))];
    for (const item of items) {
      if (!CVE_ID.test(item)) throw new Invalid('NAME_INVALID', `"${item.slice(0, 40)}" is not a CVE id`);
    }
    if (items.length > 10_000) throw new Invalid('NAME_INVALID', 'an allowlist holds at most 10000 entries');
    if (list.expiresAt !== null && !Number.isSafeInteger(list.expiresAt)) {
      throw new Invalid('NAME_INVALID', 'expires_at must be Unix seconds or null');
    }
    const saved = await this.repo.putAllowlist({ projectId, expiresAt: list.expiresAt, items }, new Date());
    this.onChange();
    return saved;
  }
}
