import type { Migration } from './migrations.js';

/** Users, login failures, sessions, personal access tokens, robot accounts. */
export const identityMigration: Migration = {
  version: 3,
  name: 'identity',
  up: () => [],
};
