import { Invalid } from '../../core/errors.js';
import type { User } from '../../meta/identity-types.js';
import { harborTimestamps } from './json-shape.js';

/**
 * Users as Harbor's API writes and reads them: `UserResp`, `UserSearchRespItem`, and the request
 * bodies `UserCreationReq`, `UserProfile`, `PasswordReq` and `UserSysAdminFlag`. Body readers throw
 * `Invalid` (400) naming the field, with Harbor's rules (`src/server/v2.0/handler/user.go`): an email
 * is required and well-formed, a real name is 1 to 255 characters without `,~#$%`, a comment at most
 * 30 characters. Password hashes never leave this module's inputs.
 */

export interface UserJson {
  user_id: number;
  username: string;
  email: string;
  realname: string;
  comment: string;
  sysadmin_flag: boolean;
  admin_role_in_auth: boolean;
  creation_time: string;
  update_time: string;
}

/**
 * Harbor's `UserResp`. `oidc_user_meta` is left out (Harbor omits it unless OIDC is the auth mode);
 * `admin_role_in_auth` is always false: no directory grants admin rights here.
 */
export function toUserJson(user: User): UserJson {
  return {
    user_id: user.id,
    username: user.username,
    email: user.email,
    realname: user.realname,
    comment: user.comment,
    sysadmin_flag: user.sysadmin,
    admin_role_in_auth: false,
    ...harborTimestamps(user),
  };
}

export function toUserSearchJson(user: User): { user_id: number; username: string } {
  return { user_id: user.id, username: user.username };
}

export const MAX_USERNAME_LENGTH = 255;
const MAX_EMAIL_LENGTH = 255;
const MAX_REALNAME_LENGTH = 255;
const MAX_COMMENT_LENGTH = 30;
/** Harbor refuses these in names; `:` would break basic credentials, `$` is the robot prefix's. */
const ILLEGAL_NAME_CHARS = /[,~#$%:"]/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused.
const CONTROL_OR_SPACE = /[\s\u0000-\u001f\u007f]/;
const EMAIL = /^[^\s@<>()[\]\\,;:"]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}$/;

export interface UserCreation {
  username: string;
  email: string;
  realname: string;
  comment: string;
  password: string;
}

export interface ProfileUpdate {
  email: string;
  realname: string;
  comment: string;
}

/** `UserCreationReq`: username, email, realname, password required; comment optional. */
export function readUserCreation(body: unknown): UserCreation {
  const b = objectBody(body, 'user');
  const username = requiredString(b, 'username');
  if (username.length > MAX_USERNAME_LENGTH)
    throw invalid(`username must be at most ${MAX_USERNAME_LENGTH} characters`);
  if (ILLEGAL_NAME_CHARS.test(username) || CONTROL_OR_SPACE.test(username)) {
    throw invalid('username must not contain spaces, control characters or any of , ~ # $ % : "');
  }
  return { username, ...readProfile(b), password: requiredString(b, 'password') };
}

/** `UserProfile`: Harbor replaces the whole profile, so email and realname are required. */
export function readProfileUpdate(body: unknown): ProfileUpdate {
  return readProfile(objectBody(body, 'profile'));
}

function readProfile(b: Record<string, unknown>): ProfileUpdate {
  const email = requiredString(b, 'email');
  if (email.length > MAX_EMAIL_LENGTH || !EMAIL.test(email)) throw invalid('email is not a valid email address');
  const realname = requiredString(b, 'realname');
  if (realname.length > MAX_REALNAME_LENGTH)
    throw invalid(`realname must be at most ${MAX_REALNAME_LENGTH} characters`);
  if (/[,~#$%]/.test(realname)) throw invalid('realname must not contain any of , ~ # $ %');
  const comment = optionalString(b, 'comment') ?? '';
  if (comment.length > MAX_COMMENT_LENGTH) throw invalid(`comment must be at most ${MAX_COMMENT_LENGTH} characters`);
  return { email, realname, comment };
}

/** `PasswordReq`: `new_password` required; `old_password` as given (may be absent). */
export function readPasswordChange(body: unknown): { oldPassword: string | undefined; newPassword: string } {
  const b = objectBody(body, 'password');
  return { oldPassword: optionalString(b, 'old_password'), newPassword: requiredString(b, 'new_password') };
}

/** `UserSysAdminFlag`: `sysadmin_flag` must be a boolean. */
export function readSysadminFlag(body: unknown): boolean {
  const b = objectBody(body, 'sysadmin_flag');
  const flag = b.sysadmin_flag;
  if (typeof flag !== 'boolean') throw invalid('sysadmin_flag must be true or false');
  return flag;
}

/** The body as an object; `Invalid` naming what was expected otherwise. */
export function objectBody(body: unknown, what: string): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid(`the request body must be a JSON object (${what})`);
  }
  return body as Record<string, unknown>;
}

/** A non-empty string field. */
export function requiredString(b: Record<string, unknown>, field: string): string {
  const value = b[field];
  if (value === undefined || value === null || value === '') throw invalid(`${field} is required`);
  if (typeof value !== 'string') throw invalid(`${field} must be a string`);
  return value;
}

/** A string field that may be absent (undefined or null). */
export function optionalString(b: Record<string, unknown>, field: string): string | undefined {
  const value = b[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(`${field} must be a string`);
  return value;
}

export function invalid(message: string): Invalid {
  return new Invalid('NAME_INVALID', message);
}
