/** Table types of the project tables (migration 4). Conventions as in `schema.ts`. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by the projects migration.
export interface ProjectTables {}
