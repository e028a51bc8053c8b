import { join } from 'node:path';
import { hashPassword } from '../../server/auth/password.js';
import type { ProjectRoleId } from '../../server/meta/project-types.js';
import { openSqliteMetaStore } from '../../server/meta/sqlite/sqlite-meta-store.js';

/**
 * Seeds a running test server's database directly (SQLite in WAL mode takes a second writer), for
 * tests whose subject is something else than user or membership management. Tests *of* those
 * features go through the API.
 */
export async function seed<T>(dataDir: string, fn: (meta: ReturnType<typeof openSqliteMetaStore>) => Promise<T>) {
  const meta = openSqliteMetaStore({ file: join(dataDir, 'berth.db') });
  try {
    return await fn(meta);
  } finally {
    await meta.close();
  }
}

export async function seedUser(
  dataDir: string,
  username: string,
  password: string,
  options: { sysadmin?: boolean } = {},
) {
  const passwordHash = await hashPassword(password);
  return seed(dataDir, (meta) =>
    meta.users.create({
      username,
      email: `${username}@example.test`,
      realname: username,
      passwordHash,
      sysadmin: options.sysadmin ?? false,
    }),
  );
}

/** Creates the project when missing (private unless `public`) and makes the user a member. */
export async function seedMember(
  dataDir: string,
  project: string,
  username: string,
  roleId: ProjectRoleId,
  options: { public?: boolean } = {},
) {
  return seed(dataDir, async (meta) => {
    const p =
      (await meta.projects.get(project)) ?? (await meta.projects.ensure(project, { public: options.public ?? false }));
    const user = await meta.users.getByName(username);
    if (!user) throw new Error(`no user ${username}`);
    return meta.members.add(p.id, 'u', user.id, roleId);
  });
}
