/**
 * How the Harbor API writes values, so every route agrees. Times are RFC 3339 in UTC with
 * milliseconds (`2024-05-01T12:00:00.000Z`), as go-openapi's `strfmt.DateTime` marshals them. A time
 * Harbor keeps as a Go zero value (an artifact never pulled) is written as `0001-01-01T00:00:00.000Z`,
 * which Harbor's UI and clients treat as "never".
 */

export const ZERO_TIME = '0001-01-01T00:00:00.000Z';

export function harborTime(date: Date): string {
  return date.toISOString();
}

/** A time that may be absent (never pulled, never updated): Go's zero time instead of null. */
export function harborTimeOrZero(date: Date | null | undefined): string {
  return date ? date.toISOString() : ZERO_TIME;
}

/** `creation_time` and `update_time` of an entity. */
export function harborTimestamps(entity: { createdAt: Date; updatedAt: Date }): {
  creation_time: string;
  update_time: string;
} {
  return { creation_time: harborTime(entity.createdAt), update_time: harborTime(entity.updatedAt) };
}

/** Harbor's project metadata and similar settings are strings: `"true"` / `"false"`. */
export function harborBool(value: boolean): 'true' | 'false' {
  return value ? 'true' : 'false';
}
