import { DomainError } from '../core/errors.js';
import { selectsRepository, selectsTags, type Selector } from '../core/selectors.js';
import type { MetaStore } from '../meta/meta-store.js';
import type { ImmutableRule } from '../meta/retention-types.js';

/**
 * Tag immutability (Harbor's immutable tag rules), as the push, delete, retention and listing paths
 * ask it.
 *
 * A tag is immutable when an enabled rule of its project selects it. Harbor's matcher
 * (`pkg/immutable/match/rule`) looks only at each rule's first repository selector and first tag
 * selector (a rule lacking either never matches), matches the repository path without the project,
 * and never treats an untagged artifact as immutable. An artifact is immutable when one of its tags is.
 *
 * Rules are cached per project name, so a push to a project without rules costs no query after the
 * first; `invalidate` (called by the rule routes on every change) drops a project's entry, and
 * entries also expire after `ttlMs` as a backstop for changes made by another process.
 */
export class TagImmutability {
  readonly #cache = new Map<string, { projectId: number; rules: EffectiveRule[]; loadedAt: number }>();
  readonly #ttlMs: number;

  constructor(
    private readonly meta: MetaStore,
    options: { ttlMs?: number } = {},
  ) {
    this.#ttlMs = options.ttlMs ?? 60_000;
  }

  /** Drops the cached rules of one project (by id), or of every project. */
  invalidate(projectId?: number): void {
    if (projectId === undefined) {
      this.#cache.clear();
      return;
    }
    for (const [name, entry] of this.#cache) if (entry.projectId === projectId) this.#cache.delete(name);
  }

  /** The enabled rules of a project, from the cache when fresh. Empty for an unknown project. */
  async rulesOf(projectName: string): Promise<EffectiveRule[]> {
    const cached = this.#cache.get(projectName);
    if (cached && Date.now() - cached.loadedAt < this.#ttlMs) return cached.rules;
    const project = await this.meta.projects.get(projectName);
    if (!project) return [];
    const { items } = await this.meta.immutableRules.list(project.id);
    const rules = effectiveRules(items);
    this.#cache.set(projectName, { projectId: project.id, rules, loadedAt: Date.now() });
    return rules;
  }

  /** Whether `tag` of repository `repository` (full name) in `project` is immutable. */
  async isImmutable(project: string, repository: string, tag: string): Promise<boolean> {
    const rules = await this.rulesOf(project);
    return rules.length > 0 && matchesAny(rules, repositoryPath(project, repository), [tag]);
  }

  /** The subset of `tags` that is immutable. */
  async immutableTags(project: string, repository: string, tags: readonly string[]): Promise<Set<string>> {
    const rules = await this.rulesOf(project);
    const out = new Set<string>();
    if (rules.length === 0) return out;
    const path = repositoryPath(project, repository);
    for (const tag of tags) if (matchesAny(rules, path, [tag])) out.add(tag);
    return out;
  }

  /** Throws Harbor's 412 PRECONDITION when any of `tags` is immutable (deleting them is refused). */
  async assertMutable(project: string, repository: string, tags: readonly string[]): Promise<void> {
    const immutable = await this.immutableTags(project, repository, tags);
    const first = [...immutable][0];
    if (first !== undefined) throw immutableTagError(repository, first);
  }
}

/** Harbor's refusal: 412 PRECONDITION with its message. */
export function immutableTagError(repository: string, tag: string): DomainError {
  return new DomainError(
    'denied',
    'PRECONDITION',
    `Failed to process request due to '${repository}:${tag}' configured as immutable.`,
    { tag },
  );
}

/** A rule reduced to what Harbor's matcher reads. */
export interface EffectiveRule {
  repository: Selector;
  tag: Selector;
}

/** Enabled rules with both selectors; the tag selector's untagged flag fixed as Harbor's matcher does. */
export function effectiveRules(rules: readonly ImmutableRule[]): EffectiveRule[] {
  const out: EffectiveRule[] = [];
  for (const rule of rules) {
    const repository = rule.scopeSelectors.repository?.[0];
    const tag = rule.tagSelectors[0];
    if (rule.disabled || !repository || !tag) continue;
    // Harbor forces untagged artifacts out of every immutable rule.
    const extras = tag.decoration === 'excludes' ? '{"untagged": true}' : '{"untagged": false}';
    out.push({ repository, tag: { ...tag, extras } });
  }
  return out;
}

/** Whether an artifact with `tags` in the repository at `path` (inside its project) is selected by a rule. */
export function matchesAny(rules: readonly EffectiveRule[], path: string, tags: readonly string[]): boolean {
  return rules.some((r) => selectsRepository(r.repository, path) && selectsTags(r.tag, tags));
}

/** `library/app/web` in project `library` → `app/web`. */
export function repositoryPath(project: string, repository: string): string {
  return repository.startsWith(`${project}/`) ? repository.slice(project.length + 1) : repository;
}
