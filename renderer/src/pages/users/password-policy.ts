/**
 * Harbor's password policy as the server enforces it (server/auth/password.ts): 8 to 128 characters
 * with at least one upper-case letter, one lower-case letter and one digit. Checked in the browser so
 * the form can say what is missing before the server refuses it.
 */
export type PasswordProblem = 'length' | 'classes';

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;

export function passwordProblem(password: string): PasswordProblem | undefined {
  if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) return 'length';
  if (!/[A-Z]/.test(password) || !/[a-z]/.test(password) || !/[0-9]/.test(password)) return 'classes';
  return undefined;
}
