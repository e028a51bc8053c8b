import type { Artifact, MetaStore } from '../../meta/meta-store.js';
import {
  SEVERITY_ORDER,
  type AllowlistStore,
  type ScanTarget,
  type ScannerRegistry,
  type Severity,
} from '../scan-contract.js';
import type { ScanRepo } from './scan-repo-types.js';

export interface PullPolicyDeps {
  repo: ScanRepo;
  meta: MetaStore;
  registry: ScannerRegistry;
  allowlists: AllowlistStore;
  /** What the scanner makes of an artifact: images and indexes are judged, the rest passes. */
  scanKind: (artifact: Artifact) => 'image' | 'index' | null;
  /** An index's image children (their reports decide for it). */
  imageChildren: (repository: string, digest: string) => Promise<Artifact[]>;
}

/**
 * Harbor's `vulnerable` middleware: with `prevent_vul`, refuse an artifact not scanned, not scanned
 * successfully, or with findings at or above the project's severity that the allowlist does not
 * cover (for an index, any image child's). Accessories and other non-image artifacts pass. The
 * common case (policy off) is one indexed read of the project's metadata; verdicts are cached until
 * a report, allowlist or the project's policy changes.
 */
export class PullPolicy {
  /** Bumped by every report write, allowlist change and deletion: a cached verdict is valid within one generation. */
  #generation = 0;
  readonly #cache = new Map<string, { at: number; generation: number; policy: string; refusal: string | null }>();

  constructor(private readonly d: PullPolicyDeps) {}

  /** Something a verdict depends on changed. */
  invalidate(): void {
    this.#generation++;
  }

  async refusal(target: ScanTarget): Promise<string | null> {
    const policy = await this.d.repo.projectPolicy(target.projectId);
    if (policy.prevent_vul !== 'true') return null;
    const signature = JSON.stringify(policy);
    const key = `${target.projectId}\u0000${target.repository}\u0000${target.digest}`;
    const cached = this.#cache.get(key);
    if (
      cached &&
      cached.generation === this.#generation &&
      cached.policy === signature &&
      Date.now() - cached.at < 60_000
    ) {
      return cached.refusal;
    }
    const generation = this.#generation;
    const refusal = await this.#judge(target, policy);
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(key, { at: Date.now(), generation, policy: signature, refusal });
    return refusal;
  }

  async #judge(target: ScanTarget, policy: Record<string, string>): Promise<string | null> {
    const artifact = await this.d.meta.artifacts.getByDigest(target.repository, target.digest);
    if (!artifact) return null;
    const kind = this.d.scanKind(artifact);
    if (!kind) return null;
    const severity = projectSeverity(policy.severity);
    const rule = `due to configured policy in 'Prevent images with vulnerability severity of "${severity}" or higher from running.'`;
    const scanner = await this.d.registry.forProject(target.projectId);
    const digests =
      kind === 'index'
        ? (await this.d.imageChildren(target.repository, target.digest)).map((c) => c.digest)
        : [target.digest];
    const reports = (await this.d.repo.summariesOf(digests)).filter((r) => r.scannerUuid === scanner.uuid);
    if (digests.length === 0) return null;
    if (reports.length < new Set(digests).size) {
      return `current image without vulnerability scanning cannot be pulled ${rule} To continue with pull, please contact your project administrator for help.`;
    }
    const unsuccessful = reports.find((r) => r.status !== 'Success');
    if (unsuccessful) {
      return `current image with "${unsuccessful.status}" status of vulnerability scanning cannot be pulled ${rule} To continue with pull, please contact your project administrator for help.`;
    }
    // `effective` holds ids as `allowlistInForce` normalises them (trimmed, upper case).
    const allowed = await this.d.allowlists.effective(target.projectId);
    const hits = (
      await this.d.repo.findingsAtLeast(
        reports.map((r) => r.id),
        SEVERITY_ORDER.indexOf(severity),
      )
    ).filter((f) => !allowed.has(f.cveId.trim().toUpperCase()));
    if (hits.length === 0) return null;
    return (
      `current image with ${hits.length} ${hits.length > 1 ? 'vulnerabilities' : 'vulnerability'} cannot be pulled ${rule} ` +
      'To continue with pull, please contact your project administrator to exempt matched vulnerabilities through configuring the CVE allowlist.'
    );
  }
}

/** Harbor's project `severity` metadata (`low`, `medium`, `high`, `critical`, `none`) as a severity; default Low. */
function projectSeverity(value: string | undefined): Severity {
  const found = SEVERITY_ORDER.find((s) => s.toLowerCase() === (value ?? '').toLowerCase());
  return found ?? 'Low';
}
