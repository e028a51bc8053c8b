import type { ArtifactPushedEvent } from '../../api/types';
import { projectOf } from '../../routes';

/** Harbor's `AuditLog` as `/audit-logs` returns it. */
export interface AuditLog {
  id: number;
  username: string;
  resource: string;
  resource_type: string;
  operation: string;
  op_time: string;
}

/** Harbor's `Quota` of a project (`/quotas`). */
export interface ProjectQuota {
  id: number;
  ref: { id: number; name: string; owner_name: string };
  hard: { storage: number };
  used: { storage: number };
}

/** Harbor's `Statistic` (`/statistics`): counts the caller may see; totals and storage for admins only. */
export interface Statistics {
  private_project_count: number;
  private_repo_count: number;
  public_project_count: number;
  public_repo_count: number;
  total_project_count: number;
  total_repo_count: number;
  total_storage_consumption: number;
}

/** The audit filter that lists pushes: every artifact push writes one `create` entry. */
export const PUSH_AUDIT_QUERY = 'resource_type=artifact,operation=create';

/** One bar of the storage chart. `others` is the sum of every project not shown on its own. */
export interface StorageBar {
  name: string;
  bytes: number;
  /** Quota in bytes, -1 for none; undefined when unknown. */
  limit?: number;
  others?: boolean;
  /** How many projects an `others` bar stands for. */
  count?: number;
}

/**
 * The chart's bars: the `top` largest projects, largest first, then one bar for the rest when there
 * are more projects than that. The rest is the known total minus what the shown bars hold (the
 * server sums every project's usage); without a total there is no honest figure, so no bar.
 */
export function storageBars(
  projects: { name: string; bytes: number; limit?: number }[],
  options: { top: number; projectCount?: number; totalBytes?: number },
): StorageBar[] {
  const sorted = [...projects].sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name));
  const shown: StorageBar[] = sorted.slice(0, options.top).map((p) => ({ ...p }));
  const projectCount = options.projectCount ?? projects.length;
  const hidden = projectCount - shown.length;
  if (hidden > 0) {
    const shownBytes = shown.reduce((sum, p) => sum + p.bytes, 0);
    const rest =
      options.totalBytes !== undefined
        ? Math.max(0, options.totalBytes - shownBytes)
        : sorted.slice(options.top).reduce((sum, p) => sum + p.bytes, 0);
    if (options.totalBytes !== undefined || sorted.length > shown.length) {
      shown.push({ name: '', bytes: rest, others: true, count: hidden });
    }
  }
  return shown;
}

/** A push in the dashboard's feed, from the audit log or the live event stream. */
export interface PushEntry {
  key: string;
  repository: string;
  project: string;
  tag: string | null;
  digest: string | null;
  /** Null for a live push: the event stream does not say who pushed (the audit log does). */
  username: string | null;
  at: string;
  live: boolean;
}

/**
 * An audit entry of a push (`library/app:1.0` or `library/app@sha256:...`, as the audit writer
 * names it) as a feed entry; undefined for anything else.
 */
export function pushFromAudit(entry: AuditLog): PushEntry | undefined {
  if (entry.resource_type !== 'artifact' || entry.operation !== 'create') return undefined;
  const at = entry.resource.indexOf('@');
  let repository: string;
  let tag: string | null = null;
  let digest: string | null = null;
  if (at >= 0) {
    repository = entry.resource.slice(0, at);
    digest = entry.resource.slice(at + 1);
  } else {
    const slash = entry.resource.lastIndexOf('/');
    const colon = entry.resource.lastIndexOf(':');
    if (colon <= slash) return undefined;
    repository = entry.resource.slice(0, colon);
    tag = entry.resource.slice(colon + 1);
  }
  if (!repository || !(tag || digest)) return undefined;
  return {
    key: pushKey(repository, tag, digest),
    repository,
    project: projectOf(repository),
    tag,
    digest,
    username: entry.username,
    at: entry.op_time,
    live: false,
  };
}

export function pushFromLive(event: ArtifactPushedEvent & { at: string }): PushEntry {
  return {
    key: pushKey(event.repository, event.tag, event.digest),
    repository: event.repository,
    project: projectOf(event.repository),
    tag: event.tag,
    digest: event.digest,
    // The stream names no pusher (event-stream-routes.ts); the audit log's entry fills it in later.
    username: null,
    at: event.at,
    live: true,
  };
}

/**
 * The feed: live pushes (seen since the page loaded) and the audit log's, newest first, one entry
 * per tag (or untagged digest): a push the audit log has caught up with stays marked live and
 * learns from the audit entry who pushed it.
 */
export function mergePushes(live: PushEntry[], audited: PushEntry[], limit: number): PushEntry[] {
  const byKey = new Map<string, PushEntry>();
  for (const p of [...live, ...audited]) {
    const seen = byKey.get(p.key);
    if (!seen) byKey.set(p.key, p);
    else if (time(p.at) > time(seen.at) + 5_000) byKey.set(p.key, p);
    else if (seen.username === null) byKey.set(p.key, { ...seen, username: p.username });
  }
  return [...byKey.values()].sort((a, b) => time(b.at) - time(a.at)).slice(0, limit);
}

function pushKey(repository: string, tag: string | null, digest: string | null): string {
  return tag ? `${repository}:${tag}` : `${repository}@${digest ?? ''}`;
}

function time(iso: string): number {
  const t = new Date(iso).getTime();
  return Number.isNaN(t) ? 0 : t;
}

/**
 * Axis ticks for sizes up to `max` bytes at round values of one binary unit (0, 2 MiB, 4 MiB, ...),
 * at most about five of them, the last one at or above `max`.
 */
export function byteTicks(max: number): number[] {
  if (!(max > 0)) return [0];
  let unit = 1;
  while (max / unit >= 1024 && unit < 1024 ** 5) unit *= 1024;
  const span = max / unit;
  const raw = span / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude) * unit;
  const ticks: number[] = [];
  for (let v = 0; ; v += step) {
    ticks.push(v);
    if (v >= max) return ticks;
  }
}

/** A round axis value without trailing zeros: "2.00 MiB" → "2 MiB", "2.50 MiB" → "2.5 MiB". */
export function tickLabel(text: string): string {
  return text.replace(/(\.\d*?)0+ /, '$1 ').replace(/\. /, ' ');
}
