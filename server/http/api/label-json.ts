import { Invalid } from '../../core/errors.js';
import type { Label } from '../../meta/project-types.js';
import { harborTimestamps } from './json-shape.js';

/** Harbor's `Label` (swagger definition). A global label's `project_id` is 0, as in Harbor. */
export interface LabelJson {
  id: number;
  name: string;
  description: string;
  color: string;
  scope: 'g' | 'p';
  project_id: number;
  creation_time: string;
  update_time: string;
}

export function toLabelJson(label: Label): LabelJson {
  return {
    id: label.id,
    name: label.name,
    description: label.description,
    color: label.color,
    scope: label.scope,
    project_id: label.projectId ?? 0,
    ...harborTimestamps(label),
  };
}

/** Bounds of a label's fields (Harbor's columns: name varchar(128), color varchar(16), description text). */
export const LABEL_LIMITS = { name: 128, description: 1024, color: 16 } as const;

/** The fields of a label body as written by a client; every one optional until the operation says otherwise. */
export interface LabelInput {
  name?: string;
  description?: string;
  color?: string;
  scope?: 'g' | 'p';
  projectId?: number;
}

/**
 * Reads a `Label` request body: an object whose `name`, `description`, `color` and `scope` are strings
 * within bounds and whose `project_id` is a positive integer (0 meaning none). `id`, `creation_time`
 * and `update_time` are ignored as Harbor does. Throws `Invalid` naming the field.
 */
export function readLabelBody(body: unknown): LabelInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new Invalid('NAME_INVALID', 'the request body must be a label object');
  }
  const raw = body as Record<string, unknown>;
  const out: LabelInput = {};
  for (const field of ['name', 'description', 'color'] as const) {
    const value = raw[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') throw new Invalid('NAME_INVALID', `${field} must be a string`);
    const max = LABEL_LIMITS[field];
    if (value.length > max) throw new Invalid('NAME_INVALID', `${field} must be at most ${max} characters`);
    out[field] = value;
  }
  const scope = raw.scope;
  if (scope !== undefined && scope !== null && scope !== '') {
    if (scope !== 'g' && scope !== 'p')
      throw new Invalid('NAME_INVALID', 'scope must be "g" (global) or "p" (project)');
    out.scope = scope;
  }
  const projectId = raw.project_id;
  if (projectId !== undefined && projectId !== null) {
    if (typeof projectId !== 'number' || !Number.isSafeInteger(projectId) || projectId < 0) {
      throw new Invalid('NAME_INVALID', 'project_id must be a non-negative integer');
    }
    if (projectId > 0) out.projectId = projectId;
  }
  return out;
}
