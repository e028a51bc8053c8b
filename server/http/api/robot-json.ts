import { isGrantableToRobot } from '../../auth/rbac.js';
import type { Robot, RobotPermission } from '../../meta/identity-types.js';
import { harborTime, harborTimestamps } from './json-shape.js';
import { invalid, objectBody, optionalString } from './user-json.js';

/**
 * Robot accounts (Harbor v2) as the API writes and reads them: `Robot` (never with its secret),
 * `RobotCreated` (the one answer that carries a new secret besides RefreshSec), and the bodies
 * `RobotCreate` / `Robot` (update). Body readers throw `Invalid` (400) naming the field, with
 * Harbor's rules (`src/server/v2.0/handler/robot.go`): a lower-case name of `[a-z0-9]` runs joined by
 * single `.`, `_` or `-`; a duration of -1 (never) or a positive number of days; a non-empty permission
 * list in which every access is one a robot may be granted (`rbac.ts` `isGrantableToRobot`).
 */

export interface RobotJson {
  id: number;
  name: string;
  description: string;
  level: 'system' | 'project';
  duration: number;
  editable: boolean;
  disable: boolean;
  /** Epoch seconds, or -1 for never. */
  expires_at: number;
  permissions: RobotPermissionJson[];
  creation_time: string;
  update_time: string;
}

interface RobotPermissionJson {
  kind: 'project' | 'system';
  namespace: string;
  access: { resource: string; action: string; effect?: 'allow' | 'deny' }[];
}

export function toRobotJson(robot: Robot): RobotJson {
  return {
    id: robot.id,
    name: robot.name,
    description: robot.description,
    level: robot.level,
    duration: robot.duration,
    editable: true,
    disable: robot.disabled,
    expires_at: expiresAtSeconds(robot.expiresAt),
    permissions: robot.permissions.map((p) => ({
      kind: p.kind,
      namespace: p.namespace,
      access: p.access.map((a) => ({
        resource: a.resource,
        action: a.action,
        ...(a.effect ? { effect: a.effect } : {}),
      })),
    })),
    ...harborTimestamps(robot),
  };
}

/** `RobotCreated`: the secret is shown here once and never again. */
export function toRobotCreatedJson(robot: Robot, secret: string) {
  return {
    id: robot.id,
    name: robot.name,
    secret,
    creation_time: harborTime(robot.createdAt),
    expires_at: expiresAtSeconds(robot.expiresAt),
  };
}

export function expiresAtSeconds(expiresAt: Date | null): number {
  return expiresAt === null ? -1 : Math.floor(expiresAt.getTime() / 1000);
}

/** When a robot of `duration` days, counted from `from`, expires; null for -1 (never). */
export function expiryOf(duration: number, from: Date): Date | null {
  return duration === -1 ? null : new Date(from.getTime() + duration * 86_400_000);
}

/** Harbor's robot name grammar (no `+`, which separates project and name in the full name). */
const ROBOT_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const MAX_ROBOT_NAME_LENGTH = 128;
const MAX_DESCRIPTION_LENGTH = 1024;
const MAX_PERMISSIONS = 100;
const MAX_ACCESS_ENTRIES = 200;
/** Go's `math.MaxInt32`, Harbor's upper bound (exclusive) for a duration. */
const MAX_DURATION = 2 ** 31 - 1;
/** The namespace Harbor gives system-kind permissions. */
export const SYSTEM_NAMESPACE = '/';

export interface RobotInput {
  name: string;
  description: string;
  level: 'system' | 'project';
  disable: boolean;
  /** Undefined only in an update that leaves the duration as it is (Harbor's nullable duration). */
  duration: number | undefined;
  permissions: RobotPermission[];
}

/**
 * `RobotCreate` (create) or `Robot` (update). Checks shapes, the name grammar, the duration, and
 * that each permission is grantable at its kind; the project-level rule (exactly one project
 * permission) and namespaces' existence are the route's, which knows the project.
 */
export function readRobotBody(body: unknown, mode: 'create' | 'update'): RobotInput {
  const b = objectBody(body, 'robot');
  const name = optionalString(b, 'name');
  if (name === undefined || name === '') throw invalid('name is required');
  if (mode === 'create') {
    if (name.length > MAX_ROBOT_NAME_LENGTH) throw invalid(`name must be at most ${MAX_ROBOT_NAME_LENGTH} characters`);
    if (!ROBOT_NAME.test(name)) {
      throw invalid('name must be lower-case letters and digits, optionally joined by single ".", "_" or "-"');
    }
  }
  const description = optionalString(b, 'description') ?? '';
  if (description.length > MAX_DESCRIPTION_LENGTH) {
    throw invalid(`description must be at most ${MAX_DESCRIPTION_LENGTH} characters`);
  }
  const level = b.level;
  if (level !== 'system' && level !== 'project') throw invalid('level must be "system" or "project"');
  const disable = b.disable ?? false;
  if (typeof disable !== 'boolean') throw invalid('disable must be true or false');
  const duration = readDuration(b.duration, mode);
  return { name, description, level, disable, duration, permissions: readPermissions(b.permissions) };
}

function readDuration(value: unknown, mode: 'create' | 'update'): number | undefined {
  if ((value === undefined || value === null) && mode === 'update') return undefined;
  if (value === undefined || value === null) throw invalid('duration is required: -1 (never) or a number of days');
  if (typeof value !== 'number' || !Number.isInteger(value) || !(value === -1 || (value > 0 && value < MAX_DURATION))) {
    throw invalid(`duration must be -1 (never) or a positive number of days, got ${JSON.stringify(value)}`);
  }
  return value;
}

function readPermissions(value: unknown): RobotPermission[] {
  if (!Array.isArray(value) || value.length === 0) throw invalid('permissions must be a non-empty array');
  if (value.length > MAX_PERMISSIONS) throw invalid(`permissions may have at most ${MAX_PERMISSIONS} entries`);
  let entries = 0;
  return value.map((raw: unknown, i): RobotPermission => {
    const p = objectBody(raw, `permissions[${i}]`);
    const kind = p.kind;
    if (kind !== 'project' && kind !== 'system') throw invalid(`permissions[${i}].kind must be "project" or "system"`);
    const namespace =
      kind === 'system' ? (optionalString(p, 'namespace') ?? SYSTEM_NAMESPACE) : optionalString(p, 'namespace');
    if (namespace === undefined || namespace === '') throw invalid(`permissions[${i}].namespace is required`);
    if (kind === 'system' && namespace !== SYSTEM_NAMESPACE) {
      throw invalid(`permissions[${i}].namespace of a system permission must be "${SYSTEM_NAMESPACE}"`);
    }
    if (!Array.isArray(p.access) || p.access.length === 0)
      throw invalid(`permissions[${i}].access must be a non-empty array`);
    entries += p.access.length;
    if (entries > MAX_ACCESS_ENTRIES) throw invalid(`a robot may hold at most ${MAX_ACCESS_ENTRIES} access entries`);
    const access = p.access.map((rawAccess: unknown, j): RobotPermission['access'][number] => {
      const where = `permissions[${i}].access[${j}]`;
      const a = objectBody(rawAccess, where);
      const resource = optionalString(a, 'resource');
      const action = optionalString(a, 'action');
      if (!resource || !action) throw invalid(`${where} needs a resource and an action`);
      const effect: unknown = a.effect ?? undefined;
      if (effect !== undefined && effect !== 'allow' && effect !== 'deny') {
        throw invalid(`${where}.effect must be "allow" or "deny"`);
      }
      if (!isGrantableToRobot(kind, resource, action)) {
        throw invalid(`permission ${resource}:${action} cannot be granted to a robot at ${kind} level`);
      }
      return effect === undefined ? { resource, action } : { resource, action, effect };
    });
    return { kind, namespace, access };
  });
}
