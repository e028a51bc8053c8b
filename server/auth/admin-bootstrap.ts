import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { MetaStore } from '../meta/meta-store.js';
import { assertPasswordPolicy, generatePassword, hashPassword } from './password.js';

export const ADMIN_USERNAME = 'admin';
export const INITIAL_PASSWORD_FILE = 'initial-admin-password';

/**
 * Creates the first system administrator, `admin`, when the database has none. The password comes
 * from `BERTH_ADMIN_PASSWORD` when set (it must satisfy the policy); otherwise one is generated,
 * written once to `<data-dir>/initial-admin-password` (mode 0600) and printed to the terminal. Like
 * Harbor's `HARBOR_ADMIN_PASSWORD`, the variable only matters at first start: later changes go
 * through the API or `berth admin reset-password`. The password never reaches the log.
 */
export async function ensureInitialAdmin(options: {
  meta: MetaStore;
  dataDir: string;
  password: string | undefined;
  log: Logger;
  /** Where a generated password is shown; default standard error. */
  print?: (line: string) => void;
}): Promise<void> {
  if (await options.meta.users.getByName(ADMIN_USERNAME)) return;
  const given = options.password;
  if (given !== undefined && given !== '') {
    try {
      assertPasswordPolicy(given);
    } catch (err) {
      throw new Error(`BERTH_ADMIN_PASSWORD is not accepted: ${(err as Error).message}`, { cause: err });
    }
  }
  const password = given || generatePassword();
  const created = await options.meta.users.create({
    username: ADMIN_USERNAME,
    email: '',
    realname: 'System administrator',
    comment: 'created at first start',
    passwordHash: await hashPassword(password),
    sysadmin: true,
  });
  if (given) {
    options.log.info({ username: created.username }, 'first admin created with the password from BERTH_ADMIN_PASSWORD');
    return;
  }
  const file = join(options.dataDir, INITIAL_PASSWORD_FILE);
  // Only a fresh database gets here, so a file left by an earlier one holds a dead password: replace it.
  const handle = await open(file, 'w', 0o600);
  try {
    await handle.writeFile(`${password}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  options.log.warn(
    { username: created.username, file },
    'first admin created with a generated password, written to file',
  );
  (options.print ?? ((line) => process.stderr.write(`${line}\n`)))(
    `Berth: the first administrator is "admin" with password ${password} (also in ${file}; change it after signing in)`,
  );
}
