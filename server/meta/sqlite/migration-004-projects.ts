import type { Migration } from './migrations.js';

/** Project metadata, storage quota accounting, members, labels, audit log. */
export const projectsMigration: Migration = {
  version: 4,
  name: 'projects, members, labels, audit',
  up: () => [],
};
